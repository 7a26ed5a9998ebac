//! The access probe against the local fake endpoint: the real SDK over HTTP, a mixed organization
//! where AssumeRole succeeds for some accounts and fails with every AWS variant for others, and
//! throttling storms on STS.

mod common;

use orgscope::model::RawText;
use std::collections::BTreeMap;
use std::sync::Arc;

use common::fake_aws::{Canned, FakeAws, FakeOrg, Faults};
use orgscope::model::{ProbeOutcome, ProbeStatus, Reason};
use orgscope::probe::{CallerContext, ProbeSettings, ProbeTarget, Prober};
use orgscope::source::Source;
use orgscope::source::aws::AwsSource;

const ROLE: &str = "OrganizationAccountAccessRole";

fn denial(code: &str, message: &str) -> Canned {
    Canned::new(403, code, message)
}

struct Mixed {
    org: FakeOrg,
    /// account id → (expected status, expected reason)
    expected: BTreeMap<String, (ProbeStatus, Option<Reason>)>,
    fake: FakeAws,
}

fn mixed_org() -> Mixed {
    let org = FakeOrg::generate(40, 4, 2);
    let fake = FakeAws::start(org.clone());
    let caller = format!("arn:aws:iam::{}:user/admin", org.management_id);
    let denied = |id: &str| {
        format!(
            "User: {caller} is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::{id}:role/{ROLE}"
        )
    };
    let ids: Vec<String> = org.accounts.iter().filter(|a| a.status == "ACTIVE").map(|a| a.id.clone()).collect();
    let mut expected: BTreeMap<String, (ProbeStatus, Option<Reason>)> = BTreeMap::new();
    {
        let mut state = fake.state();
        let mut deny = |id: &String, canned: Canned, status, reason| {
            state.assume_denials.insert(id.clone(), canned);
            expected.insert(id.clone(), (status, Some(reason)));
        };
        deny(&ids[1], denial("AccessDenied", &denied(&ids[1])), ProbeStatus::Blocked, Reason::AccessDenied);
        deny(
            &ids[2],
            denial("AccessDenied", &format!("{} with an explicit deny in a service control policy", denied(&ids[2]))),
            ProbeStatus::Blocked,
            Reason::ExplicitDeny,
        );
        deny(
            &ids[3],
            denial("AccessDenied", &format!("{} with an explicit deny in a permissions boundary", denied(&ids[3]))),
            ProbeStatus::Blocked,
            Reason::ExplicitDeny,
        );
        deny(
            &ids[4],
            denial(
                "AccessDenied",
                &format!("{} because no identity-based policy allows the sts:AssumeRole action", denied(&ids[4])),
            ),
            ProbeStatus::Blocked,
            Reason::CallerNotPermitted,
        );
        deny(
            &ids[5],
            denial(
                "RegionDisabledException",
                &format!(
                    "STS is not activated in this region for account:{}. Your account administrator can activate STS in this region using the IAM Console.",
                    ids[5]
                ),
            ),
            ProbeStatus::Blocked,
            Reason::RegionDisabled,
        );
        deny(
            &ids[6],
            denial("ExpiredToken", "The security token included in the request is expired"),
            ProbeStatus::Error,
            Reason::CallerTokenExpired,
        );
        deny(
            &ids[7],
            denial("InvalidClientTokenId", "The security token included in the request is invalid."),
            ProbeStatus::Error,
            Reason::CallerTokenInvalid,
        );
        deny(&ids[8], Canned::new(400, "Throttling", "Rate exceeded"), ProbeStatus::Error, Reason::Throttled);
        deny(
            &ids[9],
            Canned::new(503, "ServiceUnavailable", "Service is unavailable"),
            ProbeStatus::Error,
            Reason::Network,
        );
        // An external ID the probe does not have: AWS says plain AccessDenied.
        state.external_ids.insert(ids[10].clone(), "secret-ext".into());
        expected.insert(ids[10].clone(), (ProbeStatus::Blocked, Some(Reason::AccessDenied)));
        state.scps.insert(org.root_id.clone(), vec![("p-FullAWSAccess".into(), "FullAWSAccess".into())]);
        let parent = org.accounts.iter().find(|a| a.id == ids[2]).map(|a| a.parent.clone()).unwrap_or_default();
        state.scps.insert(parent, vec![("p-denyassume".into(), "DenyAssumeRole".into())]);
    }
    for account in &org.accounts {
        let entry = if account.status != "ACTIVE" {
            (ProbeStatus::Skipped, Some(Reason::AccountSuspended))
        } else if account.id == org.management_id {
            (ProbeStatus::Reachable, Some(Reason::CallerAccount))
        } else {
            (ProbeStatus::Reachable, None)
        };
        expected.entry(account.id.clone()).or_insert(entry);
    }
    Mixed { org, expected, fake }
}

async fn probe(fake: &FakeAws, settings: ProbeSettings) -> (Prober, Vec<(ProbeTarget, ProbeOutcome)>, u64) {
    let source = Arc::new(AwsSource::connect(fake.options()).await.expect("connect"));
    let org = source.discover(Arc::new(|_| {})).await.expect("discover");
    let stats = source.stats().clone();
    let prober = Prober::new(source, settings);
    let before = stats.calls();
    let started = std::time::Instant::now();
    let results = prober.probe_collect(ProbeTarget::all(&org), &CallerContext::of(&org)).await;
    eprintln!("probe of {} accounts: {} calls in {:?}", results.len(), stats.calls() - before, started.elapsed());
    (prober, results, stats.calls())
}

#[tokio::test]
async fn a_mixed_organization_is_classified_account_for_account() {
    let mixed = mixed_org();
    let (prober, results, _) = probe(&mixed.fake, ProbeSettings::default()).await;
    let found: BTreeMap<String, (ProbeStatus, Option<Reason>)> =
        results.iter().map(|(t, o)| (t.account.id.clone(), (o.status, o.reason))).collect();
    assert_eq!(found, mixed.expected);

    for (target, outcome) in &results {
        match outcome.status {
            ProbeStatus::Reachable if outcome.reason.is_none() => {
                assert_eq!(outcome.role_arn, Some(format!("arn:aws:iam::{}:role/{ROLE}", target.account.id)));
                assert!(prober.credentials.get(&target.account.id, 600).is_some(), "credentials kept");
            }
            ProbeStatus::Blocked | ProbeStatus::Error => {
                assert!(outcome.message.raw().is_some_and(|m| !m.is_empty()), "AWS's words are kept");
                assert!(outcome.hint.raw().is_some_and(|h| h.len() > 20), "a hint for {}", target.account.id);
            }
            _ => {}
        }
    }

    // Every AssumeRole carried a 900 s session and an orgscope session name; suspended accounts
    // and the caller's own account were not called.
    let assumes = mixed.fake.calls_to("AssumeRole");
    for call in &assumes {
        assert_eq!(call.params["DurationSeconds"], "900");
        assert_eq!(call.params["RoleSessionName"], "orgscope-admin");
    }
    let called: std::collections::BTreeSet<String> = assumes
        .iter()
        .filter_map(|c| c.params["RoleArn"].as_str().and_then(|a| a.split(':').nth(4)).map(str::to_string))
        .collect();
    for account in &mixed.org.accounts {
        let skipped = account.status != "ACTIVE" || account.id == mixed.org.management_id;
        assert_eq!(called.contains(&account.id), !skipped, "{} {}", account.id, account.status);
    }
}

#[tokio::test]
async fn an_scp_deny_names_the_scp_attached_on_the_path() {
    let mixed = mixed_org();
    let (_, results, _) = probe(&mixed.fake, ProbeSettings::default()).await;
    let explicit = results
        .iter()
        .find(|(_, o)| o.message.raw().is_some_and(|m| m.contains("service control policy")))
        .expect("the SCP-denied account");
    let hint = explicit.1.hint.raw().unwrap_or_default();
    assert!(hint.contains("\"DenyAssumeRole\" (p-denyassume)"), "{hint}");
    assert!(!hint.contains("FullAWSAccess"), "{hint}");
}

#[tokio::test]
async fn an_invited_account_without_the_role_gets_the_stackset_fix() {
    let mixed = mixed_org();
    let (_, results, _) = probe(&mixed.fake, ProbeSettings::default()).await;
    for (target, outcome) in &results {
        if outcome.reason == Some(Reason::AccessDenied) {
            let hint = outcome.hint.raw().unwrap_or_default();
            if target.account.joined_method.as_deref() == Some("INVITED") {
                assert!(hint.contains("Invited accounts never get OrganizationAccountAccessRole"), "{hint}");
            } else {
                assert!(hint.contains("deleted or its trust policy edited"), "{hint}");
            }
        }
    }
}

#[tokio::test]
async fn the_right_external_id_and_a_second_role_get_in() {
    let mixed = mixed_org();
    let with_id = mixed.expected.iter().find(|(id, _)| mixed.fake.state().external_ids.contains_key(*id));
    let account = with_id.map(|(id, _)| id.clone()).expect("the external-ID account");
    let settings = ProbeSettings {
        external_id: Some("secret-ext".into()),
        roles: vec!["Missing".into(), ROLE.into()],
        ..ProbeSettings::default()
    };
    mixed.fake.state().missing_roles.insert("Missing".into());
    let (_, results, _) = probe(&mixed.fake, settings).await;
    let outcome = &results.iter().find(|(t, _)| t.account.id == account).expect("present").1;
    assert_eq!(outcome.status, ProbeStatus::Reachable);
    assert_eq!(outcome.role_arn, Some(format!("arn:aws:iam::{account}:role/{ROLE}")));
    let tried: Vec<_> = mixed
        .fake
        .calls_to("AssumeRole")
        .iter()
        .filter(|c| c.params["RoleArn"].as_str().is_some_and(|a| a.contains(&account)))
        .map(|c| c.params["RoleArn"].as_str().unwrap_or_default().rsplit('/').next().unwrap_or_default().to_string())
        .collect();
    assert_eq!(tried, vec!["Missing".to_string(), ROLE.to_string()], "roles are tried in order");
    let external_ids: Vec<_> =
        mixed.fake.calls_to("AssumeRole").iter().map(|c| c.params["ExternalId"].clone()).collect();
    assert!(external_ids.iter().all(|e| e == "secret-ext"), "the external ID is sent");
}

#[tokio::test]
async fn a_throttling_storm_on_sts_slows_the_probe_but_classifies_every_account() {
    let org = FakeOrg::generate(60, 3, 1);
    let faults = Faults { throttle_every: 2, ..Faults::default() };
    let fake = FakeAws::start_with(org.clone(), faults);
    let (_, results, _) = probe(&fake, ProbeSettings { concurrency: 16, ..ProbeSettings::default() }).await;
    assert_eq!(results.len(), org.accounts.len());
    for (target, outcome) in &results {
        assert_ne!(outcome.status, ProbeStatus::Error, "{} {:?}", target.account.id, outcome);
    }
    let throttled = fake.calls().iter().filter(|c| c.failed).count();
    assert!(throttled > 20, "the storm happened: {throttled} throttled answers");
}

fn test_env(command: &mut std::process::Command) -> &mut std::process::Command {
    command
        .env("AWS_ACCESS_KEY_ID", "AKIDFAKEFAKEFAKE")
        .env("AWS_SECRET_ACCESS_KEY", "fake-secret-key")
        .env("AWS_REGION", "us-east-1")
}

#[test]
fn the_probe_command_prints_the_contract_json_and_fails_on_blocked() {
    let mut mixed = mixed_org();
    // The binary backs off for real (up to 60 tries, 10 s apart): no endless throttling here.
    let throttled: Vec<String> = mixed
        .fake
        .state()
        .assume_denials
        .iter()
        .filter(|(_, c)| c.code == "Throttling")
        .map(|(id, _)| id.clone())
        .collect();
    for id in throttled {
        mixed.fake.state().assume_denials.remove(&id);
        mixed.expected.insert(id, (ProbeStatus::Reachable, None));
    }
    let home = tempfile::tempdir().expect("temp dir");
    let mut command = common::orgscope_command(home.path());
    test_env(&mut command).args([
        "probe",
        "--format",
        "json",
        "--fail-on-blocked",
        "--endpoint-url",
        &mixed.fake.url(),
    ]);
    let out = command.output().expect("run orgscope");
    assert_eq!(out.status.code(), Some(3), "{}", String::from_utf8_lossy(&out.stderr));
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).expect("a JSON array");
    assert_eq!(rows.len(), mixed.org.accounts.len());
    let keys = [
        "account_id",
        "account_name",
        "ou_path",
        "role_arn",
        "status",
        "reason",
        "message",
        "hint",
        "sso_roles",
        "cause",
        "evidence",
        "expected",
        "expected_reason",
    ];
    for row in &rows {
        let object = row.as_object().expect("objects");
        assert_eq!(object.len(), keys.len());
        for key in keys {
            assert!(object.contains_key(key), "{key} in {row}");
        }
        let id = row["account_id"].as_str().expect("id");
        let (status, reason) = mixed.expected[id];
        assert_eq!(row["status"], status.code());
        assert_eq!(row["reason"].as_str(), reason.map(|r| r.code()));
        assert_eq!(row["ou_path"][0], "Root");
    }

    let mut csv = common::orgscope_command(home.path());
    test_env(&mut csv).args(["probe", "--format", "csv", "--endpoint-url", &mixed.fake.url()]);
    let out = csv.output().expect("run orgscope");
    assert_eq!(out.status.code(), Some(0), "without --fail-on-blocked blocked accounts are not a failure");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with(
            "account_id,account_name,ou_path,role_arn,status,reason,message,hint,sso_roles,cause,evidence,expected,\
             expected_reason\n"
        ),
        "{text}"
    );
    assert_eq!(text.lines().count(), mixed.org.accounts.len() + 1);
}
