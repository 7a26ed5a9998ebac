//! `orgscope login` the way `aws sso login` does it today: the authorization code with PKCE and a
//! one-shot listener on 127.0.0.1, against the local endpoint's `/authorize` and the
//! `authorization_code` grant (which check the verifier against the challenge, the redirect and
//! the client), with curl standing in for the browser. A forged redirect (another state) writes
//! nothing; no browser falls back to the device code; `logout --sso` signs out of the portal.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Output;

use common::fake_aws::{FakeAws, FakeOrg};
use serde_json::Value;

const CONFIG: &str = "[default]\nsso_session = corp\nregion = eu-west-1\n\n[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\nsso_registration_scopes = sso:account:access\n";

struct Setup {
    fake: FakeAws,
    home: tempfile::TempDir,
}

fn setup() -> Option<Setup> {
    if !common::require_tool("curl", &["--version"], "install curl with `apt-get install curl`") {
        return None;
    }
    let fake = FakeAws::start(FakeOrg::generate(4, 1, 1));
    let home = tempfile::tempdir().expect("temp home");
    std::fs::write(home.path().join("aws-config"), CONFIG).expect("config");
    Some(Setup { fake, home })
}

impl Setup {
    /// The token file for the sso-session `corp`: sha1("corp"), as the AWS CLI names it.
    fn token_file(&self) -> PathBuf {
        self.home.path().join(".aws/sso/cache/ee0bfd2552fbd840c02cc48b6e823320543c450f.json")
    }

    /// A browser that follows the sign-in page's redirects and saves the last page it was shown.
    fn browser(&self) -> String {
        let script = self.home.path().join("browser.sh");
        let page = self.home.path().join("page.html");
        std::fs::write(&script, format!("#!/bin/sh\nexec curl -sfL -o '{}' \"$1\"\n", page.display())).expect("script");
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        format!("{} %u", script.display())
    }

    fn page(&self) -> String {
        std::fs::read_to_string(self.home.path().join("page.html")).unwrap_or_default()
    }

    fn run(&self, args: &[&str]) -> Output {
        common::fake_command(self.home.path(), &self.fake.url())
            .env("ORGSCOPE_LOG_FILE", self.home.path().join("orgscope.log"))
            .env("RUST_LOG", "trace")
            .args(args)
            .output()
            .expect("orgscope runs")
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn every_file(dir: &Path) -> String {
    common::files_under(dir).iter().map(|(_, contents)| String::from_utf8_lossy(contents).into_owned()).collect()
}

#[test]
fn login_signs_in_with_the_authorization_code_and_pkce() {
    let Some(s) = setup() else { return };
    let login = s.run(&["login", "--browser", &s.browser()]);
    let stderr = text(&login.stderr);
    assert!(login.status.success(), "{stderr}");
    assert!(stderr.contains("signed in (sso-session corp)"), "{stderr}");

    // Registered as the AWS CLI registers for this flow.
    let register = s.fake.calls_to("RegisterClient");
    assert_eq!(register.len(), 1);
    assert_eq!(register[0].params["grantTypes"], serde_json::json!(["authorization_code", "refresh_token"]));
    assert_eq!(register[0].params["redirectUris"], serde_json::json!(["http://127.0.0.1/oauth/callback"]));
    assert_eq!(register[0].params["issuerUrl"], "https://corp.awsapps.com/start");
    assert_eq!(register[0].params["clientType"], "public");
    assert!(s.fake.calls_to("StartDeviceAuthorization").is_empty(), "no device code");

    // The browser went to /authorize with a challenge and a state; the token was asked for with
    // the same redirect and a verifier whose SHA-256 is the challenge.
    let authorize = s.fake.calls_to("Authorize");
    assert_eq!(authorize.len(), 1);
    let redirect = authorize[0].params["redirect_uri"].as_str().unwrap_or_default().to_string();
    assert!(redirect.starts_with("http://127.0.0.1:") && redirect.ends_with("/oauth/callback"), "{redirect}");
    assert_eq!(authorize[0].params["code_challenge_method"], "S256");
    assert_eq!(authorize[0].params["scopes"], "sso:account:access");
    let state = authorize[0].params["state"].as_str().unwrap_or_default();
    assert_eq!(state.len(), 36, "a UUID: {state}");
    let token_calls = s.fake.calls_to("CreateToken");
    assert_eq!(token_calls.len(), 1);
    let asked = &token_calls[0].params;
    assert_eq!(asked["grantType"], "authorization_code");
    assert_eq!(asked["redirectUri"], redirect.as_str());
    let verifier = asked["codeVerifier"].as_str().unwrap_or_default().to_string();
    assert_eq!(verifier.len(), 64);
    assert_eq!(
        orgscope::source::aws::portal::login::challenge(&verifier),
        authorize[0].params["code_challenge"].as_str().unwrap_or_default()
    );

    // The page the browser was left on says to go back to the terminal.
    assert!(s.page().contains("return to the terminal"), "{}", s.page());

    // The AWS CLI's token file, 0600; the verifier and the code are nowhere else.
    let file = s.token_file();
    assert_eq!(std::fs::metadata(&file).map(|m| m.permissions().mode() & 0o777).unwrap_or(0), 0o600);
    let cache: Value = serde_json::from_slice(&std::fs::read(&file).expect("token file")).expect("JSON");
    assert_eq!(cache["accessToken"], s.fake.state().portal.issued_token.as_str());
    assert_eq!(cache["refreshToken"], s.fake.state().portal.refresh_token.as_str());
    assert_eq!(cache["clientId"], "fake-client-id");
    let everything = every_file(s.home.path()) + &stderr + &text(&login.stdout);
    assert!(everything.contains("TRACE") || everything.contains("DEBUG"), "the trace log was written");
    assert!(!everything.contains(&verifier), "the verifier was written somewhere");
    assert!(!everything.contains("fake-auth-code-0"), "the code was written somewhere");

    // The sign-in works: the portal lists roles with the token.
    s.fake.state().portal.roles.insert("100000000001".into(), vec!["ReadOnly".into()]);
    let roles = s.run(&["roles", "--format", "json"]);
    assert!(roles.status.success(), "{}", text(&roles.stderr));
}

#[test]
fn a_redirect_with_another_state_is_refused_and_nothing_is_written() {
    let Some(s) = setup() else { return };
    s.fake.state().portal.wrong_state = true;
    let login = s.run(&["login", "--browser", &s.browser()]);
    assert_eq!(login.status.code(), Some(1));
    let stderr = text(&login.stderr);
    assert!(
        stderr.contains("another state than the one orgscope sent") && stderr.contains("nothing was written"),
        "{stderr}"
    );
    assert_eq!(stderr.trim().lines().last().map(|l| l.starts_with("orgscope:")), Some(true), "{stderr}");
    assert!(s.fake.calls_to("CreateToken").is_empty(), "the code was not exchanged");
    assert!(!s.token_file().exists(), "no token file");
}

#[test]
fn without_a_browser_the_sign_in_falls_back_to_the_device_code() {
    let Some(s) = setup() else { return };
    let missing = s.home.path().join("no-such-browser");
    let login = s.run(&["login", "--browser", &format!("{} %u", missing.display())]);
    let stderr = text(&login.stderr);
    assert!(login.status.success(), "{stderr}");
    assert!(
        stderr.contains("could not open a browser") && stderr.contains("signing in with a code instead"),
        "{stderr}"
    );
    assert!(stderr.contains("WXYZ-1234"), "the code to approve: {stderr}");
    assert_eq!(s.fake.calls_to("StartDeviceAuthorization").len(), 1);
    assert!(s.fake.calls_to("Authorize").is_empty());
    assert_eq!(s.fake.calls_to("CreateToken")[0].params["grantType"], "urn:ietf:params:oauth:grant-type:device_code");
    assert!(s.token_file().exists());

    // --use-device-code asks for it outright, browser or not.
    let again = s.run(&["login", "--use-device-code", "--browser", &s.browser()]);
    assert!(again.status.success(), "{}", text(&again.stderr));
    assert_eq!(s.fake.calls_to("StartDeviceAuthorization").len(), 2);
    assert!(s.fake.calls_to("Authorize").is_empty());
}

#[test]
fn logout_sso_signs_out_of_the_portal_and_deletes_the_token_file() {
    let Some(s) = setup() else { return };
    let login = s.run(&["login", "--browser", &s.browser()]);
    assert!(login.status.success(), "{}", text(&login.stderr));
    let token = s.fake.state().portal.issued_token.clone();
    let out = s.run(&["logout", "--sso"]);
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("signed out of Identity Center (sso-session corp)"), "{stderr}");
    let logout = s.fake.calls_to("Logout");
    assert_eq!(logout.len(), 1);
    assert_eq!(logout[0].params["token"], token.as_str());
    assert!(!s.fake.state().portal.valid_tokens.contains(&token), "the portal ended the token");
    assert!(!s.token_file().exists(), "the token file is gone");
    assert!(!stderr.contains(&token));
    // Signed out already: said, exit 0.
    let again = s.run(&["logout", "--sso"]);
    assert!(again.status.success());
    assert!(text(&again.stderr).contains("not signed in"), "{}", text(&again.stderr));
}
