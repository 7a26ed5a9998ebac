//! 10,000 accounts end to end through the source layer: discovery and the probe of every account,
//! with a latency on every call and a share of answers throttled, and not one failure.

use std::sync::Arc;
use std::time::{Duration, Instant};

use orgscope::model::ProbeStatus;
use orgscope::probe::{CallerContext, ProbeSettings, ProbeTarget, Prober};
use orgscope::source::Source;

use crate::fake_aws::{FakeAws, FakeOrg, Faults};
use crate::{Bench, Target, secs};

pub async fn run(bench: &mut Bench) {
    let accounts = bench.size(300, 10_000);
    let latency = Duration::from_millis(5);
    println!("\nscale: {accounts} accounts in {} OUs, {latency:?} a call, every 40th answer throttled", accounts / 10);
    let fake = FakeAws::start_with(
        FakeOrg::generate(accounts, accounts / 10, 5),
        Faults { latency, throttle_every: 40, ..Faults::default() },
    );
    let source = Arc::new(crate::orgs::source(&fake).await);
    let started = Instant::now();
    let org = source.discover(Arc::new(|_| {})).await.expect("discovery");
    let discovered = started.elapsed();
    let errors = org.roots.iter().filter(|r| r.error.is_some()).count();
    let settings = ProbeSettings { concurrency: orgscope::cli::DEFAULT_CONCURRENCY.into(), ..ProbeSettings::default() };
    let prober = Prober::new(Arc::clone(&source) as Arc<dyn Source>, settings);
    let started = Instant::now();
    let results = prober.probe_collect(ProbeTarget::all(&org), &CallerContext::of(&org)).await;
    let probed = started.elapsed();
    let failures = errors
        + usize::from(org.accounts().count() != accounts)
        + results.iter().filter(|(_, o)| o.status == ProbeStatus::Error).count();
    bench.figure(
        &format!("{accounts} accounts end to end: failures"),
        format!(
            "discovery {} , probe {} ({} calls, {} throttled and retried)",
            secs(discovered),
            secs(probed),
            source.stats().calls(),
            source.stats().throttled()
        ),
        failures as f64,
        "",
        Target::AtMost(0.0),
    );
    assert_eq!(failures, 0, "no failure at {accounts} accounts");
}
