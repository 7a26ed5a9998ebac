//! Your own Identity Center sign-in, end to end: the real binary and the real SDK clients
//! (aws-sdk-ssooidc, aws-sdk-sso, aws-config's SSO token provider and SSO credentials provider)
//! against the local endpoint's portal and OIDC. Login writes the AWS CLI's cache; `roles`,
//! `assume --via sso|auto`, `probe` and `profiles --sso` read through it; the token reaches no
//! log, stdout, stderr or file but the cache; botocore (the AWS CLI's library) signs in with the
//! file `orgscope login` wrote.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::fake_aws::{Canned, FakeAws, FakeOrg, Faults, RateLimit};
use serde_json::Value;

const CONFIG: &str = "[default]\nsso_session = corp\nregion = eu-west-1\n\n[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\nsso_registration_scopes = sso:account:access\n";

/// The AWS CLI's cache file for the sso-session `corp`: sha1("corp").
fn cache_file(home: &Path) -> PathBuf {
    home.join(".aws/sso/cache/ee0bfd2552fbd840c02cc48b6e823320543c450f.json")
}

struct Setup {
    fake: FakeAws,
    home: tempfile::TempDir,
    org: FakeOrg,
}

/// Six accounts; the portal offers roles in four of them (two in the second).
fn setup() -> Setup {
    let org = FakeOrg::generate(6, 2, 1);
    let fake = FakeAws::start(org.clone());
    {
        let mut state = fake.state();
        let ids: Vec<String> = org.accounts.iter().map(|a| a.id.clone()).collect();
        state.portal.roles.insert(ids[1].clone(), vec!["AdministratorAccess".into()]);
        state.portal.roles.insert(ids[2].clone(), vec!["ReadOnly".into(), "PowerUser".into()]);
        state.portal.roles.insert(ids[3].clone(), vec!["ReadOnly".into()]);
        state.portal.roles.insert(ids[4].clone(), vec!["Billing".into()]);
    }
    let home = tempfile::tempdir().expect("temp home");
    std::fs::write(home.path().join("aws-config"), CONFIG).expect("config");
    Setup { fake, home, org }
}

impl Setup {
    fn id(&self, n: usize) -> String {
        self.org.accounts[n].id.clone()
    }

    fn name(&self, n: usize) -> String {
        self.org.accounts[n].name.clone()
    }

    fn command(&self) -> Command {
        let mut command = common::fake_command(self.home.path(), &self.fake.url());
        command.env("ORGSCOPE_LOG_FILE", self.home.path().join("orgscope.log")).env("RUST_LOG", "trace");
        command
    }

    fn run(&self, args: &[&str]) -> Output {
        self.command().args(args).output().expect("orgscope runs")
    }

    /// A valid sign-in in the cache, as `aws sso login` leaves it.
    fn signed_in(&self, expires_in: chrono::Duration) -> String {
        let token = self.fake.state().portal.issued_token.clone();
        self.fake.state().portal.valid_tokens.insert(token.clone());
        let path = cache_file(self.home.path());
        std::fs::create_dir_all(path.parent().expect("dir")).expect("cache dir");
        let at = |t: chrono::DateTime<chrono::Utc>| t.format("%Y-%m-%dT%H:%M:%SZ").to_string();
        let now = chrono::Utc::now();
        let cache = serde_json::json!({
            "startUrl": "https://corp.awsapps.com/start",
            "region": "eu-west-1",
            "accessToken": token,
            "expiresAt": at(now + expires_in),
            "clientId": "fake-client-id",
            "clientSecret": "fake-client-secret-9a8b7c",
            "registrationExpiresAt": at(now + chrono::Duration::days(30)),
            "refreshToken": self.fake.state().portal.refresh_token.clone(),
        });
        std::fs::write(&path, cache.to_string()).expect("cache");
        token
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Every file under `dir` but `except`, with its contents.
fn files_under(dir: &Path, except: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    common::files_under(dir).into_iter().filter(|(path, _)| path != except).collect()
}

fn assert_absent(secret: &str, outputs: &[&Output], setup: &Setup) {
    for output in outputs {
        assert!(!text(&output.stdout).contains(secret), "the token reached stdout");
        assert!(!text(&output.stderr).contains(secret), "the token reached stderr");
    }
    let files = files_under(setup.home.path(), &cache_file(setup.home.path()));
    assert!(files.iter().any(|(p, _)| p.ends_with("orgscope.log")), "the trace log was written");
    for (path, contents) in files {
        assert!(!String::from_utf8_lossy(&contents).contains(secret), "the token reached {}", path.display());
    }
}

#[test]
fn login_polls_past_pending_and_writes_the_aws_cli_cache_that_roles_reads() {
    let setup = setup();
    setup.fake.state().portal.pending = 2;
    let login = setup.run(&["login", "--use-device-code", "--no-browser"]);
    let stderr = text(&login.stderr);
    assert!(login.status.success(), "{stderr}");
    assert!(stderr.contains("https://device.sso.eu-west-1.amazonaws.com/?user_code=WXYZ-1234"), "{stderr}");
    assert!(stderr.contains("WXYZ-1234") && stderr.contains("signed in (sso-session corp)"), "{stderr}");
    assert!(login.stdout.is_empty(), "login prints nothing on stdout");

    // Registered for the session's scopes and for refreshing, then polled once a second.
    let register = setup.fake.calls_to("RegisterClient");
    assert_eq!(register.len(), 1);
    assert_eq!(register[0].params["scopes"], serde_json::json!(["sso:account:access"]));
    assert_eq!(register[0].params["issuerUrl"], "https://corp.awsapps.com/start");
    let polls = setup.fake.calls_to("CreateToken");
    assert_eq!(polls.len(), 3, "two pending answers, then the token");
    for pair in polls.windows(2) {
        assert!(pair[1].at.duration_since(pair[0].at).as_millis() >= 900, "polled faster than the interval");
    }

    // The AWS CLI's file: its name, its fields, mode 0600.
    let path = cache_file(setup.home.path());
    let mode = std::fs::metadata(&path).expect("the cache file").permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let cache: Value = serde_json::from_slice(&std::fs::read(&path).expect("cache")).expect("JSON");
    let token = setup.fake.state().portal.issued_token.clone();
    assert_eq!(cache["accessToken"], token.as_str());
    assert_eq!(cache["startUrl"], "https://corp.awsapps.com/start");
    assert_eq!(cache["region"], "eu-west-1");
    assert_eq!(cache["clientId"], "fake-client-id");
    assert_eq!(cache["refreshToken"], setup.fake.state().portal.refresh_token.as_str());
    for key in ["expiresAt", "registrationExpiresAt"] {
        let at = cache[key].as_str().unwrap_or_default();
        assert!(chrono::DateTime::parse_from_rfc3339(at).is_ok() && at.ends_with('Z'), "{key}: {at}");
    }

    // aws-config's token provider reads it: `roles` lists every role, sorted.
    let roles = setup.run(&["roles", "--format", "json"]);
    assert!(roles.status.success(), "{}", text(&roles.stderr));
    let rows: Vec<Value> = serde_json::from_slice(&roles.stdout).expect("JSON rows");
    let mut expected: Vec<(String, String, String)> = Vec::new();
    for (n, role) in [(1, "AdministratorAccess"), (2, "PowerUser"), (2, "ReadOnly"), (3, "ReadOnly"), (4, "Billing")] {
        expected.push((setup.name(n), role.to_string(), setup.id(n)));
    }
    expected.sort_by_key(|a| (a.0.to_lowercase(), a.1.to_lowercase()));
    let seen: Vec<(String, String, String)> = rows
        .iter()
        .map(|r| {
            assert_eq!(r.as_object().map(|o| o.len()), Some(3), "{r}");
            (
                r["account_name"].as_str().unwrap_or_default().into(),
                r["role_name"].as_str().unwrap_or_default().into(),
                r["account_id"].as_str().unwrap_or_default().into(),
            )
        })
        .collect();
    assert_eq!(seen, expected);
    let listed = setup.fake.calls_to("ListAccountRoles");
    assert!(listed.iter().all(|c| c.params["token"] == token.as_str()), "the portal got the cached token");

    let text_roles = setup.run(&["roles"]);
    assert!(text(&text_roles.stdout).contains(&format!("{}  ", setup.id(1))), "{}", text(&text_roles.stdout));
    assert_absent(&token, &[&login, &roles, &text_roles], &setup);
}

#[test]
fn slow_down_adds_five_seconds_to_the_polling_interval() {
    let setup = setup();
    setup.fake.state().portal.slow_downs = 1;
    let login = setup.run(&["login", "--use-device-code", "--no-browser"]);
    assert!(login.status.success(), "{}", text(&login.stderr));
    let polls = setup.fake.calls_to("CreateToken");
    assert_eq!(polls.len(), 2);
    let gap = polls[1].at.duration_since(polls[0].at);
    assert!(gap.as_secs_f64() >= 5.9, "after slow_down the next poll waits interval + 5 s, waited {gap:?}");
}

#[test]
fn without_a_usable_sign_in_roles_says_to_log_in() {
    let setup = setup();
    let missing = setup.run(&["roles"]);
    assert_eq!(missing.status.code(), Some(1));
    let stderr = text(&missing.stderr);
    assert!(stderr.contains("not signed in") && stderr.contains("run `orgscope login --sso-session corp`"), "{stderr}");
    assert!(stderr.contains("aws sso login --sso-session corp"), "{stderr}");

    // Expired, with nothing to refresh it with.
    let path = cache_file(setup.home.path());
    std::fs::create_dir_all(path.parent().expect("dir")).expect("dir");
    std::fs::write(&path, r#"{"startUrl":"https://corp.awsapps.com/start","region":"eu-west-1","accessToken":"old","expiresAt":"2020-01-01T00:00:00Z"}"#).expect("cache");
    let expired = setup.run(&["roles"]);
    assert_eq!(expired.status.code(), Some(1));
    assert!(
        text(&expired.stderr).contains("expired") && text(&expired.stderr).contains("orgscope login"),
        "{}",
        text(&expired.stderr)
    );

    // A token the portal does not know: UnauthorizedException.
    std::fs::write(&path, r#"{"startUrl":"https://corp.awsapps.com/start","region":"eu-west-1","accessToken":"forged","expiresAt":"2099-01-01T00:00:00Z"}"#).expect("cache");
    let refused = setup.run(&["roles", "--format", "json"]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        text(&refused.stderr).contains("refused") && text(&refused.stderr).contains("orgscope login"),
        "{}",
        text(&refused.stderr)
    );
    assert!(refused.stdout.is_empty());

    // No sign-in configured at all: how to add one.
    std::fs::write(setup.home.path().join("aws-config"), "[default]\nregion = eu-west-1\n").expect("config");
    let unconfigured = setup.run(&["roles"]);
    assert_eq!(unconfigured.status.code(), Some(1));
    let stderr = text(&unconfigured.stderr);
    assert!(stderr.contains("[sso-session") && stderr.contains("sso_start_url = "), "{stderr}");
}

/// However the filter spells trace (the level in capitals, as a number, per crate), the log holds
/// no bearer token, and it is the user's alone: the file 0600 in a 0700 directory.
#[test]
fn the_log_holds_no_token_at_any_spelling_of_trace_and_is_private() {
    let setup = setup();
    let token = setup.signed_in(chrono::Duration::hours(1));
    let log = setup.home.path().join("state/orgscope/orgscope.log");
    for filter in
        ["TRACE", "5", "aws_smithy_runtime=5", "aws_smithy_runtime=trace,aws_sigv4=trace,hyper=trace", "trace"]
    {
        let _ = std::fs::remove_file(&log);
        let output = common::fake_command(setup.home.path(), &setup.fake.url())
            .env("ORGSCOPE_LOG", filter)
            .args(["roles", "--format", "json"])
            .output()
            .expect("orgscope runs");
        assert!(output.status.success(), "{filter}: {}", text(&output.stderr));
        let written = std::fs::read_to_string(&log).expect("the log");
        assert!(!written.is_empty(), "{filter}: the log was written");
        assert!(!written.contains(&token), "{filter}: the bearer token is in the log");
        assert!(!written.to_lowercase().contains("x-amz-sso_bearer_token: "), "{filter}: the header is in the log");
        let mode = |path: &Path| std::fs::metadata(path).map(|m| m.permissions().mode() & 0o777).unwrap_or(0);
        assert_eq!(mode(&log), 0o600, "{filter}: the log's mode");
        assert_eq!(mode(log.parent().expect("dir")), 0o700, "{filter}: the log directory's mode");
    }
}

#[test]
fn an_expiring_token_is_refreshed_and_saved_like_the_aws_cli_does() {
    let setup = setup();
    setup.signed_in(chrono::Duration::minutes(2));
    let roles = setup.run(&["roles", "--format", "json"]);
    assert!(roles.status.success(), "{}", text(&roles.stderr));
    let refresh = setup.fake.calls_to("CreateToken");
    assert_eq!(refresh.len(), 1);
    assert_eq!(refresh[0].params["grantType"], "refresh_token");
    let cache: Value =
        serde_json::from_slice(&std::fs::read(cache_file(setup.home.path())).expect("cache")).expect("JSON");
    assert!(cache["accessToken"].as_str().is_some_and(|t| t.ends_with("-refreshed")), "{cache}");
    assert!(
        setup
            .fake
            .calls_to("ListAccounts")
            .iter()
            .all(|c| c.params["token"].as_str().is_some_and(|t| t.ends_with("-refreshed")))
    );
}

#[test]
fn listings_page_survive_throttling_and_show_one_account_failing_in_place() {
    let setup = setup();
    let token = setup.signed_in(chrono::Duration::hours(8));
    {
        let mut state = setup.fake.state();
        state.portal.page = 1;
        state.portal.role_errors.insert(setup.id(4), Canned::new(500, "InternalServerException", "roles unavailable"));
    }
    let mut faults = Faults::default();
    faults.rate_limits.insert("portal".into(), RateLimit::new(5.0));
    setup.fake.set_faults(faults);
    let roles = setup.run(&["roles", "--format", "json"]);
    let stderr = text(&roles.stderr);
    assert!(roles.status.success(), "{stderr}");
    let rows: Vec<Value> = serde_json::from_slice(&roles.stdout).expect("JSON");
    assert_eq!(rows.len(), 4, "every role but the failing account's: {rows:?}");
    assert!(stderr.contains(&setup.id(4)) && stderr.contains("could not be listed"), "{stderr}");
    assert!(setup.fake.calls_to("ListAccounts").len() >= 4, "one account a page");
    // Throttled on the way: a failed call other than the failing account's own 500s.
    let throttled =
        setup.fake.calls().iter().filter(|c| c.failed && c.params["account_id"] != setup.id(4).as_str()).count();
    assert!(throttled > 0, "the portal throttled some calls and every one was retried");
    assert_absent(&token, &[&roles], &setup);
}

#[tokio::test(flavor = "multi_thread")]
async fn assume_via_sso_hands_out_credentials_that_act_as_the_target_account() {
    let setup = setup();
    let token = setup.signed_in(chrono::Duration::hours(8));
    let target = setup.id(1);
    let assume = setup.run(&["assume", &target, "--via", "sso", "--format", "json"]);
    assert!(assume.status.success(), "{}", text(&assume.stderr));
    let json: Value = serde_json::from_slice(&assume.stdout).expect("JSON");
    assert_eq!(json["via"], "sso");
    assert_eq!(json["sso_role"], "AdministratorAccess");
    assert_eq!(json["account_id"], target.as_str());
    assert!(
        json["role_arn"].as_str().is_some_and(
            |a| a.starts_with(&format!("arn:aws:sts::{target}:assumed-role/AWSReservedSSO_AdministratorAccess_"))
        ),
        "{json}"
    );
    let credentials = aws_credential_types::Credentials::new(
        json["access_key_id"].as_str().unwrap_or_default(),
        json["secret_access_key"].as_str().unwrap_or_default(),
        json["session_token"].as_str().map(str::to_string),
        None,
        "portal",
    );
    let (account, _) = common::caller_identity(&setup.fake.url(), credentials).await;
    assert_eq!(account, target);
    assert!(setup.fake.calls_to("AssumeRole").is_empty(), "--via sso never calls AssumeRole");
    // Kept: the portal is not asked again while the session has life left.
    let asked = setup.fake.calls_to("GetRoleCredentials").len();
    let kept = setup.run(&["assume", &target, "--via", "sso", "--format", "json"]);
    let kept: Value = serde_json::from_slice(&kept.stdout).expect("JSON");
    assert_eq!(kept["access_key_id"], json["access_key_id"]);
    assert_eq!(setup.fake.calls_to("GetRoleCredentials").len(), asked, "no portal call for a kept session");

    // An expiration out of range is no lifetime to make up: a clear error, nothing on stdout.
    let mut faults = Faults::default();
    faults.garbage_ops.insert(
        "GetRoleCredentials".into(),
        r#"{"roleCredentials":{"accessKeyId":"ASIAX","secretAccessKey":"s","sessionToken":"t","expiration":9223372036854775807}}"#.into(),
    );
    setup.fake.set_faults(faults);
    let garbage = setup.run(&["assume", &target, "--via", "sso", "--no-cache"]);
    assert_eq!(garbage.status.code(), Some(1));
    assert!(
        garbage.stdout.is_empty() && text(&garbage.stderr).contains("without credentials"),
        "{}",
        text(&garbage.stderr)
    );
    setup.fake.set_faults(Faults::default());

    // By name; two roles and no preference: exit 2 naming both; a role not offered: exit 2.
    let several = setup.run(&["assume", &setup.name(2), "--via", "sso"]);
    assert_eq!(several.status.code(), Some(2));
    assert!(
        text(&several.stderr).contains("PowerUser, ReadOnly") && text(&several.stderr).contains("--sso-role"),
        "{}",
        text(&several.stderr)
    );
    let missing = setup.run(&["assume", &setup.id(2), "--via", "sso", "--sso-role", "Billing"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        text(&missing.stderr).contains("offers no role Billing")
            && text(&missing.stderr).contains("PowerUser, ReadOnly"),
        "{}",
        text(&missing.stderr)
    );
    assert!(several.stdout.is_empty() && missing.stdout.is_empty());
    let picked = setup.run(&["assume", &setup.id(2), "--via", "sso", "--sso-role", "ReadOnly", "--format", "json"]);
    assert!(picked.status.success(), "{}", text(&picked.stderr));
    assert_eq!(serde_json::from_slice::<Value>(&picked.stdout).expect("JSON")["sso_role"], "ReadOnly");

    // The config's sso_roles order the choice.
    let config_dir = setup.home.path().join("config/orgscope");
    std::fs::create_dir_all(&config_dir).expect("config dir");
    std::fs::write(config_dir.join("config.toml"), "sso_roles = [\"Billing\", \"PowerUser\"]\n").expect("config");
    let preferred = setup.run(&["assume", &setup.id(2), "--via", "sso", "--format", "json"]);
    assert!(preferred.status.success(), "{}", text(&preferred.stderr));
    assert_eq!(serde_json::from_slice::<Value>(&preferred.stdout).expect("JSON")["sso_role"], "PowerUser");
    assert_absent(&token, &[&assume, &several, &missing, &picked, &preferred], &setup);
}

#[test]
fn auto_goes_through_identity_center_only_when_the_role_is_blocked() {
    let setup = setup();
    setup.signed_in(chrono::Duration::hours(8));
    let blocked = setup.id(3);
    setup.fake.state().assume_denials.insert(
        blocked.clone(),
        Canned::new(403, "AccessDenied", "User: admin is not authorized to perform: sts:AssumeRole"),
    );
    let auto = setup.run(&["assume", &blocked, "--format", "json"]);
    assert!(auto.status.success(), "{}", text(&auto.stderr));
    let json: Value = serde_json::from_slice(&auto.stdout).expect("JSON");
    assert_eq!((json["via"].as_str(), json["sso_role"].as_str()), (Some("sso"), Some("ReadOnly")));
    assert!(
        text(&auto.stderr).contains("blocked for the role (access_denied): in through Identity Center as ReadOnly")
    );

    let role_only = setup.run(&["assume", &blocked, "--via", "role", "--format", "json"]);
    assert_eq!(role_only.status.code(), Some(4));
    assert!(role_only.stdout.is_empty());

    let reachable = setup.id(1);
    let by_role = setup.run(&["assume", &reachable, "--format", "json"]);
    let json: Value = serde_json::from_slice(&by_role.stdout).expect("JSON");
    assert_eq!((json["via"].as_str(), json["sso_role"].as_str()), (Some("role"), None), "the role first");

    // Blocked, and Identity Center offers nothing there: the role's refusal, exit 4.
    let nothing = setup.id(5);
    setup.fake.state().assume_denials.insert(nothing.clone(), Canned::new(403, "AccessDenied", "not authorized"));
    let refused = setup.run(&["assume", &nothing]);
    assert_eq!(refused.status.code(), Some(4));
    assert!(
        text(&refused.stderr).contains("Identity Center") && text(&refused.stderr).contains("holds no role there"),
        "{}",
        text(&refused.stderr)
    );

    // No sign-in configured: the role's refusal alone, no advice about Identity Center.
    std::fs::write(setup.home.path().join("aws-config"), "[default]\nregion = eu-west-1\n").expect("config");
    let plain = setup.run(&["assume", &blocked]);
    assert_eq!(plain.status.code(), Some(4));
    let stderr = text(&plain.stderr);
    assert!(
        stderr.contains("access_denied") && !stderr.contains("Identity Center") && !stderr.contains("sso-session"),
        "{stderr}"
    );
}

#[test]
fn probe_rows_carry_the_portal_roles_or_null_without_a_sign_in() {
    let setup = setup();
    setup.signed_in(chrono::Duration::hours(8));
    let probe = setup.run(&["probe", "--format", "json"]);
    assert!(probe.status.success(), "{}", text(&probe.stderr));
    let rows: Vec<Value> = serde_json::from_slice(&probe.stdout).expect("JSON");
    let roles_of =
        |rows: &[Value], id: &str| rows.iter().find(|r| r["account_id"] == id).map(|r| r["sso_roles"].clone());
    assert_eq!(roles_of(&rows, &setup.id(2)), Some(serde_json::json!(["PowerUser", "ReadOnly"])));
    assert_eq!(roles_of(&rows, &setup.id(5)), Some(serde_json::json!([])));

    std::fs::write(setup.home.path().join("aws-config"), "[default]\nregion = eu-west-1\n").expect("config");
    let without = setup.run(&["probe", "--format", "json"]);
    assert!(without.status.success(), "{}", text(&without.stderr));
    let rows: Vec<Value> = serde_json::from_slice(&without.stdout).expect("JSON");
    assert!(
        rows.iter().all(|r| r["sso_roles"].is_null() && r.as_object().is_some_and(|o| o.contains_key("sso_roles")))
    );
}

#[test]
fn profiles_sso_are_written_in_the_block_and_the_aws_sdk_signs_in_through_them() {
    let setup = setup();
    setup.signed_in(chrono::Duration::hours(8));
    let config_path = setup.home.path().join("aws-config");
    let write = setup.run(&["profiles", "--sso", "--prefix", "corp-", "--write"]);
    assert!(write.status.success(), "{}", text(&write.stderr));
    let written = std::fs::read_to_string(&config_path).expect("config");
    assert!(written.starts_with(CONFIG), "what was there is kept");
    let config = orgscope::source::aws::shared_config::SharedConfig::parse(&written);
    let profile = format!("corp-{}-readonly", setup.name(3).to_lowercase());
    let keys = config.profile(&profile).unwrap_or_else(|| panic!("profile {profile} in\n{written}"));
    assert_eq!(keys.get("sso_session").map(String::as_str), Some("corp"));
    assert_eq!(keys.get("sso_account_id"), Some(&setup.id(3)));
    assert_eq!(keys.get("sso_role_name").map(String::as_str), Some("ReadOnly"));
    assert_eq!(keys.get("region").map(String::as_str), Some("eu-west-1"));
    assert_eq!(written.matches("sso_role_name = ").count(), 5, "one profile per role");

    // The AWS SDK reads the profile: its SSO credentials come from GetRoleCredentials (its
    // credentials provider follows AWS_ENDPOINT_URL, not a client's endpoint).
    let mut command = common::orgscope_command(setup.home.path());
    command.env("AWS_ENDPOINT_URL", setup.fake.url()).args(["--profile", &profile, "tree", "--format", "json"]);
    let tree = command.output().expect("runs");
    assert!(tree.status.success(), "{}", text(&tree.stderr));
    let asked = setup.fake.calls_to("GetRoleCredentials");
    assert!(!asked.is_empty(), "the SDK asked the portal for the profile's credentials");
    for call in &asked {
        assert_eq!(
            (call.params["account_id"].as_str(), call.params["role_name"].as_str()),
            (Some(setup.id(3).as_str()), Some("ReadOnly"))
        );
    }
}

#[test]
fn the_console_signs_in_with_portal_credentials() {
    let setup = setup();
    setup.signed_in(chrono::Duration::hours(8));
    let out = setup
        .command()
        .env("ORGSCOPE_SIGNIN_ENDPOINT", format!("{}/federation", setup.fake.url()))
        .args(["assume", &setup.id(1), "--via", "sso", "--console", "--print"])
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).trim().ends_with("&SigninToken=fake-signin-token"), "{}", text(&out.stdout));
    let federation = setup.fake.calls_to("getSigninToken");
    assert_eq!(federation.len(), 1);
    let session: Value =
        serde_json::from_str(federation[0].params["Session"].as_str().unwrap_or_default()).expect("session JSON");
    let issued = setup.fake.state().portal.issued.clone();
    assert_eq!(session["sessionId"].as_str(), issued.first().map(|(key, _, _)| key.as_str()), "the portal's key");
}

#[test]
fn role_names_from_the_portal_stay_inert() {
    let setup = setup();
    setup.signed_in(chrono::Duration::hours(8));
    let hostile = "Evil\u{1b}]0;owned\u{7}\n[profile x]\u{202e}";
    setup.fake.state().portal.roles.insert(setup.id(5), vec![hostile.to_string()]);
    // An account id that is not one is dropped, never printed or used.
    setup.fake.state().portal.roles.insert("0000\u{1b}[2J".to_string(), vec!["Ghost".to_string()]);
    let roles = setup.run(&["roles"]);
    assert!(roles.status.success(), "{}", text(&roles.stderr));
    let stdout = text(&roles.stdout);
    assert!(
        !stdout.contains('\u{1b}') && !stdout.contains('\u{202e}') && !stdout.contains("\n[profile x]"),
        "{stdout:?}"
    );
    assert!(stdout.contains(r"Evil\e]0;owned\x07\n[profile x]\u{202e}"), "{stdout}");
    assert!(!stdout.contains("Ghost") && !stdout.contains("[2J"), "{stdout}");
    assert!(
        setup
            .fake
            .calls_to("ListAccountRoles")
            .iter()
            .all(|c| c.params["account_id"].as_str().is_some_and(|a| a.len() == 12))
    );
    let json = setup.run(&["roles", "--format", "json"]);
    let rows: Vec<Value> = serde_json::from_slice(&json.stdout).expect("JSON");
    assert!(rows.iter().any(|r| r["role_name"] == hostile), "JSON keeps the exact string");

    let profiles = setup.run(&["profiles", "--sso"]);
    assert!(profiles.status.success(), "{}", text(&profiles.stderr));
    let block = text(&profiles.stdout);
    assert!(!block.contains("owned") && !block.contains("[profile x]"), "{block}");
    assert!(text(&profiles.stderr).contains("has characters a config file cannot hold"), "{}", text(&profiles.stderr));
    assert!(!text(&profiles.stderr).contains('\u{1b}'));

    let refused = setup.run(&["assume", &setup.id(5), "--via", "sso", "--sso-role", "nope"]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        !text(&refused.stderr).contains('\u{1b}') && text(&refused.stderr).contains(r"Evil\e]0;owned"),
        "{}",
        text(&refused.stderr)
    );
}

/// The AWS CLI's own library (botocore, installed with moto) reads the sign-in `orgscope login`
/// wrote: its SSO token provider finds the cache file, its SSO credentials provider asks the
/// portal for a role's credentials with that token, and STS answers as that account.
#[test]
fn botocore_signs_in_with_the_token_orgscope_login_wrote() {
    if !common::require_tool("python3", &["-c", "import boto3"], common::moto::INSTALL_HINT) {
        return;
    }
    if !common::require_tool("curl", &["--version"], "install curl with `apt-get install curl`") {
        return;
    }
    let setup = setup();
    // Signed in the default way (the browser and PKCE), curl standing in for the browser.
    let browser = setup.home.path().join("browser.sh");
    std::fs::write(&browser, "#!/bin/sh\nexec curl -sfL -o /dev/null \"$1\"\n").expect("script");
    std::fs::set_permissions(&browser, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let login = setup.run(&["login", "--browser", &format!("{} %u", browser.display())]);
    assert!(login.status.success(), "{}", text(&login.stderr));
    assert_eq!(setup.fake.calls_to("Authorize").len(), 1, "signed in through /authorize");
    let config = format!(
        "{CONFIG}\n[profile botocore]\nsso_session = corp\nsso_account_id = {}\nsso_role_name = ReadOnly\nregion = eu-west-1\n",
        setup.id(3)
    );
    std::fs::write(setup.home.path().join("aws-config"), config).expect("config");
    let script =
        "import boto3\nprint(boto3.Session(profile_name='botocore').client('sts').get_caller_identity()['Arn'])";
    let out = Command::new("python3")
        .args(["-c", script])
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", setup.home.path())
        .env("AWS_CONFIG_FILE", setup.home.path().join("aws-config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", setup.home.path().join("aws-credentials"))
        .env("AWS_ENDPOINT_URL", setup.fake.url())
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .output()
        .expect("python3 runs");
    assert!(out.status.success(), "botocore: {}", text(&out.stderr));
    let arn = text(&out.stdout);
    assert!(
        arn.trim().starts_with(&format!("arn:aws:sts::{}:assumed-role/AWSReservedSSO_ReadOnly_", setup.id(3))),
        "{arn}"
    );
    let asked = setup.fake.calls_to("GetRoleCredentials");
    assert_eq!(asked.len(), 1);
    assert_eq!(asked[0].params["token"], setup.fake.state().portal.issued_token.as_str(), "the token orgscope wrote");
}

#[test]
fn login_opens_the_verification_page_in_the_chosen_browser() {
    let setup = setup();
    let opened = setup.home.path().join("opened.txt");
    let browser = setup.home.path().join("browser.sh");
    std::fs::write(&browser, format!("#!/bin/sh\nprintf '%s' \"$1\" > '{}'\n", opened.display())).expect("script");
    std::fs::set_permissions(&browser, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let login = setup.run(&["login", "--use-device-code", "--browser", &format!("{} %u", browser.display())]);
    assert!(login.status.success(), "{}", text(&login.stderr));
    let url = std::fs::read_to_string(&opened).expect("the browser was run");
    assert_eq!(url, "https://device.sso.eu-west-1.amazonaws.com/?user_code=WXYZ-1234");
    assert!(text(&login.stderr).contains("WXYZ-1234"), "the code is on stderr to check against the page");
}

/// `profiles --write` and `profiles --sso --write` in turn, into a config that already defines one
/// of the names: botocore (the AWS CLI's own loader) parses the file after every write, the user's
/// sections stay byte for byte, the name the user holds is skipped and named on stderr, and each
/// kind of profile keeps its own block while the other is written.
#[test]
fn role_and_sso_profiles_written_in_turn_keep_the_file_botocore_reads() {
    if !common::require_tool("python3", &["-c", "import botocore"], common::moto::INSTALL_HINT) {
        return;
    }
    let setup = setup();
    setup.signed_in(chrono::Duration::hours(8));
    let config_path = setup.home.path().join("aws-config");
    let taken = format!("ou-0000-{}", setup.name(1).to_lowercase());
    let mine = format!("{CONFIG}\n# mine, by hand\n[profile {taken}]\nregion = ap-south-1\n");
    std::fs::write(&config_path, &mine).expect("config");
    let botocore_reads = |when: &str| {
        let script =
            "import sys, botocore.session\ns = botocore.session.Session()\nprint(sorted(s.full_config['profiles']))";
        let out = Command::new("python3")
            .args(["-c", script])
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", setup.home.path())
            .env("AWS_CONFIG_FILE", &config_path)
            .output()
            .expect("python3 runs");
        assert!(out.status.success(), "{when}: botocore refuses the file: {}", text(&out.stderr));
        text(&out.stdout)
    };
    let outside_blocks = |written: &str| -> String {
        let mut rest = written.to_string();
        for (begin, end) in [
            ("# >>> orgscope managed profiles >>>", "# <<< orgscope managed profiles <<<\n"),
            ("# >>> orgscope managed sso profiles >>>", "# <<< orgscope managed sso profiles <<<\n"),
        ] {
            if let (Some(start), Some(stop)) = (rest.find(begin), rest.find(end)) {
                rest.replace_range(start..stop + end.len(), "");
            }
        }
        rest.trim_end().to_string()
    };
    for (round, args) in
        [["profiles", "--write", ""], ["profiles", "--sso", "--write"], ["profiles", "--write", ""]].iter().enumerate()
    {
        let args: Vec<&str> = args.iter().copied().filter(|a| !a.is_empty()).collect();
        let out = setup.run(&args);
        assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
        let written = std::fs::read_to_string(&config_path).expect("config");
        let profiles = botocore_reads(&format!("round {round}"));
        assert_eq!(outside_blocks(&written), mine.trim_end(), "round {round}: the user's sections, byte for byte");
        assert_eq!(written.matches(&format!("[profile {taken}]")).count(), 1, "round {round}:\n{written}");
        if !args.contains(&"--sso") {
            let stderr = text(&out.stderr);
            assert!(stderr.contains(&taken) && stderr.contains("skipped"), "round {round}: {stderr}");
        }
        if round >= 1 {
            assert!(written.contains("sso_role_name = ReadOnly"), "round {round}: the sso block stays:\n{written}");
            assert!(written.contains("role_arn = arn:aws:iam::"), "round {round}: the role block stays:\n{written}");
            assert!(profiles.contains("readonly"), "round {round}: botocore sees the sso profiles: {profiles}");
        }
    }
}
