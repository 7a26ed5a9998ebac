//! The exact cause of every blocked account, end to end through the real SDK against the local
//! endpoint: service control policies along the caller's path and resource control policies
//! along the account's, read once per policy (`ListPoliciesForTarget`, `DescribePolicy`) and
//! evaluated for this `sts:AssumeRole`; the caller's own policies from AWS's words; `unknown`
//! saying what would tell. And blocks the config expects: marked, and not failing
//! `--fail-on-blocked`.

mod common;

use std::sync::Arc;

use common::fake_aws::{Canned, FakeAws, FakeOrg};
use orgscope::model::{Cause, EvidenceSource, ProbeOutcome, ProbeStatus, RawText};
use orgscope::probe::{CallerContext, ProbeSettings, ProbeTarget, Prober};
use orgscope::source::Source;
use orgscope::source::aws::AwsSource;

const ROLE: &str = "OrganizationAccountAccessRole";
const FULL: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;

fn refusal(caller: &str, account: &str, tail: &str) -> Canned {
    Canned::new(
        403,
        "AccessDenied",
        &format!(
            "User: {caller} is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::{account}:role/{ROLE}{tail}"
        ),
    )
}

/// The ids from the root down to `account`, the account included.
fn path_of(org: &FakeOrg, account: &str) -> Vec<String> {
    let mut path = vec![account.to_string()];
    let mut parent = org.accounts.iter().find(|a| a.id == account).map(|a| a.parent.clone()).unwrap_or_default();
    while !parent.is_empty() {
        path.insert(0, parent.clone());
        parent = org.ous.iter().find(|o| o.id == parent).map(|o| o.parent.clone()).unwrap_or_default();
    }
    path
}

/// An account in the deepest OU chain, and others beside it.
fn member_in_an_ou(org: &FakeOrg) -> (String, String) {
    let deep = org.ous.iter().find(|o| o.parent != org.root_id).map(|o| o.id.clone()).expect("a nested OU");
    let account = org.accounts.iter().find(|a| a.parent == deep && a.status == "ACTIVE").expect("an account there");
    (account.id.clone(), deep)
}

async fn probe(fake: &FakeAws) -> Vec<(ProbeTarget, ProbeOutcome)> {
    let source = Arc::new(AwsSource::connect(fake.options()).await.expect("connect"));
    let org = source.discover(Arc::new(|_| {})).await.expect("discover");
    let prober = Prober::new(source, ProbeSettings::default());
    prober.probe_collect(ProbeTarget::all(&org), &CallerContext::of(&org)).await
}

fn outcome<'a>(results: &'a [(ProbeTarget, ProbeOutcome)], id: &str) -> &'a ProbeOutcome {
    &results.iter().find(|(t, _)| t.account.id == id).expect("the account").1
}

fn other_active(org: &FakeOrg, not: &[&str]) -> Vec<String> {
    org.accounts
        .iter()
        .filter(|a| a.status == "ACTIVE" && a.id != org.management_id && !not.contains(&a.id.as_str()))
        .map(|a| a.id.clone())
        .collect()
}

#[tokio::test]
async fn an_scp_on_the_callers_path_is_named_with_its_statement_and_read_once() {
    let org = FakeOrg::generate(40, 4, 2);
    let fake = FakeAws::start(org.clone());
    let (caller_account, deep_ou) = member_in_an_ou(&org);
    let caller = format!("arn:aws:sts::{caller_account}:assumed-role/Ops/jane");
    let targets = other_active(&org, &[&caller_account]);
    {
        let mut state = fake.state();
        state.caller_arn = caller.clone();
        for level in path_of(&org, &caller_account) {
            state.scps.entry(level).or_default().push(("p-FullAWSAccess".into(), "FullAWSAccess".into()));
        }
        state.scps.entry(deep_ou.clone()).or_default().push(("p-noassume".into(), "NoCrossAccount".into()));
        state.policy_documents.insert("p-FullAWSAccess".into(), FULL.into());
        state.policy_documents.insert(
            "p-noassume".into(),
            r#"{"Version":"2012-10-17","Statement":[
                {"Sid":"KeepS3","Effect":"Deny","Action":"s3:DeleteBucket","Resource":"*"},
                {"Sid":"NoOrgAccessRole","Effect":"Deny","Action":"sts:AssumeRole",
                 "Resource":"arn:aws:iam::*:role/OrganizationAccountAccessRole",
                 "Condition":{"ArnNotLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/BreakGlass"}}}]}"#
                .into(),
        );
        for id in &targets[..5] {
            let tail = " with an explicit deny in a service control policy";
            state.assume_denials.insert(id.clone(), refusal(&caller, id, tail));
        }
    }
    let results = probe(&fake).await;
    for id in &targets[..5] {
        let outcome = outcome(&results, id);
        assert_eq!(outcome.status, ProbeStatus::Blocked);
        assert_eq!(outcome.cause, Some(Cause::ScpDeny), "{outcome:?}");
        let evidence = outcome.evidence.as_deref().expect("evidence");
        assert_eq!(evidence.source, Some(EvidenceSource::Scp));
        assert_eq!(evidence.policy_id.raw(), Some("p-noassume"));
        assert_eq!(evidence.policy_name.raw(), Some("NoCrossAccount"));
        assert_eq!(evidence.attached_to.as_deref(), Some(deep_ou.as_str()));
        assert_eq!(evidence.statement.raw(), Some("NoOrgAccessRole"));
        assert_eq!(evidence.read_via.raw(), Some(caller.as_str()), "read by the caller, not the management account");
    }
    // Five blocked accounts, one read per level and per policy.
    let lists = fake.calls_to("ListPoliciesForTarget");
    for level in path_of(&org, &caller_account) {
        let read = lists
            .iter()
            .filter(|c| c.params["TargetId"] == level.as_str() && c.params["Filter"] == "SERVICE_CONTROL_POLICY");
        assert_eq!(read.count(), 1, "{level} listed once");
    }
    let mut listed: Vec<String> =
        lists.iter().map(|c| format!("{}{}", c.params["TargetId"], c.params["Filter"])).collect();
    let all = listed.len();
    listed.sort();
    listed.dedup();
    assert_eq!(listed.len(), all, "no target listed twice for one kind");
    assert_eq!(fake.calls_to("DescribePolicy").len(), 2, "each policy document once");
}

#[tokio::test]
async fn an_rcp_on_the_accounts_path_is_named_and_one_that_spares_the_organization_is_not() {
    let org = FakeOrg::generate(30, 3, 1);
    let fake = FakeAws::start(org.clone());
    let (target, ou) = {
        let account = org.accounts.iter().find(|a| a.parent != org.root_id && a.status == "ACTIVE").expect("one");
        (account.id.clone(), account.parent.clone())
    };
    let caller = format!("arn:aws:iam::{}:user/admin", org.management_id);
    {
        let mut state = fake.state();
        // The organization's own principals are inside: this one never denies them.
        state.rcps.entry(org.root_id.clone()).or_default().push(("p-perimeter".into(), "DataPerimeter".into()));
        state.policy_documents.insert(
            "p-perimeter".into(),
            format!(
                r#"{{"Statement":[{{"Sid":"OnlyOurOrg","Effect":"Deny","Principal":"*","Action":"sts:*","Resource":"*",
                   "Condition":{{"StringNotEqualsIfExists":{{"aws:PrincipalOrgID":"{}"}},
                                "BoolIfExists":{{"aws:PrincipalIsAWSService":"false"}}}}}}]}}"#,
                org.org_id
            ),
        );
        state.rcps.entry(ou.clone()).or_default().push(("p-vault".into(), "VaultOnlyBreakGlass".into()));
        state.policy_documents.insert(
            "p-vault".into(),
            r#"{"Statement":[{"Effect":"Deny","Principal":"*","Action":"sts:AssumeRole","Resource":"*",
                "Condition":{"ArnNotLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/BreakGlass"}}}]}"#
                .into(),
        );
        state
            .assume_denials
            .insert(target.clone(), refusal(&caller, &target, " with an explicit deny in a resource control policy"));
    }
    let results = probe(&fake).await;
    let outcome = outcome(&results, &target);
    assert_eq!(outcome.cause, Some(Cause::RcpDeny), "{outcome:?}");
    let evidence = outcome.evidence.as_deref().expect("evidence");
    assert_eq!(evidence.source, Some(EvidenceSource::Rcp));
    assert_eq!(evidence.policy_id.raw(), Some("p-vault"));
    assert_eq!(evidence.attached_to.as_deref(), Some(ou.as_str()));
    assert_eq!(evidence.statement.raw(), Some("0"), "no Sid: the index from 0");
    assert_eq!(evidence.read_via.raw(), Some("management"));
    // The management account calls: its own SCPs are never read (none apply to it).
    assert!(
        fake.calls_to("ListPoliciesForTarget")
            .iter()
            .all(|c| c.params["Filter"] != "SERVICE_CONTROL_POLICY" || c.params["TargetId"] != org.management_id)
    );
}

#[tokio::test]
async fn no_allowing_scp_at_a_level_is_an_scp_deny_at_that_level() {
    let org = FakeOrg::generate(40, 4, 2);
    let fake = FakeAws::start(org.clone());
    let (caller_account, deep_ou) = member_in_an_ou(&org);
    let caller = format!("arn:aws:sts::{caller_account}:assumed-role/Ops/jane");
    let target = other_active(&org, &[&caller_account])[0].clone();
    {
        let mut state = fake.state();
        state.caller_arn = caller.clone();
        for level in path_of(&org, &caller_account) {
            let policy = if level == deep_ou { ("p-s3only", "S3Only") } else { ("p-FullAWSAccess", "FullAWSAccess") };
            state.scps.entry(level).or_default().push((policy.0.into(), policy.1.into()));
        }
        state.policy_documents.insert("p-FullAWSAccess".into(), FULL.into());
        state
            .policy_documents
            .insert("p-s3only".into(), r#"{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#.into());
        let tail = " because no service control policy allows the sts:AssumeRole action";
        state.assume_denials.insert(target.clone(), refusal(&caller, &target, tail));
    }
    let results = probe(&fake).await;
    let outcome = outcome(&results, &target);
    assert_eq!(outcome.cause, Some(Cause::ScpDeny), "{outcome:?}");
    let evidence = outcome.evidence.as_deref().expect("evidence");
    assert_eq!(evidence.attached_to.as_deref(), Some(deep_ou.as_str()));
    assert_eq!(evidence.statement, None, "nothing allows: no statement decides");
}

#[tokio::test]
async fn the_callers_own_policy_and_an_unreadable_cause_are_said_as_such() {
    let org = FakeOrg::generate(20, 2, 1);
    let fake = FakeAws::start(org.clone());
    let caller = format!("arn:aws:iam::{}:user/admin", org.management_id);
    let targets = other_active(&org, &[]);
    {
        let mut state = fake.state();
        let tail = " with an explicit deny in an identity-based policy";
        state.assume_denials.insert(targets[0].clone(), refusal(&caller, &targets[0], tail));
        // The simulator names the caller's own policy that denies.
        state.iam.simulations.insert(caller.clone(), ("explicitDeny".into(), Some("DenyCrossAccountRoles".into())));
        state.assume_denials.insert(targets[1].clone(), refusal(&caller, &targets[1], ""));
        // An RCP listed but its document unreadable: said in what is missing, nothing guessed.
        let parent = org.accounts.iter().find(|a| a.id == targets[1]).map(|a| a.parent.clone()).unwrap_or_default();
        state.rcps.entry(parent).or_default().push(("p-gone".into(), "Gone".into()));
    }
    let results = probe(&fake).await;
    let own = outcome(&results, &targets[0]);
    assert_eq!(own.cause, Some(Cause::CallerPolicy), "{own:?}");
    let evidence = own.evidence.as_deref().expect("evidence");
    assert_eq!(evidence.source, Some(EvidenceSource::CallerPolicy));
    assert_eq!(evidence.policy_id.raw(), Some("DenyCrossAccountRoles"), "from iam:SimulatePrincipalPolicy");
    assert_eq!(evidence.read_via.raw(), Some(caller.as_str()));
    let simulated = fake.calls_to("SimulatePrincipalPolicy");
    assert_eq!(simulated.len(), 1);
    assert_eq!(simulated[0].params["PolicySourceArn"], caller.as_str());
    assert_eq!(simulated[0].params["ActionNames.member.1"], "sts:AssumeRole");
    let unknown = outcome(&results, &targets[1]);
    assert_eq!(unknown.cause, Some(Cause::Unknown), "{unknown:?}");
    let missing = unknown.evidence.as_deref().and_then(|e| e.missing.clone()).expect("what would tell");
    assert!(missing.contains("trust policy") && missing.contains("iam:GetRole"), "{missing}");
    assert!(missing.contains("PolicyNotFoundException"), "the unreadable policy is named: {missing}");
    // Reachable accounts carry no cause.
    assert!(results.iter().filter(|(_, o)| o.status == ProbeStatus::Reachable).all(|(_, o)| o.cause.is_none()));
}

#[test]
fn expected_blocks_are_marked_and_fail_on_blocked_counts_only_the_others() {
    let org = FakeOrg::generate(20, 2, 1);
    let fake = FakeAws::start(org.clone());
    let caller = format!("arn:aws:iam::{}:user/admin", org.management_id);
    let ou = org.ous[0].id.clone();
    let in_ou: Vec<String> = org
        .accounts
        .iter()
        .filter(|a| a.parent == ou && a.status == "ACTIVE" && a.id != org.management_id)
        .map(|a| a.id.clone())
        .collect();
    let elsewhere = other_active(&org, &in_ou.iter().map(String::as_str).collect::<Vec<_>>())[0].clone();
    {
        let mut state = fake.state();
        for id in in_ou.iter().chain([&elsewhere]) {
            state.assume_denials.insert(id.clone(), refusal(&caller, id, ""));
        }
    }
    let home = tempfile::tempdir().expect("temp dir");
    let config = home.path().join("orgscope.toml");
    let run = |config_text: &str| {
        std::fs::write(&config, config_text).expect("config");
        let mut command = common::fake_command(home.path(), &fake.url());
        command.arg("--config").arg(&config).args(["probe", "--format", "json", "--fail-on-blocked"]);
        command.output().expect("run orgscope")
    };
    let on_ou = format!("[ous.\"{ou}\"]\nexpected_blocked = \"the vault OU: break-glass only\"\n");
    let out = run(&on_ou);
    assert_eq!(
        out.status.code(),
        Some(3),
        "one blocked account is not expected: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).expect("JSON");
    for row in &rows {
        let id = row["account_id"].as_str().expect("id");
        for key in ["cause", "evidence", "expected", "expected_reason"] {
            assert!(row.as_object().is_some_and(|o| o.contains_key(key)), "{key} in {row}");
        }
        if in_ou.iter().any(|a| a == id) {
            assert_eq!(row["expected"], true, "{row}");
            assert_eq!(row["expected_reason"], "the vault OU: break-glass only");
            assert_eq!(row["cause"], "unknown", "still explained: {row}");
        } else {
            assert_eq!(row["expected"], false, "{row}");
            assert!(row["expected_reason"].is_null());
        }
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(&format!("{} blocked ({} expected)", in_ou.len() + 1, in_ou.len())), "{stderr}");

    // The account's own entry is nearer than its OU's; with it every block is expected: exit 0.
    let both = format!("{on_ou}\n[accounts.\"{elsewhere}\"]\nexpected_blocked = \"closed for audit\"\n");
    let out = run(&both);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));

    // Text and CSV say it too.
    let mut text = common::fake_command(home.path(), &fake.url());
    text.arg("--config").arg(&config).arg("probe");
    let text = String::from_utf8_lossy(&text.output().expect("run").stdout).into_owned();
    assert!(text.contains("Expected: closed for audit"), "{text}");
    assert!(text.lines().any(|l| l.starts_with("⊖ blocked") && l.contains(&elsewhere)), "{text}");
    assert!(text.contains("Cause: not known: AWS does not say which; the role's trust policy would tell"), "{text}");
    let mut csv = common::fake_command(home.path(), &fake.url());
    csv.arg("--config").arg(&config).args(["probe", "--format", "csv"]);
    let csv = String::from_utf8_lossy(&csv.output().expect("run").stdout).into_owned();
    assert!(
        csv.lines().next().is_some_and(|h| h.ends_with(",sso_roles,cause,evidence,expected,expected_reason")),
        "{csv}"
    );
    assert!(csv.lines().any(|l| l.contains(&elsewhere) && l.ends_with(",true,closed for audit")), "{csv}");
}
