//! Discovery: the same source layer at concurrency 1 and at the default, against the floor set
//! by the longest chain of dependent calls, and under a 20 requests/s Organizations limit against
//! the rate floor.

use std::sync::Arc;
use std::time::{Duration, Instant};

use orgscope::source::Source;

use crate::fake_aws::{FakeAws, FakeOrg, Faults, RateLimit};
use crate::{Bench, Target, secs};

struct Run {
    elapsed: Duration,
    attempts: u64,
    throttled: u64,
    accounts: usize,
}

async fn discover(fake: &FakeAws, concurrency: usize) -> Run {
    let source = crate::orgs::source_with(fake, concurrency).await;
    let started = Instant::now();
    let org = source.discover(Arc::new(|_| {})).await.expect("discovery");
    Run {
        elapsed: started.elapsed(),
        attempts: source.stats().calls(),
        throttled: source.stats().throttled(),
        accounts: org.accounts().count(),
    }
}

/// The longest chain of dependent calls, each on the answer of the one before: `ListRoots`, then
/// down the tree the OU listing pages up to the one naming the next OU, and at the end a parent's
/// account pages (or its own OU pages, if longer).
fn chain(org: &FakeOrg) -> u32 {
    fn below(org: &FakeOrg, parent: &str) -> u32 {
        let ous: Vec<&str> = org.ous.iter().filter(|o| o.parent == parent).map(|o| o.id.as_str()).collect();
        let accounts = org.accounts.iter().filter(|a| a.parent == parent).count();
        let own = (accounts.div_ceil(20).max(1)).max(ous.len().div_ceil(20).max(1)) as u32;
        ous.iter().enumerate().map(|(i, ou)| (i / 20) as u32 + 1 + below(org, ou)).fold(own, u32::max)
    }
    1 + below(org, &org.root_id)
}

pub async fn run(bench: &mut Bench) {
    let (accounts, ous, depth) = bench.size((60, 6, 3), (2_000, 200, 5));
    let latency = Duration::from_millis(bench.size(2, 20));
    let org = FakeOrg::generate(accounts, ous, depth);
    println!("\ndiscovery: {accounts} accounts in {ous} OUs {depth} deep, {latency:?} a call");
    let fake = FakeAws::start_with(org.clone(), Faults { latency, ..Faults::default() });
    let default = usize::from(orgscope::cli::DEFAULT_CONCURRENCY);
    let serial = discover(&fake, 1).await;
    // A run at the default takes a fifth of a second, where a scheduling hiccup on a shared
    // machine shows: the median of five runs, each with a new client (cold connections).
    let mut runs = Vec::new();
    for _ in 0..bench.size(1, 5) {
        runs.push(discover(&fake, default).await);
    }
    runs.sort_by_key(|run| run.elapsed);
    let parallel = runs.swap_remove(runs.len() / 2);
    assert_eq!(parallel.accounts, accounts, "every account found");
    let calls = parallel.attempts;
    bench.figure(
        "discovery, unthrottled: speed-up over concurrency 1",
        format!(
            "{} calls; concurrency 1 {}, default ({default}) {} (median of {})",
            calls,
            secs(serial.elapsed),
            secs(parallel.elapsed),
            runs.len() + 1
        ),
        serial.elapsed.as_secs_f64() / parallel.elapsed.as_secs_f64(),
        "x",
        Target::AtLeast(6.0),
    );
    let floor = latency * chain(&org);
    bench.figure(
        "discovery, unthrottled: time / dependency-chain floor",
        format!("{} vs {} chained calls x {latency:?} = {}", secs(parallel.elapsed), chain(&org), secs(floor)),
        parallel.elapsed.as_secs_f64() / floor.as_secs_f64(),
        "x",
        Target::AtMost(1.5),
    );

    let per_second = bench.size(200.0, 20.0);
    let limited = FakeAws::start_with(
        org,
        Faults {
            latency,
            rate_limits: [("organizations".to_string(), RateLimit::new(per_second))].into(),
            ..Faults::default()
        },
    );
    let throttled = discover(&limited, default).await;
    assert_eq!(throttled.accounts, accounts, "every account found under throttling");
    // GetCallerIdentity goes to STS, outside the Organizations limit.
    let organizations_calls = calls - 1;
    let rate_floor = Duration::from_secs_f64(organizations_calls as f64 / per_second);
    bench.figure(
        &format!("discovery under {per_second} req/s: time / rate floor"),
        format!(
            "{} for {organizations_calls} calls ({} attempts, {} throttled) vs {}",
            secs(throttled.elapsed),
            throttled.attempts,
            throttled.throttled,
            secs(rate_floor)
        ),
        throttled.elapsed.as_secs_f64() / rate_floor.as_secs_f64(),
        "x",
        Target::AtMost(1.15),
    );
}
