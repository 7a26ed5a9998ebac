//! The cause read from inside the account: through a role of your Identity Center sign-in there
//! (the foothold), `iam:GetRole` says whether the role exists and what its trust policy wants, and
//! the probe names the cause — missing, a trust for someone else, an external ID (none sent, or
//! another), MFA, another condition — with the statement and the foothold used. End to end: the
//! real binary, the real SDK, the local endpoint's IAM and access portal.

mod common;

use common::fake_aws::{FakeAws, FakeOrg};
use common::footholds::{sign_in, trust};
use serde_json::{Value, json};

const ROLE: &str = "OrganizationAccountAccessRole";

#[test]
fn each_cause_is_read_through_the_sign_ins_role_in_the_account() {
    let org = FakeOrg::generate(16, 2, 1);
    let fake = FakeAws::start(org.clone());
    let management = org.management_id.clone();
    let ids: Vec<String> =
        org.accounts.iter().filter(|a| a.status == "ACTIVE" && a.id != management).map(|a| a.id.clone()).collect();
    let [missing, other, needs_ext, wrong_ext, mfa, tagged, no_foothold] = std::array::from_fn(|i| ids[i].clone());
    {
        let mut state = fake.state();
        for id in [&missing, &other, &needs_ext, &wrong_ext, &mfa, &tagged, &no_foothold] {
            state.iam.modeled.insert(id.clone());
            if id != &no_foothold {
                state.portal.roles.insert(id.clone(), vec!["ReadOnly".into()]);
            }
        }
        let mut role = |id: &String, document: String| {
            state.iam.roles.insert((id.clone(), ROLE.into()), document);
        };
        role(&other, trust("999999999999", Value::Null));
        role(&needs_ext, trust(&management, json!({"StringEquals": {"sts:ExternalId": "ext-c"}})));
        role(&wrong_ext, trust(&management, json!({"StringEquals": {"sts:ExternalId": "ext-d"}})));
        role(&mfa, trust(&management, json!({"Bool": {"aws:MultiFactorAuthPresent": "true"}})));
        role(&tagged, trust(&management, json!({"StringEquals": {"aws:PrincipalTag/team": "platform"}})));
    }
    let home = tempfile::tempdir().expect("temp home");
    sign_in(&fake, home.path());
    let config = home.path().join("orgscope.toml");
    std::fs::write(&config, format!("[accounts.\"{wrong_ext}\"]\nexternal_id = \"not-ext-d\"\n")).expect("config");
    let out = common::fake_command(home.path(), &fake.url())
        .arg("--config")
        .arg(&config)
        .args(["probe", "--format", "json"])
        .output()
        .expect("orgscope runs");
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let rows: Vec<Value> = serde_json::from_slice(&out.stdout).expect("JSON");
    let row = |id: &str| rows.iter().find(|r| r["account_id"] == id).cloned().expect("a row");

    let cases = [
        (&missing, "role_missing", "role", Value::Null),
        (&other, "trust_excludes_caller", "trust_policy", Value::Null),
        (&needs_ext, "external_id_required", "trust_policy", json!("TrustManagement")),
        (&wrong_ext, "external_id_mismatch", "trust_policy", json!("TrustManagement")),
        (&mfa, "mfa_required", "trust_policy", json!("TrustManagement")),
        (&tagged, "trust_condition", "trust_policy", json!("TrustManagement")),
    ];
    for (id, cause, source, statement) in cases {
        let row = row(id);
        assert_eq!(row["status"], "blocked", "{row}");
        assert_eq!(row["cause"], cause, "{row}");
        assert_eq!(row["evidence"]["source"], source, "{row}");
        assert_eq!(row["evidence"]["statement"], statement, "{row}");
        assert_eq!(row["evidence"]["read_via"], "sso:ReadOnly", "{row}");
        assert!(row["evidence"]["attached_to"].is_null(), "a trust policy is attached to nothing: {row}");
    }
    let unknown = row(&no_foothold);
    assert_eq!(unknown["cause"], "unknown", "{unknown}");
    assert!(unknown["evidence"]["missing"].as_str().is_some_and(|m| m.contains("iam:GetRole")), "{unknown}");

    // One GetRole per blocked account with a foothold, each signed by the portal's credentials
    // for that account; nothing written.
    let calls = fake.calls();
    let reads: Vec<_> = calls.iter().filter(|c| c.service == "iam").collect();
    assert_eq!(reads.len(), 6, "{reads:?}");
    assert!(reads.iter().all(|c| c.op == "GetRole" && c.params["RoleName"] == ROLE));
    assert!(fake.state().portal.issued.iter().all(|(_, account, role)| role == "ReadOnly" && account != &no_foothold));
}
