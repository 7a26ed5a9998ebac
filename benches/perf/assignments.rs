//! Assignments: creations, deletions and provisionings — CloudTrail's events read at 2
//! LookupEvents a second, Identity Center's status listings and the describe of every request at
//! its 20 a second — against the combined floor; then the same window again with the caches warm,
//! against the first run.

use std::sync::Arc;
use std::time::{Duration, Instant};

use orgscope::model::{AssignmentStatus, Operation};
use orgscope::source::{AssignmentQuery, Source};

use crate::fake_aws::{FakeAws, FakeOrg, FakeRequest, FakeStatus, Faults, RateLimit, request_event};
use crate::{Bench, Target, secs};

const PERMISSION_SET: &str = "arn:aws:sso:::permissionSet/ssoins-fake/ps-admin";
const REASON: &str = "Received a 402 status error: Number of attached policies to role AWSReservedSSO_Admin_0123 has exceeded the IAM limit.";

/// Calls that reached `service` since `since` and were not throttled.
fn answered(fake: &FakeAws, service: &str, since: Instant, throttled: u64) -> u64 {
    let calls = fake.calls().iter().filter(|c| c.service == service && c.at >= since).count() as u64;
    calls.saturating_sub(throttled)
}

pub async fn run(bench: &mut Bench) {
    let counts = [("create", bench.size(20, 1_000)), ("delete", bench.size(4, 200)), ("provision", bench.size(4, 200))];
    let total: usize = counts.iter().map(|(_, n)| n).sum();
    let latency = Duration::from_millis(bench.size(2, 20));
    println!(
        "\nassignments: {} creations, {} deletions, {} provisionings, {latency:?} a call, LookupEvents 2 req/s, Identity Center 20 req/s",
        counts[0].1, counts[1].1, counts[2].1
    );
    let org = FakeOrg::generate(50, 5, 2);
    let accounts: Vec<String> = org.accounts.iter().map(|a| a.id.clone()).collect();
    let fake = FakeAws::start_with(
        org,
        Faults {
            latency,
            rate_limits: [("cloudtrail".to_string(), RateLimit::new(2.0)), ("sso".to_string(), RateLimit::new(20.0))]
                .into(),
            ..Faults::default()
        },
    );
    let now = chrono::Utc::now().timestamp();
    let (mut status_only, mut expected_failed) = (0, 0);
    {
        let mut state = fake.state();
        state.unknown_requests_succeed = false;
        state.permission_sets.insert(PERMISSION_SET.into(), "AdministratorAccess".into());
        state.principals.insert("g-fake".into(), "Platform".into());
        let mut n = 0;
        for (operation, count) in counts {
            for _ in 0..count {
                let request = format!("req-{n:05}");
                let time = now - 3_600 - n as i64 * 120;
                let account = &accounts[n % accounts.len()];
                // One request in ten failed; one creation in twenty is known to the status APIs alone.
                let status = if n % 10 == 0 { FakeStatus::Failed(REASON.into()) } else { FakeStatus::Succeeded };
                expected_failed += usize::from(n % 10 == 0);
                if operation == "create" && n % 20 == 5 {
                    status_only += 1;
                    expected_failed += 1;
                    state.requests.push(
                        FakeRequest::new(&request, operation, account, PERMISSION_SET, time)
                            .with_status(FakeStatus::Failed(REASON.into())),
                    );
                } else {
                    state.events.push(request_event(
                        operation,
                        &format!("ev-{n:05}"),
                        time,
                        &request,
                        account,
                        PERMISSION_SET,
                    ));
                    state
                        .requests
                        .push(FakeRequest::new(&request, operation, account, PERMISSION_SET, time).with_status(status));
                }
                n += 1;
            }
        }
    }
    let home = tempfile::tempdir().expect("a temp dir");
    let query = AssignmentQuery {
        cache_path: Some(home.path().join("assignments-us-east-1.json")),
        ..AssignmentQuery::new(chrono::Utc::now() - chrono::Duration::days(7), chrono::Utc::now())
    };
    let read = |source: Arc<orgscope::source::aws::AwsSource>| {
        let query = query.clone();
        async move {
            let started = Instant::now();
            let attempts = source.assignments(&query, Arc::new(|_| {})).await.expect("assignments").attempts;
            (started.elapsed(), attempts, source.stats().throttled())
        }
    };

    let since = Instant::now();
    let (cold, attempts, throttled) = read(Arc::new(crate::orgs::source(&fake).await)).await;
    assert_eq!(attempts.len(), total, "one row per request");
    let failed = attempts.iter().filter(|a| a.status == AssignmentStatus::Failed).count();
    assert_eq!(failed, expected_failed, "every failure found");
    assert!(attempts.iter().all(|a| a.status != AssignmentStatus::InProgress), "every request described");
    for operation in Operation::ALL {
        assert!(attempts.iter().any(|a| a.operation == operation), "{operation:?} rows");
    }
    assert_eq!(attempts.iter().filter(|a| a.event_id.is_none()).count(), status_only, "the status-only rows");
    // Throttling, if any, is split by service from the log's order; the figure uses what was
    // answered, which is what each limit counts.
    let lookups = answered(&fake, "cloudtrail", since, 0);
    let sso = answered(&fake, "sso", since, throttled);
    let lookup_floor = lookups as f64 / 2.0;
    let sso_floor = sso as f64 / 20.0;
    let floor = Duration::from_secs_f64(lookup_floor.max(sso_floor));
    bench.figure(
        "assignments: time / combined rate floor",
        format!(
            "{} for {total} requests ({status_only} only in the status APIs): {lookups} LookupEvents (floor {lookup_floor:.1} s, overlapped with) {sso} Identity Center calls (floor {sso_floor:.1} s); {throttled} throttled",
            secs(cold)
        ),
        cold.as_secs_f64() / floor.as_secs_f64(),
        "x",
        Target::AtMost(1.2),
    );

    let since = Instant::now();
    let (warm, again, _) = read(Arc::new(crate::orgs::source(&fake).await)).await;
    assert_eq!(again, attempts, "the warm run shows the same attempts");
    let calls = fake.calls().iter().filter(|c| c.at >= since).count();
    bench.figure(
        "assignments, caches warm: time / first run",
        format!("{} ({calls} calls) vs {}", secs(warm), secs(cold)),
        warm.as_secs_f64() / cold.as_secs_f64(),
        "x",
        Target::AtMost(0.05),
    );
}
