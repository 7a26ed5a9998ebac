//! Assignments: CreateAccountAssignment events read at CloudTrail's 2 LookupEvents a second and
//! their requests described at Identity Center's 20 a second, against the combined floor; then the
//! same window again with the caches warm, against the first run.

use std::sync::Arc;
use std::time::{Duration, Instant};

use orgscope::model::AssignmentStatus;
use orgscope::source::{AssignmentQuery, Source};

use crate::fake_aws::{FakeAws, FakeOrg, FakeStatus, Faults, RateLimit, assignment_event};
use crate::{Bench, Target, secs};

const PERMISSION_SET: &str = "arn:aws:sso:::permissionSet/ssoins-fake/ps-admin";
const REASON: &str = "Received a 402 status error: Number of attached policies to role AWSReservedSSO_Admin_0123 has exceeded the IAM limit.";

/// Calls that reached `service` since `since` and were not throttled.
fn answered(fake: &FakeAws, service: &str, since: Instant, throttled: u64) -> u64 {
    let calls = fake.calls().iter().filter(|c| c.service == service && c.at >= since).count() as u64;
    calls.saturating_sub(throttled)
}

pub async fn run(bench: &mut Bench) {
    let events = bench.size(20, 1_000);
    let latency = Duration::from_millis(bench.size(2, 20));
    println!("\nassignments: {events} events, {latency:?} a call, LookupEvents 2 req/s, Identity Center 20 req/s");
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
    {
        let mut state = fake.state();
        state.permission_sets.insert(PERMISSION_SET.into(), "AdministratorAccess".into());
        state.principals.insert("g-fake".into(), "Platform".into());
        for n in 0..events {
            let request = format!("req-{n:05}");
            let time = now - 3_600 - n as i64 * 300;
            let account = &accounts[n % accounts.len()];
            state.events.push(assignment_event(&format!("ev-{n:05}"), time, &request, account, PERMISSION_SET));
            if n % 10 == 0 {
                state.statuses.insert(request, FakeStatus::Failed(REASON.into()));
            }
        }
    }
    let home = tempfile::tempdir().expect("a temp dir");
    let query = AssignmentQuery {
        start: chrono::Utc::now() - chrono::Duration::days(7),
        end: chrono::Utc::now(),
        sso_region: None,
        cache_path: Some(home.path().join("assignments-us-east-1.json")),
    };
    let read = |source: Arc<orgscope::source::aws::AwsSource>| {
        let query = query.clone();
        async move {
            let started = Instant::now();
            let attempts = source.assignments(&query, Arc::new(|_| {})).await.expect("assignments");
            (started.elapsed(), attempts, source.stats().throttled())
        }
    };

    let since = Instant::now();
    let (cold, attempts, throttled) = read(Arc::new(crate::orgs::source(&fake).await)).await;
    assert_eq!(attempts.len(), events, "every event read");
    let failed = attempts.iter().filter(|a| a.status == AssignmentStatus::Failed).count();
    assert_eq!(failed, events.div_ceil(10), "every failure found");
    assert!(attempts.iter().all(|a| a.status != AssignmentStatus::InProgress), "every request described");
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
            "{} for {events} events: {lookups} LookupEvents (floor {lookup_floor:.1} s, overlapped with) {sso} Identity Center calls (floor {sso_floor:.1} s); {throttled} throttled",
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
        Target::AtMost(0.1),
    );
}
