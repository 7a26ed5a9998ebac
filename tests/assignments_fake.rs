//! Identity Center assignment failures against the local fake endpoint: CloudTrail LookupEvents
//! (pages of 50, other events mixed in, a time window, throttling storms) and sso-admin's
//! DescribeAccountAssignmentCreationStatus (FAILED, SUCCEEDED, IN_PROGRESS, not found), through
//! the real SDK clients and the real binary.

mod common;

use orgscope::model::RawText;
use std::collections::BTreeMap;
use std::sync::Arc;

use common::fake_aws::{Canned, FakeAws, FakeEvent, FakeOrg, FakeStatus, Faults, assignment_event};
use orgscope::model::AssignmentStatus;
use orgscope::source::aws::AwsSource;
use orgscope::source::{AssignmentQuery, Source};

const IAM_LIMIT: &str = "Received a 402 status error: Number of attached policies to role AWSReservedSSO_Data_0123 for account 100000000001 has exceeded the IAM limit. Please contact support to increase the limit.";
const PERMISSION_SET: &str = "arn:aws:sso:::permissionSet/ssoins-fake/ps-data";

/// What the server holds, and what orgscope must report for each request id.
struct Truth {
    fake: FakeAws,
    expected: BTreeMap<String, (AssignmentStatus, Option<String>)>,
    old_request: String,
}

fn fixture(faults: Faults) -> Truth {
    let org = FakeOrg::generate(20, 2, 1);
    let accounts: Vec<String> = org.accounts.iter().map(|a| a.id.clone()).collect();
    let fake = FakeAws::start_with(org, faults);
    let now = chrono::Utc::now().timestamp();
    let mut expected = BTreeMap::new();
    {
        let mut state = fake.state();
        state.permission_sets.insert(PERMISSION_SET.into(), "DataScientist".into());
        state.principals.insert("g-fake".into(), "Data Scientists".into());
        for n in 0..120 {
            let request = format!("req-{n:03}");
            let account = &accounts[n % accounts.len()];
            state.events.push(assignment_event(
                &format!("ev-{n:03}"),
                now - 600 - n as i64 * 600,
                &request,
                account,
                PERMISSION_SET,
            ));
            let status = match n % 6 {
                0 => {
                    state.statuses.insert(request.clone(), FakeStatus::Failed(IAM_LIMIT.into()));
                    (AssignmentStatus::Failed, Some(IAM_LIMIT.to_string()))
                }
                1 => {
                    state.statuses.insert(request.clone(), FakeStatus::InProgress);
                    (AssignmentStatus::InProgress, None)
                }
                2 => {
                    state.statuses.insert(
                        request.clone(),
                        FakeStatus::Error(Canned::new(400, "ResourceNotFoundException", "Request not found")),
                    );
                    (AssignmentStatus::Unknown, Some("Request not found".to_string()))
                }
                _ => (AssignmentStatus::Succeeded, None),
            };
            expected.insert(request, status);
        }
        // Other events on the server side, and one too old for the window.
        for n in 0..30 {
            state.events.push(FakeEvent {
                event_id: format!("other-{n}"),
                event_name: "AttachManagedPolicyToPermissionSet".into(),
                event_time: now - 1000 - n,
                cloudtrail_event: "{}".into(),
            });
        }
        state.events.push(assignment_event("ev-old", now - 10 * 86_400, "req-old", &accounts[1], PERMISSION_SET));
    }
    Truth { fake, expected, old_request: "req-old".into() }
}

/// The LookupEvents calls for CreateAccountAssignment, in order.
fn creation_lookups(fake: &FakeAws) -> Vec<common::fake_aws::LoggedCall> {
    let calls = fake.calls_to("LookupEvents");
    calls
        .into_iter()
        .filter(|c| c.params["LookupAttributes"][0]["AttributeValue"] == "CreateAccountAssignment")
        .collect()
}

fn run_binary(truth: &Truth, home: &std::path::Path, extra: &[&str]) -> Vec<serde_json::Value> {
    let mut command = common::orgscope_command(home);
    command
        .env("AWS_ACCESS_KEY_ID", "AKIDFAKEFAKEFAKE")
        .env("AWS_SECRET_ACCESS_KEY", "fake-secret-key")
        .env("AWS_REGION", "eu-west-1")
        .args(["assignments", "--format", "json", "--endpoint-url", &truth.fake.url()])
        .args(extra);
    let out = command.output().expect("run orgscope");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("a JSON array")
}

#[test]
fn the_json_matches_the_servers_truth_request_for_request_and_the_cache_saves_describes() {
    let truth = fixture(Faults::default());
    let home = tempfile::tempdir().expect("temp dir");
    let rows = run_binary(&truth, home.path(), &[]);

    let found: BTreeMap<String, (String, Option<String>)> = rows
        .iter()
        .map(|r| {
            (
                r["request_id"].as_str().unwrap_or_default().to_string(),
                (
                    r["status"].as_str().unwrap_or_default().to_string(),
                    r["failure_reason"].as_str().map(str::to_string),
                ),
            )
        })
        .collect();
    let expected: BTreeMap<String, (String, Option<String>)> =
        truth.expected.iter().map(|(k, (s, r))| (k.clone(), (s.code().to_string(), r.clone()))).collect();
    assert_eq!(found, expected, "request for request");
    assert!(!found.contains_key(&truth.old_request), "the window excludes older events");

    let keys = orgscope::cli::assignments::CSV_COLUMNS;
    for row in &rows {
        assert_eq!(row.as_object().map(|o| o.len()), Some(keys.len()), "{row}");
        for key in keys {
            assert!(row.get(key).is_some(), "{key} in {row}");
        }
    }
    let times: Vec<&str> = rows.iter().filter_map(|r| r["event_time"].as_str()).collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]), "newest first");
    let failed = rows.iter().find(|r| r["status"] == "FAILED").expect("a failure");
    assert_eq!(failed["permission_set_name"], "DataScientist");
    assert!(failed["account_name"].as_str().is_some_and(|n| n.starts_with("account-")));
    assert!(failed["hint"].as_str().is_some_and(|h| h.contains("10 managed policies")), "{failed}");
    let missing = rows.iter().find(|r| r["status"] == "UNKNOWN").expect("a not-found request");
    assert_eq!(missing["error_code"], "ResourceNotFoundException");

    // Every LookupEvents call: one attribute, 50 a page, the same window on every page; one
    // lookup per operation.
    let names: std::collections::BTreeSet<String> = truth
        .fake
        .calls_to("LookupEvents")
        .iter()
        .filter_map(|c| c.params["LookupAttributes"][0]["AttributeValue"].as_str().map(str::to_string))
        .collect();
    assert_eq!(
        names.into_iter().collect::<Vec<_>>(),
        ["CreateAccountAssignment", "DeleteAccountAssignment", "ProvisionPermissionSet"]
    );
    let lookups = creation_lookups(&truth.fake);
    assert_eq!(lookups.len(), 3, "120 events in pages of 50");
    for call in &lookups {
        assert_eq!(call.params["LookupAttributes"].as_array().map(Vec::len), Some(1));
        assert_eq!(call.params["MaxResults"], 50);
        assert_eq!(call.params["StartTime"], lookups[0].params["StartTime"]);
    }
    // At most 2 a second. The pacer keeps its cadence when a call comes late, so two calls may
    // be close, but any three are a slot (500 ms) apart when sent; the server sees them as they
    // arrive, so 50 ms is allowed for a loaded machine. Unpaced, the three pages would arrive one
    // call's latency apart.
    let span = lookups[lookups.len() - 1].at.duration_since(lookups[0].at);
    assert!(span >= std::time::Duration::from_millis(450), "3 LookupEvents within {span:?}");
    assert_eq!(truth.fake.calls_to("DescribeAccountAssignmentCreationStatus").len(), 120);

    // Second run: only the requests that were not final are described again, and CloudTrail is
    // read only from the first run's end, less the late-delivery margin.
    let before = truth.fake.calls_to("DescribeAccountAssignmentCreationStatus").len();
    let again = run_binary(&truth, home.path(), &["--failed"]);
    let lookups = creation_lookups(&truth.fake);
    assert_eq!(lookups.len(), 4, "one LookupEvents call for what came after the first run");
    let resumed = lookups[3].params["StartTime"].as_f64().unwrap_or_default();
    let margin = chrono::Utc::now().timestamp() as f64 - resumed;
    assert!((15.0 * 60.0..17.0 * 60.0).contains(&margin), "resumed {margin} s back");
    let described = truth.fake.calls_to("DescribeAccountAssignmentCreationStatus").len() - before;
    let not_final = truth
        .expected
        .values()
        .filter(|(s, _)| !matches!(s, AssignmentStatus::Succeeded | AssignmentStatus::Failed))
        .count();
    assert_eq!(described, not_final, "the cache answered for the final ones");
    assert!(again.iter().all(|r| matches!(r["status"].as_str(), Some("FAILED" | "API_ERROR" | "UNKNOWN"))));
    assert_eq!(again.iter().filter(|r| r["status"] == "FAILED").count(), 20, "cached failures keep their reason");
}

#[tokio::test]
async fn a_throttling_storm_on_lookup_events_slows_the_run_but_loses_nothing() {
    let truth = fixture(Faults { throttle_first: 4, ..Faults::default() });
    let source = AwsSource::connect(truth.fake.options()).await.expect("connect");
    let now = chrono::Utc::now();
    let query = AssignmentQuery {
        sso_region: Some("eu-west-1".into()),
        ..AssignmentQuery::new(now - chrono::Duration::days(7), now)
    };
    let attempts = source.assignments(&query, Arc::new(|_| {})).await.expect("assignments").attempts;
    assert_eq!(attempts.len(), 120);
    assert!(source.stats().throttled() >= 4, "the storm happened");
    let failed = attempts.iter().filter(|a| a.status == AssignmentStatus::Failed).count();
    assert_eq!(failed, 20);
    assert!(
        attempts.iter().all(|a| a.principal_name.raw() == Some("Data Scientists")),
        "principal names come from the Identity Store"
    );
}
