//! `orgscope fix` end to end against the local endpoint: through a role of the Identity Center
//! sign-in in each account, a missing role is created and a trust for someone else gains a
//! statement for the caller's account; the account is probed again and is reachable. An external
//! ID, an SCP, the caller's own policy and a missing foothold are never written around.
//! `--dry-run` writes nothing; without a terminal and without `--yes` nothing is read or written
//! (exit 2).

mod common;

use common::fake_aws::{FakeAws, FakeOrg};
use common::footholds::{sign_in, trust};
use serde_json::{Value, json};

const ROLE: &str = "OrganizationAccountAccessRole";
const WRITES: [&str; 3] = ["CreateRole", "AttachRolePolicy", "UpdateAssumeRolePolicy"];

struct Setup {
    fake: FakeAws,
    home: tempfile::TempDir,
    management: String,
    /// Role missing, trust for someone else, external ID wanted, denied by an SCP, no foothold,
    /// refused by the caller's own policy.
    ids: [String; 6],
}

fn setup() -> Setup {
    let org = FakeOrg::generate(12, 2, 1);
    let fake = FakeAws::start(org.clone());
    let management = org.management_id.clone();
    let active: Vec<String> =
        org.accounts.iter().filter(|a| a.status == "ACTIVE" && a.id != management).map(|a| a.id.clone()).collect();
    let ids: [String; 6] = std::array::from_fn(|i| active[i].clone());
    {
        let mut state = fake.state();
        for id in &ids[..4] {
            state.portal.roles.insert(id.clone(), vec!["AdministratorAccess".into()]);
        }
        for id in [&ids[0], &ids[1], &ids[2], &ids[4]] {
            state.iam.modeled.insert(id.clone());
        }
        state.iam.roles.insert((ids[1].clone(), ROLE.into()), trust("999999999999", Value::Null));
        state.iam.roles.insert(
            (ids[2].clone(), ROLE.into()),
            trust(&management, json!({"StringEquals": {"sts:ExternalId": "vendor-secret"}})),
        );
        let caller = format!("arn:aws:iam::{management}:user/admin");
        state.assume_denials.insert(
            ids[5].clone(),
            common::fake_aws::Canned::new(
                403,
                "AccessDenied",
                &format!(
                    "User: {caller} is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::{}:role/{ROLE} with an explicit deny in an identity-based policy",
                    ids[5]
                ),
            ),
        );
        state.iam.simulations.insert(caller.clone(), ("explicitDeny".into(), Some("DenyOneAccount".into())));
        state.assume_denials.insert(
            ids[3].clone(),
            common::fake_aws::Canned::new(
                403,
                "AccessDenied",
                &format!(
                    "User: {caller} is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::{}:role/{ROLE} with an explicit deny in a service control policy",
                    ids[3]
                ),
            ),
        );
    }
    let home = tempfile::tempdir().expect("temp home");
    sign_in(&fake, home.path());
    Setup { fake, home, management, ids }
}

impl Setup {
    fn fix(&self, args: &[&str]) -> std::process::Output {
        let mut command = common::fake_command(self.home.path(), &self.fake.url());
        command.arg("fix").args(&self.ids).args(args).output().expect("orgscope runs")
    }

    fn writes(&self) -> Vec<String> {
        self.fake.calls().iter().filter(|c| WRITES.contains(&c.op.as_str())).map(|c| c.op.clone()).collect()
    }
}

#[test]
fn fix_creates_the_missing_role_widens_a_foreign_trust_and_touches_nothing_else() {
    let setup = setup();
    let out = setup.fix(&["--yes", "--format", "json"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "four accounts stay blocked: {stderr}");
    let rows: Vec<Value> = serde_json::from_slice(&out.stdout).expect("JSON rows");
    let row = |id: &str| rows.iter().find(|r| r["account_id"] == id).cloned().expect("a row");
    let [missing, foreign, external, scp, no_foothold, own_policy] = &setup.ids;

    let created = row(missing);
    assert_eq!((created["cause"].as_str(), created["action"].as_str()), (Some("role_missing"), Some("create_role")));
    assert_eq!((created["result"].as_str(), created["status_after"].as_str()), (Some("fixed"), Some("reachable")));
    let widened = row(foreign);
    assert_eq!(widened["action"], "update_trust", "{widened}");
    assert_eq!((widened["result"].as_str(), widened["status_after"].as_str()), (Some("fixed"), Some("reachable")));
    for (id, cause) in
        [(external, "external_id_required"), (scp, "scp_deny"), (no_foothold, "unknown"), (own_policy, "caller_policy")]
    {
        let refused = row(id);
        assert_eq!((refused["cause"].as_str(), refused["action"].as_str()), (Some(cause), Some("none")), "{refused}");
        assert_eq!(refused["result"], "skipped");
        assert_eq!(refused["status_after"], "blocked");
    }
    assert!(row(external)["detail"].as_str().is_some_and(|d| d.contains("external ID")), "{rows:?}");
    assert!(row(own_policy)["detail"].as_str().is_some_and(|d| d.contains("DenyOneAccount")), "{rows:?}");

    // AWS now holds: the new role trusting the management account with AdministratorAccess, and
    // the old trust statement kept beside the new one.
    let state = setup.fake.state();
    let new: Value = serde_json::from_str(&state.iam.roles[&(missing.clone(), ROLE.to_string())]).expect("JSON");
    assert_eq!(new["Statement"][0]["Principal"]["AWS"], format!("arn:aws:iam::{}:root", setup.management));
    assert_eq!(
        state.iam.attached[&(missing.clone(), ROLE.to_string())],
        ["arn:aws:iam::aws:policy/AdministratorAccess"]
    );
    let widened: Value = serde_json::from_str(&state.iam.roles[&(foreign.clone(), ROLE.to_string())]).expect("JSON");
    assert_eq!(widened["Statement"][0]["Principal"]["AWS"], "arn:aws:iam::999999999999:root");
    assert_eq!(widened["Statement"][1]["Principal"]["AWS"], format!("arn:aws:iam::{}:root", setup.management));
    let external_trust = &state.iam.roles[&(external.clone(), ROLE.to_string())];
    assert!(external_trust.contains("vendor-secret"), "the external ID condition stays");
    drop(state);
    assert_eq!(setup.writes(), ["CreateRole", "AttachRolePolicy", "UpdateAssumeRolePolicy"]);
    // The cause was read and the repair written through one session per account: the three
    // accounts the probe went into (the SCP's cause needs none) asked the portal once each.
    assert_eq!(setup.fake.calls_to("GetRoleCredentials").len(), 3);
    // The plan was shown before: the role to create and the trust before → after.
    assert!(
        stderr.contains("create arn:aws:iam::") && stderr.contains("before:") && stderr.contains("after:"),
        "{stderr}"
    );
}

#[test]
fn a_dry_run_shows_the_plan_and_writes_nothing() {
    let setup = setup();
    let out = setup.fix(&["--dry-run", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let rows: Vec<Value> = serde_json::from_slice(&out.stdout).expect("JSON rows");
    let results: Vec<(&str, &str)> =
        rows.iter().map(|r| (r["action"].as_str().unwrap_or(""), r["result"].as_str().unwrap_or(""))).collect();
    assert_eq!(
        results,
        [
            ("create_role", "planned"),
            ("update_trust", "planned"),
            ("none", "skipped"),
            ("none", "skipped"),
            ("none", "skipped"),
            ("none", "skipped")
        ]
    );
    assert!(rows.iter().all(|r| r["status_after"].is_null()), "nothing probed again");
    assert_eq!(setup.writes(), Vec::<String>::new());
}

#[test]
fn without_a_terminal_or_yes_nothing_is_read_or_written() {
    let setup = setup();
    let out = setup.fix(&[]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--yes") && stderr.contains("nothing was read or written"), "{stderr}");
    assert!(setup.fake.calls().is_empty(), "no AWS call at all");
    // --yes and --dry-run contradict each other: a usage error, before anything is read.
    let unknown = setup.fix(&["--yes", "--dry-run"]);
    assert_eq!(unknown.status.code(), Some(2), "--yes and --dry-run conflict");
}
