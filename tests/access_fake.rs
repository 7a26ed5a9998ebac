//! `orgscope access` through the real binary and the real SDK against the local endpoint: every
//! listing paged (pages of two), the contract's JSON and CSV, effective access through groups,
//! close matches, the filters, throttling, and refusals shown in place while the rest is read.

mod common;

use std::process::{Output, Stdio};

use std::collections::BTreeMap;

use common::fake_aws::access::write_event;
use common::fake_aws::{Canned, FakeAws, FakeOrg, Faults};
use orgscope::model::identity::IdentityCenter;
use orgscope::source::aws::AwsSource;
use orgscope::source::{AccessQuery, Source};
use serde_json::{Value, json};

const ADMIN: &str = "arn:aws:sso:::permissionSet/ssoins-fake/ps-admin";
const READ: &str = "arn:aws:sso:::permissionSet/ssoins-fake/ps-read";
const INSTANCE: &str = "arn:aws:sso:::instance/ssoins-fake";
const STORE: &str = "d-fake000001";

struct Fixture {
    fake: FakeAws,
    accounts: Vec<String>,
    home: tempfile::TempDir,
}

/// jane (u-1) holds Admin in account 1 herself and through Admins (g-1); Readers (g-2, jane and
/// sam) hold ReadOnly in accounts 1–3, stale in account 2; g-3 has no name anyone may read… yet.
fn fixture(faults: Faults) -> Fixture {
    let org = FakeOrg::generate(8, 2, 1);
    let accounts: Vec<String> = org.accounts.iter().map(|a| a.id.clone()).collect();
    let fake = FakeAws::start_with(org, faults);
    {
        let mut state = fake.state();
        state.permission_sets.insert(ADMIN.into(), "AdministratorAccess".into());
        state.permission_sets.insert(READ.into(), "ReadOnlyAccess".into());
        let access = &mut state.access;
        access.page = 2;
        let s = |v: &str| v.to_string();
        access.provisioned = vec![
            (s(ADMIN), accounts[1].clone(), true),
            (s(READ), accounts[1].clone(), true),
            (s(READ), accounts[2].clone(), false),
            (s(READ), accounts[3].clone(), true),
        ];
        access.assignments = vec![
            (accounts[1].clone(), s(ADMIN), s("USER"), s("u-1")),
            (accounts[1].clone(), s(ADMIN), s("GROUP"), s("g-1")),
            (accounts[1].clone(), s(READ), s("GROUP"), s("g-2")),
            (accounts[2].clone(), s(READ), s("GROUP"), s("g-2")),
            (accounts[3].clone(), s(READ), s("GROUP"), s("g-2")),
            (accounts[3].clone(), s(READ), s("USER"), s("u-2")),
        ];
        access.users = vec![
            (s("u-1"), s("jane"), s("Jane Doe"), s("jane@example.com")),
            (s("u-2"), s("sam"), s("Sam Lee"), s("sam@example.com")),
            (s("u-3"), s("oscar"), s("Oscar W"), s("oscar@example.com")),
        ];
        access.groups = vec![(s("g-1"), s("Admins")), (s("g-2"), s("Readers")), (s("g-3"), s("Nobody"))];
        access.memberships = vec![(s("g-1"), s("u-1")), (s("g-2"), s("u-1")), (s("g-2"), s("u-2"))];
    }
    Fixture { fake, accounts, home: tempfile::tempdir().expect("a temp dir") }
}

fn run(fixture: &Fixture, args: &[&str]) -> Output {
    let mut command = common::fake_command(fixture.home.path(), &fixture.fake.url());
    command.arg("access").args(args);
    command.output().expect("run orgscope")
}

fn json(output: &Output) -> Vec<Value> {
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).expect("a JSON array")
}

const KEYS: [&str; 14] = orgscope::cli::access::CSV_COLUMNS;

#[test]
fn every_assignment_as_aws_holds_it_with_names_paths_and_provisioning() {
    let fixture = fixture(Faults::default());
    let rows = json(&run(&fixture, &["--format", "json"]));
    assert_eq!(rows.len(), 6, "{rows:#?}");
    for row in &rows {
        let keys: Vec<&str> = row.as_object().map(|o| o.keys().map(String::as_str).collect()).unwrap_or_default();
        let mut expected = KEYS.to_vec();
        expected.sort_unstable();
        let mut keys = keys;
        keys.sort_unstable();
        assert_eq!(keys, expected, "{row}");
        assert_eq!(row["via_group"], Value::Null);
        assert_eq!(row["ou_path"][0], "Root", "{row}");
        assert!(row["account_name"].as_str().is_some_and(|n| n.starts_with("account-")));
    }
    let order: Vec<(String, String, String)> = rows
        .iter()
        .map(|r| {
            let field = |k: &str| r[k].as_str().unwrap_or_default().to_lowercase();
            (field("account_name"), field("permission_set_name"), field("principal_name"))
        })
        .collect();
    let mut sorted = order.clone();
    sorted.sort();
    assert_eq!(order, sorted, "sorted by account, permission set, principal");
    let stale: Vec<&Value> = rows.iter().filter(|r| r["provisioning"] == "stale").collect();
    assert_eq!(stale.len(), 1);
    assert_eq!(stale[0]["account_id"].as_str(), Some(fixture.accounts[2].as_str()));
    let group = rows.iter().find(|r| r["principal_id"] == "g-2").expect("a Readers row");
    assert_eq!((group["principal_type"].as_str(), group["principal_name"].as_str()), (Some("GROUP"), Some("Readers")));
    assert_eq!(group["permission_set_name"], "ReadOnlyAccess");

    // Every listing was followed past its first page of two.
    for op in ["ListPermissionSets", "ListUsers", "ListGroups", "ListAccountAssignments"] {
        let calls = fixture.fake.calls_to(op);
        assert!(!calls.is_empty(), "{op} was called");
    }
    assert!(fixture.fake.calls_to("ListUsers").len() >= 2, "three users in pages of two");

    // CSV: the same columns, the path joined with " / ", via_group by name.
    let csv = run(&fixture, &["--format", "csv", "--principal", "jane"]);
    let text = String::from_utf8_lossy(&csv.stdout).to_string();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some(KEYS.join(",").as_str()));
    assert!(text.contains("Root / ou-"), "{text}");
    assert!(text.contains(",Admins,current"), "{text}");
}

#[test]
fn a_users_effective_access_comes_through_her_groups_one_row_per_route() {
    let fixture = fixture(Faults::default());
    let rows = json(&run(&fixture, &["--format", "json", "--principal", "jane@example.com"]));
    let routes: Vec<(String, String, Option<String>)> = rows
        .iter()
        .map(|r| {
            (
                r["account_id"].as_str().unwrap_or_default().to_string(),
                r["permission_set_name"].as_str().unwrap_or_default().to_string(),
                r["via_group"]["name"].as_str().map(str::to_string),
            )
        })
        .collect();
    let a = |i: usize| fixture.accounts[i].clone();
    assert_eq!(
        routes,
        [
            (a(1), "AdministratorAccess".into(), None),
            (a(1), "AdministratorAccess".into(), Some("Admins".into())),
            (a(1), "ReadOnlyAccess".into(), Some("Readers".into())),
            (a(2), "ReadOnlyAccess".into(), Some("Readers".into())),
            (a(3), "ReadOnlyAccess".into(), Some("Readers".into())),
        ]
    );
    assert!(rows.iter().all(|r| r["principal_name"] == "jane" && r["principal_type"] == "USER"));
    assert_eq!(rows[1]["via_group"]["id"], "g-1");

    // A group: its own assignments only.
    let group = json(&run(&fixture, &["--format", "json", "--principal", "Admins"]));
    assert_eq!(group.len(), 1);
    // Someone with no access gets an empty answer, not an error.
    assert!(json(&run(&fixture, &["--format", "json", "--principal", "oscar"])).is_empty());

    // The filters.
    let one = json(&run(&fixture, &["--format", "json", "--principal", "jane", &fixture.accounts[1]]));
    assert_eq!(one.len(), 3);
    let set = json(&run(&fixture, &["--format", "json", "--permission-set", "readonlyaccess"]));
    assert_eq!(set.len(), 4);
    let stale = json(&run(&fixture, &["--format", "json", "--stale"]));
    assert_eq!(stale.len(), 1);
}

#[test]
fn an_unknown_principal_or_account_lists_close_matches_and_exits_2() {
    let fixture = fixture(Faults::default());
    let unknown = run(&fixture, &["--principal", "jnae"]);
    assert_eq!(unknown.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&unknown.stderr);
    assert!(stderr.contains("no user or group jnae") && stderr.contains("jane"), "{stderr}");
    let account = run(&fixture, &["account-0000x"]);
    assert_eq!(account.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&account.stderr).contains("the closest names: account-0000"));
}

#[test]
fn throttling_slows_the_map_and_changes_nothing() {
    let clean = fixture(Faults::default());
    let expected = json(&run(&clean, &["--format", "json"]));
    let throttled = fixture(Faults { throttle_every: 3, ..Faults::default() });
    assert_eq!(json(&run(&throttled, &["--format", "json"])), expected);
}

#[test]
fn an_identity_store_refusal_leaves_ids_and_says_so_and_a_failed_listing_is_shown_in_place() {
    let denied =
        || Canned::new(400, "AccessDeniedException", "User: x is not authorized to perform: identitystore:ListUsers");
    let faults = Faults {
        fail_ops: [("ListUsers".to_string(), denied()), ("ListGroups".to_string(), denied())].into(),
        fail_first: [("ListAccountAssignments".to_string(), (1, denied()))].into(),
        ..Faults::default()
    };
    let fixture = fixture(faults);
    let output = run(&fixture, &["--format", "json"]);
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    let rows = json(&output);
    assert!(stderr.contains("identitystore:ListUsers failed: AccessDeniedException"), "{stderr}");
    assert!(stderr.contains("shown by id"), "{stderr}");
    assert!(stderr.contains("sso:ListAccountAssignments"), "the one failed pair is said: {stderr}");
    assert!(!rows.is_empty() && rows.len() < 6, "the other pairs are read: {rows:#?}");
    assert!(rows.iter().all(|r| r["principal_name"] == r["principal_id"]), "names fall back to ids");
}

#[test]
fn the_scanner_policy_names_every_call_the_map_makes() {
    let fixture = fixture(Faults::default());
    json(&run(&fixture, &["--format", "json"]));
    let policy = common::orgscope_command(fixture.home.path())
        .args(["template", "scanner-policy", "--management-account", "111111111111"])
        .output()
        .expect("run");
    let policy: Value = serde_json::from_slice(&policy.stdout).expect("the policy is JSON");
    let actions: Vec<String> = policy["Statement"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .filter(|s| s["Sid"].as_str().is_some_and(|sid| !sid.contains("Retry")))
        .flat_map(|s| s["Action"].as_array().cloned().unwrap_or_default())
        .filter_map(|a| a.as_str().map(str::to_string))
        .collect();
    for call in fixture.fake.calls().iter().filter(|c| matches!(c.service, "sso" | "identitystore")) {
        let action = format!("{}:{}", call.service, call.op);
        assert!(actions.contains(&action), "the scanner policy lacks {action}");
    }
}

#[test]
fn the_demo_has_an_access_map_and_a_snapshot_keeps_it() {
    let home = tempfile::tempdir().expect("a temp dir");
    let demo =
        |args: &[&str]| common::orgscope_command(home.path()).args(args).stdin(Stdio::null()).output().expect("run");
    let jane = json(&demo(&["--demo", "access", "--principal", "jane.doe@example.com", "--format", "json"]));
    assert!(jane.iter().any(|r| r["via_group"]["name"] == "Auditors"), "through a group");
    assert!(jane.iter().any(|r| r["via_group"].is_null() && r["account_name"] == "acme-management"), "her own");
    let stale = json(&demo(&["--demo", "access", "--stale", "--format", "json"]));
    assert!(!stale.is_empty() && stale.iter().all(|r| r["permission_set_name"] == "DataScientist"), "{stale:#?}");

    let file = home.path().join("demo-snapshot.json");
    let saved = demo(&["--demo", "snapshot", "-o", file.to_str().unwrap_or_default()]);
    assert!(saved.status.success(), "{}", String::from_utf8_lossy(&saved.stderr));
    let all = json(&demo(&["--demo", "access", "--format", "json"]));
    let again = json(&demo(&["--snapshot", file.to_str().unwrap_or_default(), "access", "--format", "json"]));
    assert_eq!(again, all, "the snapshot serves the same map");
    let out = demo(&["--demo", "access", "--principal", "jane.doe@example.com"]);
    let (text, said) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(said.starts_with("user jane.doe@example.com: "), "who, on stderr: {said}");
    assert!(!text.contains("user jane.doe@example.com: ") && text.contains("via group Auditors"), "rows alone: {text}");
}

/// How many calls each operation received since the log was last cleared.
fn calls_by_op(fake: &FakeAws) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for call in fake.calls() {
        *counts.entry(call.op).or_default() += 1;
    }
    counts
}

/// The principals whose assignments were listed.
fn listed_principals(fake: &FakeAws) -> std::collections::BTreeSet<String> {
    let calls = fake.calls_to("ListAccountAssignmentsForPrincipal");
    calls.iter().map(|c| c.params["PrincipalId"].as_str().unwrap_or_default().to_string()).collect()
}

fn without_time(mut map: IdentityCenter) -> IdentityCenter {
    map.read_at = None;
    let epoch = chrono::DateTime::UNIX_EPOCH;
    map.usage.iter_mut().for_each(|u| u.read_at = epoch);
    map
}

#[tokio::test(flavor = "multi_thread")]
async fn one_principal_is_read_without_the_whole_map_and_reaches_what_the_map_says() {
    let fixture = fixture(Faults::default());
    let source = AwsSource::connect(fixture.fake.options()).await.expect("connect");
    let whole = source.identity_center(&AccessQuery::region(None)).await.expect("the whole map");
    for wanted in ["jane", "jane@example.com", "Jane Doe", "u-1", "Readers", "g-2"] {
        fixture.fake.state().calls.clear();
        let alone = source.principal_access(&AccessQuery::default(), wanted).await.expect("the reach alone");
        let calls = calls_by_op(&fixture.fake);
        for whole_map_call in ["ListAccountAssignments", "ListPermissionSets", "ListGroupMemberships"] {
            assert!(!calls.contains_key(whole_map_call), "{wanted}: {whole_map_call} read: {calls:?}");
        }
        if wanted != "Jane Doe" {
            assert!(!calls.contains_key("ListUsers"), "{wanted} is found by a unique name or id: {calls:?}");
        }
        let principal = alone.find_principal(wanted).expect("found");
        let expected = whole.rows(Some(&whole.find_principal(wanted).expect("in the map")), &|_| None);
        assert_eq!(alone.rows(Some(&principal), &|_| None), expected, "{wanted}");
    }
    // jane, her two groups: one ListAccountAssignmentsForPrincipal listing each (g-2's has two pages).
    fixture.fake.state().calls.clear();
    source.principal_access(&AccessQuery::default(), "jane").await.expect("jane's reach");
    let principals = listed_principals(&fixture.fake);
    assert_eq!(principals, ["g-1", "g-2", "u-1"].map(String::from).into());
}

#[test]
fn the_whole_map_is_read_per_pair_even_with_fewer_principals() {
    let fixture = fixture(Faults::default());
    {
        let mut state = fixture.fake.state();
        for account in &fixture.accounts[4..8] {
            state.access.provisioned.push((READ.into(), account.clone(), true));
        }
        state.calls.clear();
    }
    // 8 provisioned pairs against 3 users and 3 groups: per principal would be fewer calls, but
    // it cannot see a deleted principal's assignments, nor answer a delegated administrator.
    json(&run(&fixture, &["--format", "json", "--no-cache"]));
    let calls = calls_by_op(&fixture.fake);
    assert_eq!(calls.get("ListAccountAssignments"), Some(&8), "{calls:?}");
    assert_eq!(calls.get("ListAccountAssignmentsForPrincipal"), None, "{calls:?}");
}

/// Sam joins Admins, Readers get AdministratorAccess in account 3 (provisioned there for it), and
/// jane's own AdministratorAccess in account 1 is deleted: on the endpoint and in CloudTrail.
fn change(fixture: &Fixture) {
    let now = chrono::Utc::now().timestamp();
    let (a1, a3) = (fixture.accounts[1].clone(), fixture.accounts[3].clone());
    let mut state = fixture.fake.state();
    let s = |v: &str| v.to_string();
    state.access.memberships.push((s("g-1"), s("u-2")));
    state.access.provisioned.push((s(ADMIN), a3.clone(), true));
    state.access.assignments.push((a3.clone(), s(ADMIN), s("GROUP"), s("g-2")));
    state.access.assignments.retain(|a| !(a.0 == a1 && a.1 == ADMIN && a.3 == "u-1"));
    let assignment = |account: &str, kind: &str, id: &str| {
        json!({"instanceArn": INSTANCE, "targetId": account, "targetType": "AWS_ACCOUNT",
               "permissionSetArn": ADMIN, "principalType": kind, "principalId": id})
    };
    state.events.extend([
        write_event(
            "CreateGroupMembership",
            "ev-1",
            now - 30,
            json!({"identityStoreId": STORE, "groupId": "g-1", "memberId": {"userId": "u-2"}}),
            json!({"identityStoreId": STORE, "membershipId": "m-g-1-u-2"}),
        ),
        write_event("CreateAccountAssignment", "ev-2", now - 20, assignment(&a3, "GROUP", "g-2"), Value::Null),
        write_event("DeleteAccountAssignment", "ev-3", now - 10, assignment(&a1, "USER", "u-1"), Value::Null),
    ]);
    state.calls.clear();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refresh_reads_again_only_what_changed_and_equals_a_cold_read() {
    let fixture = fixture(Faults::default());
    let cache = fixture.home.path().join("cache").join("access-map.json");
    let source = AwsSource::connect(fixture.fake.options()).await.expect("connect");
    let cached = AccessQuery { cache_path: Some(cache.clone()), ..AccessQuery::default() };
    let first = source.identity_center(&cached).await.expect("the first read");
    use std::os::unix::fs::PermissionsExt as _;
    let mode = std::fs::metadata(&cache).expect("the map is cached").permissions().mode();
    assert_eq!(mode & 0o777, 0o600);

    change(&fixture);
    let refreshed = source.identity_center(&cached).await.expect("the refresh");
    let calls = calls_by_op(&fixture.fake);
    let followed = orgscope::source::aws::identity::refresh::SSO_EVENTS.len()
        + orgscope::source::aws::identity::refresh::STORE_EVENTS.len();
    assert_eq!(followed, 16, "assignments, provisioning, permission sets, their policies and memberships");
    assert_eq!(calls.get("LookupEvents"), Some(&followed), "one lookup per followed event name: {calls:?}");
    let pairs: Vec<(String, String)> = fixture
        .fake
        .calls_to("ListAccountAssignments")
        .iter()
        .map(|c| {
            (
                c.params["AccountId"].as_str().unwrap_or_default().into(),
                c.params["PermissionSetArn"].as_str().unwrap_or_default().into(),
            )
        })
        .collect();
    let mut expected_pairs =
        vec![(fixture.accounts[1].clone(), ADMIN.to_string()), (fixture.accounts[3].clone(), ADMIN.to_string())];
    expected_pairs.sort();
    let mut pairs_sorted = pairs.clone();
    pairs_sorted.sort();
    assert_eq!(pairs_sorted, expected_pairs, "only the two touched pairs");
    let members = fixture.fake.calls_to("ListGroupMemberships");
    assert_eq!(members.len(), 1, "only the group that changed");
    assert_eq!(members[0].params["GroupId"], "g-1");
    assert_eq!(calls.get("ListPermissionSetsProvisionedToAccount"), Some(&4), "two accounts, two statuses");
    for untouched in ["ListUsers", "ListGroups", "ListPermissionSets", "ListAccountsForProvisionedPermissionSet"] {
        assert_eq!(calls.get(untouched), None, "{untouched} is not read again: {calls:?}");
    }

    let cold = source.identity_center(&AccessQuery::region(None)).await.expect("a cold read");
    assert_ne!(without_time(first), without_time(cold.clone()), "the change shows");
    assert_eq!(without_time(refreshed), without_time(cold), "the refresh equals a cold read");
}

#[tokio::test(flavor = "multi_thread")]
async fn without_cloudtrail_the_refresh_is_a_whole_read() {
    let fixture = fixture(Faults::default());
    let cache = fixture.home.path().join("access-map.json");
    let source = AwsSource::connect(fixture.fake.options()).await.expect("connect");
    let cached = AccessQuery { cache_path: Some(cache), ..AccessQuery::default() };
    source.identity_center(&cached).await.expect("the first read");
    change(&fixture);
    let denied = Canned::new(400, "AccessDeniedException", "not authorized to perform: cloudtrail:LookupEvents");
    fixture.fake.set_faults(Faults { fail_ops: [("LookupEvents".to_string(), denied)].into(), ..Faults::default() });
    let refreshed = source.identity_center(&cached).await.expect("a whole read instead");
    let calls = calls_by_op(&fixture.fake);
    assert!(calls.contains_key("ListPermissionSets") && calls.contains_key("ListUsers"), "{calls:?}");
    assert!(refreshed.unavailable.is_empty(), "{:?}", refreshed.unavailable);
    fixture.fake.set_faults(Faults::default());
    let cold = source.identity_center(&AccessQuery::region(None)).await.expect("a cold read");
    assert_eq!(without_time(refreshed), without_time(cold));
}
