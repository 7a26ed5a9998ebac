//! Discovery benchmark (issue 7 groundwork): orgscope's real source layer against the local fake
//! endpoint with a generated organization and a per-call latency, every figure printed as a ratio
//! against a reference measured in the same run.
//!
//! `cargo bench --bench discovery` runs the full figures (2,000 accounts in 200 OUs five levels
//! deep, 20 ms a call). Without `--bench` (as `cargo test --all-targets` runs it) it is a quick
//! smoke run on a small organization that proves the harness works; nothing is timed against a
//! threshold there.

#[path = "../tests/common/fake_aws.rs"]
#[allow(dead_code)]
mod fake_aws;

use std::sync::Arc;
use std::time::{Duration, Instant};

use fake_aws::{FakeAws, FakeOrg, Faults, RateLimit};
use orgscope::source::Source;
use orgscope::source::aws::AwsSource;

struct Figure {
    elapsed: Duration,
    calls: u64,
    accounts: usize,
}

async fn discover(fake: &FakeAws, concurrency: usize) -> Figure {
    let mut options = fake.options();
    options.concurrency = concurrency;
    options.retry = orgscope::source::aws::retry::RetryPolicy::default();
    let source = AwsSource::connect(options).await.expect("connect to the fake endpoint");
    let started = Instant::now();
    let org = source.discover(Arc::new(|_| {})).await.expect("discovery");
    Figure { elapsed: started.elapsed(), calls: source.stats().calls(), accounts: org.accounts().count() }
}

/// The longest chain of dependent calls: the roots, one OU listing per level, then the deepest
/// parent's account pages.
fn chain(org: &FakeOrg) -> u32 {
    let per_parent = org.accounts.len().div_ceil(org.ous.len() + 1);
    1 + org.depth() as u32 + per_parent.div_ceil(20) as u32
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let (accounts, ous, depth, latency) =
        if full { (2_000, 200, 5, Duration::from_millis(20)) } else { (60, 6, 3, Duration::from_millis(2)) };
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a runtime");
    runtime.block_on(async {
        let org = FakeOrg::generate(accounts, ous, depth);
        let fake = FakeAws::start_with(org.clone(), Faults { latency, ..Faults::default() });
        let serial = discover(&fake, 1).await;
        let parallel = discover(&fake, 64).await;
        let floor = latency * chain(&org);
        assert_eq!(parallel.accounts, accounts, "every account found");
        println!("discovery of {accounts} accounts in {ous} OUs, {depth} deep, {latency:?} a call:");
        println!(
            "  concurrency 1: {:?} ({} calls); concurrency 64: {:?}: {:.1}x faster (target >= 6x)",
            serial.elapsed,
            serial.calls,
            parallel.elapsed,
            serial.elapsed.as_secs_f64() / parallel.elapsed.as_secs_f64()
        );
        println!(
            "  floor (longest chain {} calls x latency): {floor:?}; ratio {:.2}x (target <= 1.5x)",
            chain(&org),
            parallel.elapsed.as_secs_f64() / floor.as_secs_f64()
        );

        let per_second = if full { 20.0 } else { 200.0 };
        let limited = FakeAws::start_with(
            org.clone(),
            Faults {
                latency,
                rate_limits: [("organizations".to_string(), RateLimit::new(per_second))].into(),
                ..Faults::default()
            },
        );
        let throttled = discover(&limited, 64).await;
        assert_eq!(throttled.accounts, accounts, "every account found under throttling");
        let rate_floor = Duration::from_secs_f64(parallel.calls as f64 / per_second);
        println!(
            "  under {per_second} requests/s: {:?} for {} calls ({} attempts); rate floor {rate_floor:?}; ratio {:.2}x (target <= 1.15x)",
            throttled.elapsed,
            parallel.calls,
            throttled.calls,
            throttled.elapsed.as_secs_f64() / rate_floor.as_secs_f64()
        );
    });
}
