//! The probe: every account of the organization under a 50 requests/s STS limit, against the
//! rate floor (the calls it needs ÷ 50).

use std::sync::Arc;
use std::time::{Duration, Instant};

use orgscope::model::ProbeStatus;
use orgscope::probe::{CallerContext, ProbeSettings, ProbeTarget, Prober};
use orgscope::source::Source;

use crate::fake_aws::{FakeAws, FakeOrg, Faults, RateLimit};
use crate::{Bench, Target, secs};

pub async fn run(bench: &mut Bench) {
    let (accounts, ous, depth) = bench.size((60, 6, 3), (2_000, 200, 5));
    let latency = Duration::from_millis(bench.size(2, 20));
    let per_second = bench.size(500.0, 50.0);
    println!("\nprobe: {accounts} accounts, {latency:?} a call, STS limited to {per_second} req/s");
    let fake = FakeAws::start_with(
        FakeOrg::generate(accounts, ous, depth),
        Faults { latency, rate_limits: [("sts".to_string(), RateLimit::new(per_second))].into(), ..Faults::default() },
    );
    // Every 25th account refuses the role, as real organizations do.
    {
        let mut state = fake.state();
        let ids: Vec<String> = state.org.accounts.iter().skip(1).step_by(25).map(|a| a.id.clone()).collect();
        for id in ids {
            let message = format!(
                "User is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::{id}:role/OrganizationAccountAccessRole"
            );
            state.assume_denials.insert(id, crate::fake_aws::Canned::new(403, "AccessDenied", &message));
        }
    }
    let source = Arc::new(crate::orgs::source(&fake).await);
    let org = source.discover(Arc::new(|_| {})).await.expect("discovery");
    // The bucket starts full: let it refill after discovery's GetCallerIdentity.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let stats = Arc::clone(source.stats());
    let (before, throttled_before) = (stats.calls(), stats.throttled());
    let settings = ProbeSettings { concurrency: orgscope::cli::DEFAULT_CONCURRENCY.into(), ..ProbeSettings::default() };
    let prober = Prober::new(source, settings);
    let started = Instant::now();
    let results = prober.probe_collect(ProbeTarget::all(&org), &CallerContext::of(&org)).await;
    let elapsed = started.elapsed();
    // Only STS is limited; the SCP lookups for blocked accounts go to Organizations.
    let attempts = fake.calls().iter().filter(|c| c.service == "sts" && c.at >= started).count() as u64;
    let throttled = stats.throttled() - throttled_before;
    let needed = attempts - throttled;
    let other = stats.calls() - before - attempts;
    assert_eq!(results.len(), accounts, "every account has a verdict");
    let unclassified = results.iter().filter(|(_, o)| o.status == ProbeStatus::Error).count();
    assert_eq!(unclassified, 0, "no account left as an error");
    let blocked = results.iter().filter(|(_, o)| o.status == ProbeStatus::Blocked).count();
    let floor = Duration::from_secs_f64(needed as f64 / per_second);
    bench.figure(
        &format!("probe under {per_second} req/s: time / rate floor"),
        format!(
            "{} for {accounts} accounts ({blocked} blocked), {needed} STS calls ({attempts} attempts, {other} other calls) vs {}",
            secs(elapsed),
            secs(floor)
        ),
        elapsed.as_secs_f64() / floor.as_secs_f64(),
        "x",
        Target::AtMost(1.2),
    );
}
