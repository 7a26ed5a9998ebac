//! The probe with causes: 2,000 accounts, 100 of them blocked with mixed causes — a resource
//! control policy on the account, a missing role and a trust for someone else (both read with
//! `iam:GetRole` through a role of the user's Identity Center sign-in in the account), and no
//! foothold at all — with STS limited to 50 requests/s, IAM and the portal to 20 and 20 ms a call,
//! against the rate floor of all its calls (each API's calls ÷ its rate; the slowest API binds);
//! and how soon the first blocked account's cause is known against the whole probe.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use orgscope::model::{Cause, ProbeStatus};
use orgscope::probe::{CallerContext, ProbeSettings, ProbeTarget, Prober};
use orgscope::source::Source;

use crate::fake_aws::{Canned, FakeAws, FakeOrg, Faults, RateLimit};
use crate::{Bench, Target, secs};

const ROLE: &str = "OrganizationAccountAccessRole";

pub async fn run(bench: &mut Bench) {
    let (accounts, blocked_every) = bench.size((80, 8), (2_000, 20));
    let latency = Duration::from_millis(bench.size(2, 20));
    let rates =
        [("sts", bench.size(500.0, 50.0)), ("iam", bench.size(200.0, 20.0)), ("portal", bench.size(200.0, 20.0))];
    println!(
        "\ncauses: {accounts} accounts, every {blocked_every}th blocked (four causes), {latency:?} a call, {rates:?} req/s"
    );
    let org = FakeOrg::generate(accounts, accounts / 10, 5);
    let fake = FakeAws::start_with(
        org.clone(),
        Faults {
            latency,
            rate_limits: rates.iter().map(|(api, rate)| (api.to_string(), RateLimit::new(*rate))).collect(),
            ..Faults::default()
        },
    );
    let caller = format!("arn:aws:iam::{}:user/admin", org.management_id);
    let denied = |id: &str, tail: &str| {
        let message = format!(
            "User: {caller} is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::{id}:role/{ROLE}{tail}"
        );
        Canned::new(403, "AccessDenied", &message)
    };
    let blocked: Vec<String> = org
        .accounts
        .iter()
        .filter(|a| a.status == "ACTIVE" && a.id != org.management_id)
        .step_by(blocked_every)
        .map(|a| a.id.clone())
        .collect();
    let mut expected = std::collections::BTreeMap::new();
    let token = {
        let mut state = fake.state();
        for (n, id) in blocked.iter().enumerate() {
            let cause = match n % 4 {
                0 => {
                    state
                        .assume_denials
                        .insert(id.clone(), denied(id, " with an explicit deny in a resource control policy"));
                    let policy = format!("p-guard{n}");
                    state.rcps.insert(id.clone(), vec![(policy.clone(), "Guard".into())]);
                    state.policy_documents.insert(
                        policy,
                        r#"{"Statement":[{"Sid":"Guard","Effect":"Deny","Principal":"*","Action":"sts:AssumeRole","Resource":"*"}]}"#.into(),
                    );
                    Cause::RcpDeny
                }
                1 | 2 => {
                    state.iam.modeled.insert(id.clone());
                    state.portal.roles.insert(id.clone(), vec!["ReadOnly".into()]);
                    if n % 4 == 2 {
                        let foreign = r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::999999999999:root"},"Action":"sts:AssumeRole"}]}"#;
                        state.iam.roles.insert((id.clone(), ROLE.into()), foreign.into());
                        Cause::TrustExcludesCaller
                    } else {
                        Cause::RoleMissing
                    }
                }
                _ => {
                    state.assume_denials.insert(id.clone(), denied(id, ""));
                    Cause::Unknown
                }
            };
            expected.insert(id.clone(), cause);
        }
        let token = state.portal.issued_token.clone();
        state.portal.valid_tokens.insert(token.clone());
        token
    };
    let signed_in = crate::portal::SignedIn::new(&fake, &token).await;
    let source = Arc::new(crate::orgs::source(&fake).await);
    let org = source.discover(Arc::new(|_| {})).await.expect("discovery");
    // The buckets start full: let them refill after discovery.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let settings = ProbeSettings { concurrency: orgscope::cli::DEFAULT_CONCURRENCY.into(), ..ProbeSettings::default() };
    let portal: Arc<dyn orgscope::source::portal::Portal> = signed_in.portal.clone();
    let prober = Prober::new(source, settings).with_portal(Some(portal));
    let started = Instant::now();
    let first_cause: Mutex<Option<Duration>> = Mutex::default();
    let results: Mutex<Vec<(String, ProbeStatus, Option<Cause>)>> = Mutex::default();
    prober
        .probe_all(ProbeTarget::all(&org), &CallerContext::of(&org), |target, outcome| {
            if outcome.cause.is_some()
                && let Ok(mut first) = first_cause.lock()
            {
                first.get_or_insert_with(|| started.elapsed());
            }
            if let Ok(mut results) = results.lock() {
                results.push((target.account.id.clone(), outcome.status, outcome.cause));
            }
        })
        .await;
    let elapsed = started.elapsed();
    let results = results.into_inner().unwrap_or_default();
    assert_eq!(results.len(), org.accounts().count(), "every account has a verdict");
    for (id, status, cause) in &results {
        match expected.get(id) {
            Some(want) => assert_eq!((*status, *cause), (ProbeStatus::Blocked, Some(*want)), "{id}"),
            None => assert!(*status != ProbeStatus::Error && cause.is_none(), "{id}: {status:?}"),
        }
    }
    let calls = fake.calls();
    // Every call made but those throttled (a refusal, a missing role: answers the probe needs).
    let needed =
        |service: &str| calls.iter().filter(|c| c.service == service && c.at >= started && !c.throttled).count();
    let (floor, binding) = rates
        .iter()
        .map(|(api, rate)| (Duration::from_secs_f64(needed(api) as f64 / rate), *api))
        .max()
        .unwrap_or_default();
    let all = calls.iter().filter(|c| c.at >= started).count();
    bench.figure(
        "probe with causes under 50 STS + 20 IAM req/s: time / rate floor",
        format!(
            "{} for {accounts} accounts ({} blocked: RCP, role missing, foreign trust, no foothold); {} STS, {} IAM, \
             {} portal calls ({all} in all); floor {} ({binding})",
            secs(elapsed),
            expected.len(),
            needed("sts"),
            needed("iam"),
            needed("portal"),
            secs(floor)
        ),
        elapsed.as_secs_f64() / floor.as_secs_f64(),
        "x",
        Target::AtMost(1.2),
    );
    let first = first_cause.lock().ok().and_then(|f| *f).unwrap_or(elapsed);
    bench.figure(
        "probe with causes: first blocked account's cause known / the whole probe",
        format!("{} vs {}", secs(first), secs(elapsed)),
        first.as_secs_f64() / elapsed.as_secs_f64(),
        "x",
        Target::AtMost(0.1),
    );
}
