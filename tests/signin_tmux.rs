//! Switching role through your own Identity Center sign-in in a real terminal: the real binary in
//! tmux against the local endpoint's portal. An account blocked for the cross-account role but
//! reachable through the portal is marked ◈; Enter on it through the `init` function puts portal
//! credentials into the calling bash, and they work (GetCallerIdentity answers as that account);
//! an account with two roles asks which one first.

mod common;

use common::fake_aws::{Canned, FakeAws, FakeOrg};
use common::tmux::Tmux;

const CONFIG: &str = "[default]\nsso_session = corp\n\n[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n";

struct Setup {
    fake: FakeAws,
    home: tempfile::TempDir,
    tmux: Tmux,
    one_role: String,
    two_roles: String,
}

/// Two accounts blocked for the role: `account-00002` where the portal offers ReadOnly, and
/// `account-00004` where it offers PowerUser and ReadOnly.
fn setup() -> Option<Setup> {
    let org = FakeOrg::generate(6, 1, 1);
    let (one_role, two_roles) = (org.accounts[2].id.clone(), org.accounts[4].id.clone());
    let fake = FakeAws::start(org);
    {
        let mut state = fake.state();
        for id in [&one_role, &two_roles] {
            state
                .assume_denials
                .insert(id.clone(), Canned::new(403, "AccessDenied", "not authorized to perform: sts:AssumeRole"));
        }
        state.portal.roles.insert(one_role.clone(), vec!["ReadOnly".into()]);
        state.portal.roles.insert(two_roles.clone(), vec!["ReadOnly".into(), "PowerUser".into()]);
        let token = state.portal.issued_token.clone();
        state.portal.valid_tokens.insert(token);
    }
    let home = tempfile::tempdir().expect("temp dir");
    std::fs::write(home.path().join("aws-config"), CONFIG).expect("config");
    let token = fake.state().portal.issued_token.clone();
    let cache = home.path().join(".aws/sso/cache");
    std::fs::create_dir_all(&cache).expect("cache dir");
    let expires = (chrono::Utc::now() + chrono::Duration::hours(8)).format("%Y-%m-%dT%H:%M:%SZ");
    std::fs::write(
        cache.join("ee0bfd2552fbd840c02cc48b6e823320543c450f.json"),
        format!(r#"{{"startUrl":"https://corp.awsapps.com/start","region":"us-east-1","accessToken":"{token}","expiresAt":"{expires}"}}"#),
    )
    .expect("cache");
    let tmux = common::tmux::against_fake(home.path(), 150, 40)?;
    tmux.wait_for("the shell prompt", |s| s.contains('$'));
    let bin = common::orgscope_bin();
    let dir = bin.parent().map(|d| d.display().to_string()).unwrap_or_default();
    tmux.type_text(&format!("export PATH='{dir}':\"$PATH\"; eval \"$(orgscope init bash)\"; clear"));
    tmux.send_keys(&["Enter"]);
    tmux.wait_for("the cleared prompt", |s| !s.contains("export PATH"));
    Some(Setup { fake, home, tmux, one_role, two_roles })
}

impl Setup {
    /// Starts the TUI through the init function and selects `name` with the filter.
    fn open_on(&self, name: &str) {
        let tmux = &self.tmux;
        tmux.type_text(&format!("orgscope --no-cache --endpoint-url {}", self.fake.url()));
        tmux.send_keys(&["Enter"]);
        tmux.wait_for("the probed tree with the portal's roles", |s| {
            s.contains("2 blocked") && !s.contains("probing") && s.contains("◈ SSO 2 accounts")
        });
        tmux.send_keys(&["/"]);
        tmux.type_text(name);
        tmux.send_keys(&["Enter"]);
        tmux.wait_for(&format!("{name} selected and marked ◈"), |s| {
            s.lines().any(|l| l.contains('›') && l.contains(name) && l.contains("◈") && l.contains("via SSO"))
        });
    }

    /// The AWS variables the shell holds now.
    fn shell_credentials(&self) -> (String, String, String) {
        let tmux = &self.tmux;
        tmux.type_text("clear; echo \"K=$AWS_ACCESS_KEY_ID S=$AWS_SECRET_ACCESS_KEY T=$AWS_SESSION_TOKEN E\"");
        tmux.send_keys(&["Enter"]);
        let screen =
            tmux.wait_for("the shell to answer", |s| s.lines().any(|l| l.starts_with("K=") && l.ends_with(" E")));
        let line = screen.lines().find(|l| l.starts_with("K=")).unwrap_or_default().to_string();
        let field =
            |key: &str| line.split_whitespace().find_map(|w| w.strip_prefix(key)).unwrap_or_default().to_string();
        (field("K="), field("S="), field("T="))
    }
}

async fn whoami(url: &str, (key, secret, token): (String, String, String)) -> String {
    let credentials = aws_credential_types::Credentials::new(key, secret, Some(token), None, "shell");
    common::caller_identity(url, credentials).await.1
}

#[tokio::test(flavor = "multi_thread")]
async fn enter_on_a_role_blocked_account_switches_the_shell_through_the_portal() {
    let Some(setup) = setup() else { return };
    setup.open_on("account-00002");
    setup.tmux.wait_for("the detail pane's Identity Center reason", |s| {
        s.contains("Blocked for the role, but reachable through Identity Center") && s.contains("as ReadOnly")
    });
    // The probe read the blocked accounts' causes through the portal already; Enter asks once more.
    let before = setup.fake.calls_to("GetRoleCredentials").len();
    setup.tmux.send_keys(&["Enter"]);
    setup.tmux.wait_for("the TUI to exit", |s| !s.contains("Organization o-fa1e"));
    let credentials = setup.shell_credentials();
    assert!(credentials.0.starts_with("ASIAPORTAL"), "portal credentials in the shell: {credentials:?}");
    let arn = whoami(&setup.fake.url(), credentials).await;
    assert!(
        arn.starts_with(&format!("arn:aws:sts::{}:assumed-role/AWSReservedSSO_ReadOnly_", setup.one_role)),
        "the shell acts as the blocked account through the portal: {arn}"
    );
    assert_eq!(setup.fake.calls_to("GetRoleCredentials").len(), before + 1);
    drop(setup.home);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_account_with_two_portal_roles_asks_which_one() {
    let Some(setup) = setup() else { return };
    setup.open_on("account-00004");
    let before = setup.fake.calls_to("GetRoleCredentials").len();
    setup.tmux.send_keys(&["Enter"]);
    setup.tmux.wait_for("the role picker", |s| {
        s.contains("account-00004 through Identity Center") && s.contains("› PowerUser") && s.contains("  ReadOnly")
    });
    assert_eq!(setup.fake.calls_to("GetRoleCredentials").len(), before, "nothing is asked before a role is picked");
    setup.tmux.send_keys(&["j"]);
    setup.tmux.wait_for("ReadOnly chosen", |s| s.contains("› ReadOnly"));
    setup.tmux.send_keys(&["Enter"]);
    setup.tmux.wait_for("the TUI to exit", |s| !s.contains("Organization o-fa1e"));
    let arn = whoami(&setup.fake.url(), setup.shell_credentials()).await;
    assert!(
        arn.starts_with(&format!("arn:aws:sts::{}:assumed-role/AWSReservedSSO_ReadOnly_", setup.two_roles)),
        "{arn}"
    );
}
