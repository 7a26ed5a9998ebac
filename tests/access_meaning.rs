//! What the access means, through the real binary and the real SDK against the local endpoint:
//! every row's `level` (AWS-managed policies read once through IAM, a customer-managed one
//! through a way into an account, an inline policy, boundaries managed and customer-managed),
//! `last_used` from IAM's `RoleLastUsed` on each `AWSReservedSSO_*` role (and `unreadable`
//! where orgscope cannot get in), `orphaned` for a deleted principal; the filters;
//! `permission-sets`; the cache; and a run from Identity Center's delegated administrator.

mod common;

use std::collections::BTreeMap;
use std::process::Output;

use common::fake_aws::access::{FakeSetPolicies, write_event};
use common::fake_aws::{Canned, FakeAws, FakeOrg, Faults};
use serde_json::{Value, json};

const ADMIN: &str = "arn:aws:sso:::permissionSet/ssoins-fake/ps-admin";
const READ: &str = "arn:aws:sso:::permissionSet/ssoins-fake/ps-read";
const DATA: &str = "arn:aws:sso:::permissionSet/ssoins-fake/ps-data";
const BOUNDED: &str = "arn:aws:sso:::permissionSet/ssoins-fake/ps-bounded";
const LOST: &str = "arn:aws:sso:::permissionSet/ssoins-fake/ps-lost";
const ADMIN_POLICY: &str = "arn:aws:iam::aws:policy/AdministratorAccess";
const READ_POLICY: &str = "arn:aws:iam::aws:policy/ReadOnlyAccess";
const INSTANCE: &str = "arn:aws:sso:::instance/ssoins-fake";

struct Fixture {
    fake: FakeAws,
    accounts: Vec<String>,
    home: tempfile::TempDir,
}

fn fixture_policy(name: &str) -> String {
    let path = format!("{}/tests/fixtures/policies/{name}.json", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("{path}: {err}"))
}

fn days_ago(days: i64) -> String {
    (chrono::Utc::now() - chrono::TimeDelta::days(days)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Five permission sets, each made another way; jane (u-1) and the Admins (g-1) hold them across
/// accounts 1–4 (account 0 is the management account); an assignment of a deleted user; account 2
/// refuses orgscope's role; Identity Center's roles used recently, long ago, or never.
fn fixture() -> Fixture {
    let org = FakeOrg::generate(8, 2, 1);
    let accounts: Vec<String> = org.accounts.iter().map(|a| a.id.clone()).collect();
    let fake = FakeAws::start_with(org, Faults::default());
    {
        let mut state = fake.state();
        let s = |v: &str| v.to_string();
        for (arn, name) in [
            (ADMIN, "AdministratorAccess"),
            (READ, "ReadOnly"),
            (DATA, "DataEngineer"),
            (BOUNDED, "BoundedAdmin"),
            (LOST, "Lost"),
        ] {
            state.permission_sets.insert(s(arn), s(name));
        }
        let (a0, a1, a2, a3, a4) =
            (accounts[0].clone(), accounts[1].clone(), accounts[2].clone(), accounts[3].clone(), accounts[4].clone());
        let access = &mut state.access;
        access.page = 2;
        access.provisioned = vec![
            (s(ADMIN), a0.clone(), true),
            (s(ADMIN), a1.clone(), true),
            (s(READ), a1.clone(), true),
            (s(READ), a2.clone(), true),
            (s(READ), a3.clone(), true),
            (s(DATA), a3.clone(), true),
            (s(BOUNDED), a4.clone(), true),
            (s(LOST), a4.clone(), true),
        ];
        access.assignments = vec![
            (a0.clone(), s(ADMIN), s("GROUP"), s("g-1")),
            (a1.clone(), s(ADMIN), s("GROUP"), s("g-1")),
            (a1.clone(), s(READ), s("USER"), s("u-1")),
            (a2.clone(), s(READ), s("USER"), s("u-1")),
            (a3.clone(), s(READ), s("USER"), s("u-gone")),
            (a3.clone(), s(DATA), s("USER"), s("u-1")),
            (a4.clone(), s(BOUNDED), s("GROUP"), s("g-1")),
            (a4.clone(), s(LOST), s("USER"), s("u-2")),
        ];
        access.users = vec![
            (s("u-1"), s("jane"), s("Jane Doe"), s("jane@example.com")),
            (s("u-2"), s("sam"), s("Sam Lee"), s("sam@example.com")),
        ];
        access.groups = vec![(s("g-1"), s("Admins"))];
        access.memberships = vec![(s("g-1"), s("u-1"))];
        let set = |managed: &[&str], customer: &[(&str, &str)], inline: Option<&str>, boundary| FakeSetPolicies {
            managed: managed.iter().map(|m| s(m)).collect(),
            customer: customer.iter().map(|(p, n)| (s(p), s(n))).collect(),
            inline: inline.map(s),
            boundary,
            session_duration: Some(s("PT4H")),
        };
        access.policies.insert(s(ADMIN), set(&[ADMIN_POLICY], &[], None, None));
        access.policies.insert(s(READ), set(&[READ_POLICY], &[], None, None));
        access.policies.insert(
            s(DATA),
            set(
                &[],
                &[("/team/", "DataWrite")],
                Some(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:PassRole","Resource":"arn:aws:iam::*:role/etl"}]}"#),
                None,
            ),
        );
        access.policies.insert(s(BOUNDED), set(&[ADMIN_POLICY], &[], None, Some(Ok(s(READ_POLICY)))));
        access.policies.insert(s(LOST), set(&[], &[("/", "NowhereToBeFound")], None, None));
        state.iam.policies.insert(s(ADMIN_POLICY), (s("v1"), fixture_policy("AdministratorAccess")));
        state.iam.policies.insert(s(READ_POLICY), (s("v182"), fixture_policy("ReadOnlyAccess")));
        let data_write = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:PutObject","s3:GetObject"],"Resource":"arn:aws:s3:::lake/*"}]}"#;
        state.iam.policies.insert(format!("arn:aws:iam::{a3}:policy/team/DataWrite"), (s("v3"), s(data_write)));
        let role = |set: &str, used: Option<String>| (format!("AWSReservedSSO_{set}_0123456789abcdef"), used);
        state.iam.sso_roles.insert(a0.clone(), vec![role("AdministratorAccess", Some(days_ago(1)))]);
        state
            .iam
            .sso_roles
            .insert(a1.clone(), vec![role("AdministratorAccess", Some(days_ago(3))), role("ReadOnly", None)]);
        state
            .iam
            .sso_roles
            .insert(a3.clone(), vec![role("ReadOnly", Some(days_ago(200))), role("DataEngineer", Some(days_ago(10)))]);
        state.iam.sso_roles.insert(a4.clone(), vec![role("BoundedAdmin", None), role("Lost", Some(days_ago(5)))]);
        let caller = state.caller_arn.clone();
        state.assume_denials.insert(
            a2.clone(),
            Canned::new(403, "AccessDenied", &format!("User: {caller} is not authorized to perform: sts:AssumeRole")),
        );
    }
    Fixture { fake, accounts, home: tempfile::tempdir().expect("a temp dir") }
}

fn run(fixture: &Fixture, command: &str, args: &[&str]) -> Output {
    let mut cmd = common::fake_command(fixture.home.path(), &fixture.fake.url());
    cmd.arg(command).args(args);
    cmd.output().expect("run orgscope")
}

fn json(output: &Output) -> Vec<Value> {
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).expect("a JSON array")
}

fn calls_by_op(fake: &FakeAws) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for call in fake.calls() {
        *counts.entry(call.op).or_default() += 1;
    }
    counts
}

/// (account index, permission set name, principal name) → the row.
fn by_route<'a>(fixture: &Fixture, rows: &'a [Value]) -> BTreeMap<(usize, String, String), &'a Value> {
    rows.iter()
        .map(|r| {
            let account = fixture.accounts.iter().position(|a| r["account_id"] == a.as_str()).expect("a known account");
            let field = |k: &str| r[k].as_str().unwrap_or_default().to_string();
            ((account, field("permission_set_name"), field("principal_name")), r)
        })
        .collect()
}

#[test]
fn rows_carry_the_level_when_last_used_and_orphaned_and_the_cache_keeps_them() {
    let fixture = fixture();
    fixture.fake.set_faults(Faults {
        // IAM throttles at first: the run slows, nothing is lost.
        fail_first: [("GetRole".to_string(), (3, Canned::new(400, "Throttling", "Rate exceeded")))].into(),
        ..Faults::default()
    });
    let rows = json(&run(&fixture, "access", &["--format", "json"]));
    assert_eq!(rows.len(), 8, "{rows:#?}");
    let rows = by_route(&fixture, &rows);
    let row = |account: usize, set: &str, who: &str| {
        *rows
            .get(&(account, set.to_string(), who.to_string()))
            .unwrap_or_else(|| panic!("{account} {set} {who}: {rows:#?}"))
    };
    let level = |r: &Value| r["level"].as_str().unwrap_or_default().to_string();
    assert_eq!(level(row(1, "AdministratorAccess", "Admins")), "admin");
    assert_eq!(level(row(1, "ReadOnly", "jane")), "read", "AWS's ReadOnlyAccess, read through IAM");
    assert_eq!(level(row(3, "DataEngineer", "jane")), "write", "a customer-managed policy read in account 3");
    assert_eq!(level(row(4, "BoundedAdmin", "Admins")), "read", "AdministratorAccess under a ReadOnlyAccess boundary");
    assert_eq!(level(row(4, "Lost", "sam")), "unknown", "a customer-managed policy nowhere to be read");
    // last_used: from the role, never, or unreadable where orgscope cannot get in.
    let used = row(1, "AdministratorAccess", "Admins");
    assert_eq!(used["last_used_source"], "iam");
    let at = chrono::DateTime::parse_from_rfc3339(used["last_used"].as_str().expect("a time")).expect("RFC 3339");
    assert!((chrono::Utc::now() - at.to_utc()).num_days() == 3, "{used}");
    assert_eq!(row(1, "ReadOnly", "jane")["last_used"], Value::Null);
    assert_eq!(row(1, "ReadOnly", "jane")["last_used_source"], "iam", "never used");
    assert_eq!(row(2, "ReadOnly", "jane")["last_used_source"], "unreadable", "account 2 refuses orgscope");
    assert_eq!(row(2, "ReadOnly", "jane")["last_used"], Value::Null);
    // orphaned: the deleted user keeps her id and is flagged; the others are not.
    let orphan = row(3, "ReadOnly", "u-gone");
    assert_eq!(orphan["orphaned"], true);
    assert_eq!(orphan["principal_id"], "u-gone");
    assert_eq!(rows.values().filter(|r| r["orphaned"] == true).count(), 1);

    let calls = calls_by_op(&fixture.fake);
    let policies: Vec<String> = fixture
        .fake
        .calls_to("GetPolicyVersion")
        .iter()
        .map(|c| c.params["PolicyArn"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(policies.iter().filter(|p| *p == ADMIN_POLICY).count(), 1, "each AWS-managed policy once: {policies:?}");
    assert_eq!(policies.iter().filter(|p| *p == READ_POLICY).count(), 1, "{policies:?}");
    assert_eq!(calls.get("ListRoles"), Some(&4), "once per account orgscope gets into: {calls:?}");

    // Again: everything from the cache, refreshed from CloudTrail; no policy or role read again.
    fixture.fake.state().calls.clear();
    let again = json(&run(&fixture, "access", &["--format", "json"]));
    assert_eq!(again.len(), 8);
    let calls = calls_by_op(&fixture.fake);
    for op in ["GetPolicyVersion", "ListManagedPoliciesInPermissionSet", "ListRoles", "GetRole"] {
        assert_eq!(calls.get(op), None, "{op} not read again: {calls:?}");
    }
    // Only the level nobody could decide is tried again: Lost's missing policy, once.
    let tried: Vec<String> = fixture
        .fake
        .calls_to("GetPolicy")
        .iter()
        .map(|c| c.params["PolicyArn"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(tried, [format!("arn:aws:iam::{}:policy/NowhereToBeFound", fixture.accounts[4])], "{calls:?}");
    // A policy change is followed: the set's policies are read and its level decided again.
    {
        let mut state = fixture.fake.state();
        state.access.policies.get_mut(READ).expect("ReadOnly").inline = Some(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sso:CreateAccountAssignment","Resource":"*"}]}"#
                .into(),
        );
        let event = write_event(
            "PutInlinePolicyToPermissionSet",
            "ev-inline",
            chrono::Utc::now().timestamp(),
            json!({"instanceArn": INSTANCE, "permissionSetArn": READ}),
            json!(null),
        );
        state.events.push(event);
        state.calls.clear();
    }
    let changed = json(&run(&fixture, "access", &["--format", "json", "--permission-set", "ReadOnly"]));
    assert!(changed.iter().all(|r| r["level"] == "privileged"), "{changed:#?}");
    let sets: Vec<String> = fixture
        .fake
        .calls_to("ListManagedPoliciesInPermissionSet")
        .iter()
        .map(|c| c.params["PermissionSetArn"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(sets, [READ], "only the changed set");
}

#[test]
fn the_filters_keep_a_level_and_above_the_unused_and_the_orphaned() {
    let fixture = fixture();
    let names = |args: &[&str]| -> Vec<(String, String)> {
        let mut all = vec!["--format", "json"];
        all.extend(args);
        let mut found: Vec<(String, String)> = json(&run(&fixture, "access", &all))
            .iter()
            .map(|r| {
                (
                    r["permission_set_name"].as_str().unwrap_or_default().into(),
                    r["principal_name"].as_str().unwrap_or_default().into(),
                )
            })
            .collect();
        found.sort();
        found.dedup();
        found
    };
    let pair = |set: &str, who: &str| (set.to_string(), who.to_string());
    assert_eq!(
        names(&["--level", "admin"]),
        [pair("AdministratorAccess", "Admins"), pair("Lost", "sam")],
        "admin, and what nobody could read"
    );
    assert_eq!(
        names(&["--level", "write"]),
        [pair("AdministratorAccess", "Admins"), pair("DataEngineer", "jane"), pair("Lost", "sam")]
    );
    // Not used in 90 days or never, of the rows whose roles were read: ReadOnly in account 1
    // (never), ReadOnly in account 3 (200 days ago), BoundedAdmin (never).
    let unused = json(&run(&fixture, "access", &["--format", "json", "--unused", "90d"]));
    let mut routes: Vec<(usize, String)> = unused
        .iter()
        .map(|r| {
            (
                fixture.accounts.iter().position(|a| r["account_id"] == a.as_str()).unwrap_or(99),
                r["permission_set_name"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    routes.sort();
    assert_eq!(routes, [(1, "ReadOnly".into()), (3, "ReadOnly".into()), (4, "BoundedAdmin".into())]);
    assert_eq!(names(&["--orphaned"]), [pair("ReadOnly", "u-gone")]);
    let bad = run(&fixture, "access", &["--unused", "soon"]);
    assert_eq!(bad.status.code(), Some(2), "{}", String::from_utf8_lossy(&bad.stderr));
    // CSV and text carry the same.
    let csv = run(&fixture, "access", &["--format", "csv", "--orphaned"]);
    let text = String::from_utf8_lossy(&csv.stdout).to_string();
    let header = text.lines().next().unwrap_or_default();
    assert!(header.ends_with("provisioning,level,last_used,last_used_source,orphaned"), "{header}");
    let orphan = text.lines().nth(1).unwrap_or_default();
    assert!(orphan.contains(",u-gone,u-gone,,current,read,") && orphan.ends_with(",iam,true"), "{text}");
    let plain = run(&fixture, "access", &["--level", "admin"]);
    let plain = String::from_utf8_lossy(&plain.stdout);
    assert!(plain.contains("AdministratorAccess [admin]"), "{plain}");
}

#[test]
fn permission_sets_says_each_sets_level_why_and_what_it_is_made_of() {
    let fixture = fixture();
    let rows = json(&run(&fixture, "permission-sets", &["--format", "json"]));
    let by_name: BTreeMap<String, &Value> =
        rows.iter().map(|r| (r["name"].as_str().unwrap_or_default().to_string(), r)).collect();
    let order: Vec<&str> = rows.iter().map(|r| r["level"].as_str().unwrap_or_default()).collect();
    assert_eq!(order, ["admin", "write", "read", "read", "unknown"], "most reach first");
    let admin = by_name["AdministratorAccess"];
    assert_eq!(admin["managed_policies"], json!([ADMIN_POLICY]));
    assert_eq!(admin["level_why"], "allows every action on every resource");
    assert_eq!(admin["accounts"], 2);
    assert_eq!(admin["holders"], 1);
    assert_eq!(admin["session_duration"], "PT4H");
    let data = by_name["DataEngineer"];
    assert_eq!(data["customer_managed_policies"], json!(["/team/DataWrite"]));
    assert_eq!(data["inline"], true);
    assert_eq!(data["boundary"], Value::Null);
    let bounded = by_name["BoundedAdmin"];
    assert_eq!(bounded["boundary"], READ_POLICY);
    assert_eq!(bounded["unused_accounts"], 1, "its role was never used");
    let lost = by_name["Lost"];
    assert!(lost["level_why"].as_str().is_some_and(|w| w.contains("/NowhereToBeFound")), "{lost}");
    let keys: Vec<&str> = admin.as_object().map(|o| o.keys().map(String::as_str).collect()).unwrap_or_default();
    let mut expected = orgscope::cli::permission_sets::CSV_COLUMNS.to_vec();
    expected.sort_unstable();
    let mut keys = keys;
    keys.sort_unstable();
    assert_eq!(keys, expected);
    let text = run(&fixture, "permission-sets", &[]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.starts_with("AdministratorAccess  [admin]  allows every action on every resource\n"), "{text}");
}

#[test]
fn from_the_delegated_administrator_the_map_is_the_management_accounts_minus_what_it_cannot_see() {
    let fixture = fixture();
    let management = json(&run(&fixture, "access", &["--format", "json", "--no-cache"]));
    let jane_there = json(&run(&fixture, "access", &["--format", "json", "--no-cache", "--principal", "jane"]));
    let delegated_account = fixture.accounts[7].clone();
    {
        let mut state = fixture.fake.state();
        state.caller_arn = format!("arn:aws:iam::{delegated_account}:user/identity-admin");
        state.access.delegated_admin_of = Some(fixture.accounts[0].clone());
        state.calls.clear();
    }
    let output = run(&fixture, "access", &["--format", "json", "--no-cache"]);
    let delegated = json(&output);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.matches("delegated administrator").count(), 1, "said once: {stderr}");
    assert!(stderr.contains(&fixture.accounts[0]), "{stderr}");
    let outside = |rows: &[Value]| -> Vec<Value> {
        rows.iter().filter(|r| r["account_id"] != fixture.accounts[0].as_str()).cloned().collect()
    };
    assert!(management.len() > outside(&management).len(), "the management account holds an assignment");
    let strip = |rows: Vec<Value>| -> Vec<Value> {
        rows.into_iter()
            .map(|mut r| {
                r.as_object_mut().map(|o| o.remove("last_used"));
                r
            })
            .collect()
    };
    assert_eq!(strip(delegated.clone()), strip(outside(&management)), "everything else, the same");
    let calls = calls_by_op(&fixture.fake);
    let refused: Vec<_> =
        fixture.fake.calls().into_iter().filter(|c| c.params["AccountId"] == fixture.accounts[0].as_str()).collect();
    assert!(refused.is_empty(), "nothing asked about the management account: {refused:?}");
    assert_eq!(calls.get("ListAccountAssignmentsForPrincipal"), None, "{calls:?}");

    // --principal: refused per principal, read the other way round, the same rows.
    let jane = run(&fixture, "access", &["--format", "json", "--no-cache", "--principal", "jane"]);
    assert!(fixture.fake.calls_to("ListAccountAssignmentsForPrincipal").len() <= 2, "tried, then the other way");
    assert_eq!(strip(json(&jane)), strip(outside(&jane_there)));
}
