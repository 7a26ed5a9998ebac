//! `orgscope fix --stackset` end to end against the local endpoint's CloudFormation: the
//! service-managed StackSet `orgscope-access-role` installs `OrgscopeAccessRole` — a name AWS never
//! creates — in exactly the blocked accounts a role of their own cures (no foothold needed), the
//! operation is followed to its end, and those accounts are reachable afterwards. Accounts that
//! already hold `OrganizationAccountAccessRole` are never targeted; an instance whose role exists
//! already fails as AWS fails it, and says so; an SCP is not worked around.

mod common;

use common::fake_aws::{Canned, FakeAws, FakeOrg};
use serde_json::Value;

const OAAR: &str = "OrganizationAccountAccessRole";
const OWN: &str = "OrgscopeAccessRole";

struct Setup {
    fake: FakeAws,
    home: tempfile::TempDir,
    management: String,
    /// Three without any role, one whose OAAR trusts someone else, one denied by an SCP, one
    /// where someone created OrgscopeAccessRole for someone else, two created accounts that work.
    ids: Vec<String>,
}

fn setup() -> Setup {
    let org = FakeOrg::generate(14, 3, 1);
    let fake = FakeAws::start(org.clone());
    let management = org.management_id.clone();
    let ids: Vec<String> = org
        .accounts
        .iter()
        .filter(|a| a.status == "ACTIVE" && a.id != management)
        .map(|a| a.id.clone())
        .take(8)
        .collect();
    let trust = |account: &str| {
        format!(
            r#"{{"Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{account}:root"}},"Action":"sts:AssumeRole"}}]}}"#
        )
    };
    {
        let mut state = fake.state();
        for id in ids.iter().take(6).chain(&ids[6..8]) {
            state.iam.modeled.insert(id.clone());
        }
        state.iam.roles.insert((ids[3].clone(), OAAR.into()), trust("999999999999"));
        state.iam.roles.insert((ids[5].clone(), OWN.into()), trust("999999999999"));
        for created in &ids[6..8] {
            state.iam.roles.insert((created.clone(), OAAR.into()), trust(&management));
        }
        let caller = format!("arn:aws:iam::{management}:user/admin");
        let message = format!(
            "User: {caller} is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::{}:role/{OAAR} with an explicit deny in a service control policy",
            ids[4]
        );
        state.assume_denials.insert(ids[4].clone(), Canned::new(403, "AccessDenied", &message));
    }
    let home = tempfile::tempdir().expect("temp home");
    Setup { fake, home, management, ids }
}

impl Setup {
    fn fix(&self, args: &[&str]) -> std::process::Output {
        let mut command = common::fake_command(self.home.path(), &self.fake.url());
        command.arg("fix").args(&self.ids[..6]).arg("--stackset").args(args).output().expect("orgscope runs")
    }
}

#[test]
fn the_stackset_installs_its_own_role_where_it_cures_and_the_accounts_turn_reachable() {
    let setup = setup();
    let out = setup.fix(&["--yes", "--format", "json"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "the SCP account and the taken name stay blocked: {stderr}");
    let rows: Vec<Value> = serde_json::from_slice(&out.stdout).expect("JSON rows");
    let row = |id: &str| rows.iter().find(|r| r["account_id"] == id).cloned().expect("a row");
    for id in &setup.ids[..4] {
        let row = row(id);
        assert_eq!(row["action"], "stack_instance", "{row}");
        assert_eq!((row["result"].as_str(), row["status_after"].as_str()), (Some("fixed"), Some("reachable")), "{row}");
    }
    let scp = row(&setup.ids[4]);
    assert_eq!((scp["action"].as_str(), scp["result"].as_str()), (Some("none"), Some("skipped")), "{scp}");
    let taken = row(&setup.ids[5]);
    assert_eq!(taken["result"], "failed", "{taken}");
    assert!(taken["detail"].as_str().is_some_and(|d| d.contains("OrgscopeAccessRole already exists")), "{taken}");

    let state = setup.fake.state();
    let parameters = &state.cfn.stack_sets["orgscope-access-role"];
    assert_eq!(parameters["RoleName"], OWN, "a name AWS never creates");
    assert_eq!(parameters["ManagementAccountId"], setup.management);
    let mut targeted: Vec<&str> = state.cfn.instances.iter().map(|i| i.account.as_str()).collect();
    targeted.sort();
    let mut wanted: Vec<&str> = [0, 1, 2, 3, 5].iter().map(|&i| setup.ids[i].as_str()).collect();
    wanted.sort();
    assert_eq!(targeted, wanted, "exactly the accounts a role of their own cures");
    let failed: Vec<_> = state.cfn.instances.iter().filter(|i| i.status != "CURRENT").map(|i| &i.account).collect();
    assert_eq!(failed, [&setup.ids[5]], "no instance fails but where the name was taken");
    for created in &setup.ids[6..8] {
        assert!(!state.cfn.instances.iter().any(|i| &i.account == created), "a working account is not touched");
    }
    drop(state);
    assert!(stderr.contains("StackSet orgscope-access-role") && stderr.contains("RUNNING"), "{stderr}");
    assert!(stderr.contains("FAILED"), "the operation's end is said: {stderr}");
}

#[test]
fn a_stackset_dry_run_writes_nothing_and_no_terminal_asks_for_yes() {
    let setup = setup();
    let out = setup.fix(&["--dry-run", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let rows: Vec<Value> = serde_json::from_slice(&out.stdout).expect("JSON rows");
    assert_eq!(rows.iter().filter(|r| r["result"] == "planned").count(), 5);
    let writes = ["CreateStackSet", "CreateStackInstances"];
    assert!(setup.fake.calls().iter().all(|c| !writes.contains(&c.op.as_str())), "nothing deployed");

    let out = setup.fix(&[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(setup.fake.calls().iter().all(|c| !writes.contains(&c.op.as_str())));
}
