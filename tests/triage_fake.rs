//! The complete triage against the local endpoint, through the real binary and the real SDK:
//! CloudTrail's events and Identity Center's status APIs merged into one row per request (only in
//! the status APIs, only in CloudTrail, in both), deletions and provisionings with their own
//! shapes, CloudTrail refused, paging, the cache, `--operation`, a hint for every failure, and
//! `assignments retry` (refused without a yes and sending nothing; succeeding once the cause is
//! lifted; still failing with the new reason).

mod common;

use std::process::Output;

use common::fake_aws::{Canned, FakeAws, FakeEvent, FakeOrg, FakeRequest, FakeStatus, Faults, request_event};
use serde_json::Value;

const PS: &str = "arn:aws:sso:::permissionSet/ssoins-fake/ps-data";
const INSTANCE: &str = "arn:aws:sso:::instance/ssoins-fake";
const IAM_LIMIT: &str = "Received a 402 status error: Number of attached policies to role AWSReservedSSO_Data_1 has exceeded the IAM limit.";
const UNKNOWN_REASON: &str = "Something nobody has seen before happened";
const QUOTA: &str = "LimitExceeded: Cannot exceed quota for PoliciesPerRole: 10";

struct Fixture {
    fake: FakeAws,
    accounts: Vec<String>,
    home: tempfile::TempDir,
}

/// Five requests: `both-1` (a creation CloudTrail and the status APIs both know, FAILED),
/// `ct-del-1` (a deletion only CloudTrail names; it SUCCEEDED, so no status listing shows it),
/// `prov-only-1` and `del-only-1` (FAILED, only in the status APIs), and a creation refused outright.
fn fixture(faults: Faults) -> Fixture {
    let org = FakeOrg::generate(10, 2, 1);
    let accounts: Vec<String> = org.accounts.iter().map(|a| a.id.clone()).collect();
    let fake = FakeAws::start_with(org, faults);
    let now = chrono::Utc::now().timestamp();
    {
        let mut state = fake.state();
        state.unknown_requests_succeed = false;
        state.permission_sets.insert(PS.into(), "DataScientist".into());
        state.principals.insert("g-fake".into(), "Platform".into());
        state.events.push(request_event("create", "ev-both", now - 600, "both-1", &accounts[1], PS));
        state.events.push(request_event("delete", "ev-del", now - 1200, "ct-del-1", &accounts[2], PS));
        let mut refused = request_event("create", "ev-refused", now - 1800, "unused", &accounts[3], PS);
        let mut body: Value = serde_json::from_str(&refused.cloudtrail_event).unwrap_or_default();
        body["responseElements"] = Value::Null;
        body["errorCode"] = "BrandNewException".into();
        body["errorMessage"] = "The call was refused for a new reason".into();
        refused.cloudtrail_event = body.to_string();
        state.events.push(refused);
        state.events.push(FakeEvent {
            event_id: "ev-other".into(),
            event_name: "AttachManagedPolicyToPermissionSet".into(),
            event_time: now - 60,
            cloudtrail_event: "{}".into(),
        });
        state.requests.push(
            FakeRequest::new("both-1", "create", &accounts[1], PS, now - 600)
                .with_status(FakeStatus::Failed(IAM_LIMIT.into())),
        );
        state.requests.push(FakeRequest::new("ct-del-1", "delete", &accounts[2], PS, now - 1200));
        state.requests.push(
            FakeRequest::new("prov-only-1", "provision", &accounts[4], PS, now - 2400)
                .with_status(FakeStatus::Failed(QUOTA.into())),
        );
        state.requests.push(
            FakeRequest::new("del-only-1", "delete", &accounts[5], PS, now - 3000)
                .with_status(FakeStatus::Failed(UNKNOWN_REASON.into())),
        );
        // A failure older than the window is not listed.
        state.requests.push(
            FakeRequest::new("old-1", "create", &accounts[6], PS, now - 30 * 86_400)
                .with_status(FakeStatus::Failed(QUOTA.into())),
        );
    }
    Fixture { fake, accounts, home: tempfile::tempdir().expect("a temp dir") }
}

fn run(fixture: &Fixture, args: &[&str]) -> Output {
    let mut command = common::fake_command(fixture.home.path(), &fixture.fake.url());
    command.args(args);
    command.output().expect("run orgscope")
}

fn rows(output: &Output) -> Vec<Value> {
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).expect("a JSON array")
}

fn by_request<'a>(rows: &'a [Value], request: &str) -> &'a Value {
    rows.iter().find(|r| r["request_id"] == request).unwrap_or_else(|| panic!("no row for {request}: {rows:?}"))
}

#[test]
fn one_row_per_request_whichever_record_names_it_with_every_operations_shape_and_a_hint_for_every_failure() {
    let fixture = fixture(Faults::default());
    let rows = rows(&run(&fixture, &["assignments", "--format", "json"]));
    assert_eq!(rows.len(), 5, "{rows:#?}");
    let keys = orgscope::cli::assignments::CSV_COLUMNS;
    for row in &rows {
        assert_eq!(row.as_object().map(|o| o.len()), Some(keys.len()), "{row}");
    }

    // In both records: CloudTrail's actor and event, the status APIs' verdict, one row.
    let both = by_request(&rows, "both-1");
    assert_eq!(rows.iter().filter(|r| r["request_id"] == "both-1").count(), 1);
    assert_eq!((both["operation"].as_str(), both["status"].as_str()), (Some("create"), Some("FAILED")));
    assert_eq!(both["event_id"], "ev-both");
    assert!(both["actor"].as_str().is_some_and(|a| a.contains("jane")));
    assert_eq!(both["failure_reason"], IAM_LIMIT);
    assert_eq!(both["principal_name"], "Platform");
    assert!(both["hint"].as_str().is_some_and(|h| h.contains("10 managed policies") && h.contains("retry 'both-1'")));

    // Only in CloudTrail: a deletion that succeeded.
    let deleted = by_request(&rows, "ct-del-1");
    assert_eq!((deleted["operation"].as_str(), deleted["status"].as_str()), (Some("delete"), Some("SUCCEEDED")));
    assert_eq!(deleted["hint"], Value::Null);

    // Only in the status APIs: the describe names the parameters; no event, no actor.
    let provision = by_request(&rows, "prov-only-1");
    assert_eq!((provision["operation"].as_str(), provision["status"].as_str()), (Some("provision"), Some("FAILED")));
    assert_eq!(provision["event_id"], Value::Null);
    assert_eq!(provision["actor"], Value::Null);
    assert_eq!(provision["account_id"].as_str(), Some(fixture.accounts[4].as_str()));
    assert_eq!(provision["permission_set_name"], "DataScientist");
    for key in ["principal_type", "principal_id", "principal_name"] {
        assert_eq!(provision[key], Value::Null, "a provisioning has no principal: {key}");
    }
    assert!(provision["event_time"].as_str().is_some(), "the request's CreatedDate");
    assert!(provision["hint"].as_str().is_some_and(|h| h.contains("10 managed policies")), "{provision}");

    let unknown = by_request(&rows, "del-only-1");
    assert_eq!(unknown["operation"], "delete");
    assert_eq!(unknown["principal_name"], "Platform");
    let hint = unknown["hint"].as_str().unwrap_or_default();
    assert!(hint.contains("does not recognise"), "{hint}");
    let command = format!(
        "aws sso-admin delete-account-assignment --instance-arn '{INSTANCE}' --target-id '{}' --target-type 'AWS_ACCOUNT' --permission-set-arn '{PS}' --principal-type 'GROUP' --principal-id 'g-fake'",
        fixture.accounts[5]
    );
    assert!(hint.contains(&command), "the exact retry with the row's ids: {hint}");

    let refused = rows.iter().find(|r| r["status"] == "API_ERROR").expect("the refused call");
    assert_eq!(refused["error_code"], "BrandNewException");
    assert!(refused["hint"].as_str().is_some_and(|h| h.contains("create-account-assignment")), "{refused}");
    assert!(rows.iter().all(|r| r["status"] != "FAILED" || r["hint"].is_string()), "every FAILED row has a hint");

    let times: Vec<&str> = rows.iter().filter_map(|r| r["event_time"].as_str()).collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]), "newest first: {times:?}");

    // Each listing asked for FAILED and for IN_PROGRESS; each status-only request described once.
    for op in [
        "ListAccountAssignmentCreationStatus",
        "ListAccountAssignmentDeletionStatus",
        "ListPermissionSetProvisioningStatus",
    ] {
        let filters: Vec<String> = fixture
            .fake
            .calls_to(op)
            .iter()
            .filter_map(|c| c.params["Filter"]["Status"].as_str().map(str::to_string))
            .collect();
        assert!(
            filters.contains(&"FAILED".to_string()) && filters.contains(&"IN_PROGRESS".to_string()),
            "{op}: {filters:?}"
        );
    }
    assert_eq!(fixture.fake.calls_to("DescribePermissionSetProvisioningStatus").len(), 1);

    // A second run: the final rows come from the cache, nothing is described again.
    let before = fixture.fake.calls().len();
    let again = rows_of_second_run(&fixture);
    let described = fixture.fake.calls()[before..]
        .iter()
        .filter(|c| c.op.starts_with("Describe") && c.op.contains("Status"))
        .count();
    assert_eq!(described, 0, "every request was final");
    assert_eq!(again, rows, "the warm run shows the same rows");
}

fn rows_of_second_run(fixture: &Fixture) -> Vec<Value> {
    rows(&run(fixture, &["assignments", "--format", "json"]))
}

#[test]
fn cloudtrail_refused_still_lists_the_status_apis_rows_and_says_so() {
    let faults = Faults {
        fail_ops: [(
            "LookupEvents".to_string(),
            Canned::new(400, "AccessDeniedException", "User: x is not authorized to perform: cloudtrail:LookupEvents"),
        )]
        .into(),
        ..Faults::default()
    };
    let fixture = fixture(faults);
    let output = run(&fixture, &["assignments", "--format", "json"]);
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    let rows = rows(&output);
    assert!(stderr.contains("CloudTrail could not be read") && stderr.contains("AccessDenied"), "{stderr}");
    let mut requests: Vec<&str> = rows.iter().filter_map(|r| r["request_id"].as_str()).collect();
    requests.sort_unstable();
    assert_eq!(requests, ["both-1", "del-only-1", "prov-only-1"], "the FAILED ones, from the status APIs");
    assert!(rows.iter().all(|r| r["actor"].is_null() && r["hint"].is_string()));

    // Text output says it too, and the exit code stays 0.
    let text = run(&fixture, &["assignments"]);
    assert!(text.status.success());
    assert!(String::from_utf8_lossy(&text.stdout).contains("prov-only-1"));
}

/// The status APIs refused: CloudTrail's rows are listed, and still carry their principals'
/// Identity Store names (only the refused part is lost).
#[test]
fn status_apis_refused_still_name_cloudtrails_principals() {
    let refused = Canned::new(
        400,
        "AccessDeniedException",
        "User: x is not authorized to perform: sso:ListAccountAssignmentCreationStatus",
    );
    let faults =
        Faults { fail_ops: [("ListAccountAssignmentCreationStatus".to_string(), refused)].into(), ..Faults::default() };
    let fixture = fixture(faults);
    let output = run(&fixture, &["assignments", "--format", "json"]);
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    let rows = rows(&output);
    assert!(stderr.contains("status APIs could not be read"), "{stderr}");
    let both = by_request(&rows, "both-1");
    assert_eq!(both["principal_name"], "Platform", "{both:#}");
}

#[test]
fn the_status_listings_are_paged_and_operation_narrows_what_is_read() {
    let fixture = fixture(Faults::default());
    {
        let mut state = fixture.fake.state();
        state.status_page = 2;
        let now = chrono::Utc::now().timestamp();
        for n in 0..5 {
            let request = FakeRequest::new(&format!("page-{n}"), "create", &fixture.accounts[7], PS, now - 100 - n)
                .with_status(FakeStatus::Failed(QUOTA.into()));
            state.requests.push(request);
        }
    }
    let rows = rows(&run(&fixture, &["assignments", "--format", "json", "--operation", "create"]));
    let pages = fixture
        .fake
        .calls_to("ListAccountAssignmentCreationStatus")
        .iter()
        .filter(|c| c.params["Filter"]["Status"] == "FAILED")
        .count();
    assert_eq!(pages, 4, "seven FAILED creations (one outside the window) in pages of two");
    assert!((0..5).all(|n| rows.iter().any(|r| r["request_id"] == format!("page-{n}"))), "every page read");
    assert!(rows.iter().all(|r| r["operation"] == "create"), "only creations");
    assert!(fixture.fake.calls_to("ListAccountAssignmentDeletionStatus").is_empty(), "deletions are not read");
    let lookups: Vec<String> = fixture
        .fake
        .calls_to("LookupEvents")
        .iter()
        .filter_map(|c| c.params["LookupAttributes"][0]["AttributeValue"].as_str().map(str::to_string))
        .collect();
    assert!(lookups.iter().all(|l| l == "CreateAccountAssignment"), "{lookups:?}");

    let two = rows_with(&fixture, &["--operation", "delete,provision"]);
    assert!(two.iter().all(|r| r["operation"] == "delete" || r["operation"] == "provision"));
    assert_eq!(two.len(), 3, "{two:#?}");
    let bad = run(&fixture, &["assignments", "--operation", "rename"]);
    assert_eq!(bad.status.code(), Some(2), "an unknown operation is a usage error");
}

fn rows_with(fixture: &Fixture, extra: &[&str]) -> Vec<Value> {
    let mut args = vec!["assignments", "--format", "json", "--no-cache"];
    args.extend_from_slice(extra);
    rows(&run(fixture, &args))
}

#[test]
fn retry_without_a_terminal_or_yes_sends_nothing_at_all() {
    let fixture = fixture(Faults::default());
    let output = run(&fixture, &["assignments", "retry", "del-only-1"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--yes") && stderr.contains("nothing was sent"), "{stderr}");
    assert!(fixture.fake.calls().is_empty(), "no call at all: {:?}", fixture.fake.calls());
}

#[test]
fn retry_after_the_cause_is_lifted_sends_the_same_request_and_follows_it_to_succeeded() {
    let fixture = fixture(Faults::default());
    let output = run(&fixture, &["assignments", "retry", "del-only-1", "--yes", "--format", "json"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let row: Value = serde_json::from_slice(&output.stdout).expect("a JSON row");
    assert_eq!(row["status"], "SUCCEEDED");
    assert_eq!(row["operation"], "delete");
    assert_eq!(row["request_id"], "retry-delete-1", "the new request");
    let writes = fixture.fake.calls_to("DeleteAccountAssignment");
    assert_eq!(writes.len(), 1, "one write");
    let sent = &writes[0].params;
    assert_eq!(sent["InstanceArn"], INSTANCE);
    assert_eq!(sent["TargetId"].as_str(), Some(fixture.accounts[5].as_str()));
    assert_eq!((sent["TargetType"].as_str(), sent["PermissionSetArn"].as_str()), (Some("AWS_ACCOUNT"), Some(PS)));
    assert_eq!((sent["PrincipalType"].as_str(), sent["PrincipalId"].as_str()), (Some("GROUP"), Some("g-fake")));
    let follows = fixture
        .fake
        .calls_to("DescribeAccountAssignmentDeletionStatus")
        .iter()
        .filter(|c| c.params["AccountAssignmentDeletionRequestId"] == "retry-delete-1")
        .count();
    assert!(follows >= 2, "followed through IN_PROGRESS to the end: {follows}");
    for other in ["CreateAccountAssignment", "ProvisionPermissionSet"] {
        assert!(fixture.fake.calls_to(other).is_empty(), "{other} was not called");
    }
    // The scanner policy names every call a listing and a retry made, the writes apart.
    let policy = run(&fixture, &["template", "scanner-policy"]);
    let policy: Value = serde_json::from_slice(&policy.stdout).expect("the policy is JSON");
    let statements = policy["Statement"].as_array().cloned().unwrap_or_default();
    let actions_of = |sid_part: &str| -> Vec<String> {
        statements
            .iter()
            .filter(|s| s["Sid"].as_str().is_some_and(|sid| sid.contains(sid_part)))
            .flat_map(|s| s["Action"].as_array().cloned().unwrap_or_default())
            .filter_map(|a| a.as_str().map(str::to_string))
            .collect()
    };
    let (reads, writes) = (actions_of("Explain"), actions_of("Retry"));
    assert_eq!(writes, ["sso:CreateAccountAssignment", "sso:DeleteAccountAssignment", "sso:ProvisionPermissionSet"]);
    run(&fixture, &["assignments", "--no-cache"]);
    for call in fixture.fake.calls().iter().filter(|c| matches!(c.service, "sso" | "cloudtrail" | "identitystore")) {
        let action = format!("{}:{}", call.service, call.op);
        let listed = if call.op == "DeleteAccountAssignment" { &writes } else { &reads };
        assert!(listed.contains(&action), "the scanner policy lacks {action}");
    }
}

#[test]
fn a_retry_that_still_fails_says_the_new_reason_and_exits_1() {
    let fixture = fixture(Faults::default());
    fixture.fake.state().writes.outcome = FakeStatus::Failed(IAM_LIMIT.into());
    let output = run(&fixture, &["assignments", "retry", "prov-only-1", "--yes"]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("FAILED") && stderr.contains("exceeded the IAM limit"), "{stderr}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("FAILED") && stdout.contains("provision") && stdout.contains("10 managed policies"),
        "{stdout}"
    );
    let writes = fixture.fake.calls_to("ProvisionPermissionSet");
    assert_eq!(writes.len(), 1);
    assert_eq!(writes[0].params["TargetId"].as_str(), Some(fixture.accounts[4].as_str()));
    assert_eq!(writes[0].params["TargetType"], "AWS_ACCOUNT");
}

#[test]
fn retry_refuses_an_unknown_request_and_one_that_did_not_fail_without_writing() {
    let fixture = fixture(Faults::default());
    let unknown = run(&fixture, &["assignments", "retry", "no-such-request", "--yes"]);
    assert_eq!(unknown.status.code(), Some(2), "{}", String::from_utf8_lossy(&unknown.stderr));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("knows no request"));
    let succeeded = run(&fixture, &["assignments", "retry", "ct-del-1", "--yes"]);
    assert_eq!(succeeded.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&succeeded.stderr).contains("only a FAILED request"));
    for write in ["CreateAccountAssignment", "DeleteAccountAssignment", "ProvisionPermissionSet"] {
        assert!(fixture.fake.calls_to(write).is_empty(), "{write} was not called");
    }
}
