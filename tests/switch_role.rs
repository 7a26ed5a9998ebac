//! Switch role and credential export, end to end: the real binary, real shells (bash, fish), the
//! SDK's own credential_process provider, moto's STS, the credentials file, `--exec`, and the console
//! sign-in flow against a local federation endpoint.

mod common;

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::process::Command;

use common::fake_aws::{FakeAws, FakeOrg};
use common::moto::Moto;

/// The management caller's environment for the binary, pointed at `url`.
fn caller_env(command: &mut Command, home: &std::path::Path, url: &str) {
    command
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("XDG_STATE_HOME", home.join("state"))
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env("AWS_CONFIG_FILE", home.join("aws-config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", home.join("aws-credentials"))
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ENDPOINT_URL", url);
}

/// `KEY=value` lines of `env` output, AWS_ variables only.
fn aws_env(output: &[u8]) -> BTreeMap<String, String> {
    String::from_utf8_lossy(output)
        .lines()
        .filter_map(|l| l.split_once('='))
        .filter(|(k, _)| k.starts_with("AWS_"))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// GetCallerIdentity with the credentials in `env`, against `url`: the account it answers.
async fn whoami(env: &BTreeMap<String, String>, url: &str) -> String {
    let credentials = aws_credential_types::Credentials::new(
        env.get("AWS_ACCESS_KEY_ID").cloned().unwrap_or_default(),
        env.get("AWS_SECRET_ACCESS_KEY").cloned().unwrap_or_default(),
        env.get("AWS_SESSION_TOKEN").cloned(),
        None,
        "exported",
    );
    common::caller_identity(url, credentials).await.0
}

#[tokio::test(flavor = "multi_thread")]
async fn bash_and_fish_evaluate_the_exports_into_working_credentials() {
    let Some(moto) = Moto::start() else { return };
    if !common::require_tool("fish", &["--version"], "install fish with `apt-get install fish`") {
        return;
    }
    let ids = moto.create_org_with_accounts("switch", 2).await;
    let home = tempfile::tempdir().expect("temp dir");
    let bin = common::orgscope_bin();
    let target = &ids[1];

    let mut bash = Command::new("bash");
    caller_env(&mut bash, home.path(), &moto.url());
    bash.env("ORGSCOPE", &bin).env("TARGET", target).arg("-c").arg(
        r#"out="$("$ORGSCOPE" assume "$TARGET" --format sh)" || exit 9; export AWS_PROFILE=stale; eval "$out"; env"#,
    );
    let out = bash.output().expect("bash runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let env = aws_env(&out.stdout);
    assert!(!env.contains_key("AWS_PROFILE"), "AWS_PROFILE is unset: {env:?}");
    assert!(env.get("AWS_SESSION_EXPIRATION").is_some_and(|e| e.ends_with('Z')));
    assert_eq!(env.get("AWS_DEFAULT_REGION").map(String::as_str), Some("us-east-1"));
    assert_eq!(&whoami(&env, &moto.url()).await, target, "bash: the exported credentials stand in the target");

    let mut fish = Command::new("fish");
    caller_env(&mut fish, home.path(), &moto.url());
    fish.env("ORGSCOPE", &bin).env("TARGET", &ids[0]).arg("-c").arg(
        r#"set -l out ($ORGSCOPE assume $TARGET --format fish | string collect); or exit 9; set -gx AWS_PROFILE stale; eval $out; env"#,
    );
    let out = fish.output().expect("fish runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let env = aws_env(&out.stdout);
    assert!(!env.contains_key("AWS_PROFILE"), "fish: AWS_PROFILE is erased: {env:?}");
    assert_eq!(&whoami(&env, &moto.url()).await, &ids[0], "fish: the exported credentials stand in the target");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_sdk_reads_credential_process_output() {
    let Some(moto) = Moto::start() else { return };
    let ids = moto.create_org_with_accounts("switch", 2).await;
    let home = tempfile::tempdir().expect("temp dir");
    let config_path = home.path().join("config");
    let command = format!(
        "env -i PATH=/usr/bin:/bin HOME={home} AWS_EC2_METADATA_DISABLED=true AWS_ACCESS_KEY_ID=testing \
         AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1 {bin} --endpoint-url {url} assume {id} --format credential-process",
        home = home.path().display(),
        bin = common::orgscope_bin().display(),
        url = moto.url(),
        id = ids[0],
    );
    std::fs::write(&config_path, format!("[profile target]\ncredential_process = {command}\n")).expect("write config");
    // The SDK's own credential_process provider, given the line exactly as ~/.aws/config holds it.
    let provider = aws_config::credential_process::CredentialProcessProvider::new(command);
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .endpoint_url(moto.url())
        .credentials_provider(provider)
        .load()
        .await;
    let identity = aws_sdk_sts::Client::new(&config)
        .get_caller_identity()
        .send()
        .await
        .expect("GetCallerIdentity with credential_process credentials");
    assert_eq!(identity.account(), Some(ids[0].as_str()));
}

fn demo(home: &std::path::Path) -> Command {
    let mut command = common::orgscope_command(home);
    command.arg("--demo");
    command
}

#[test]
fn exec_passes_the_exit_code_and_the_credentials_through() {
    let home = tempfile::tempdir().expect("temp dir");
    let out = demo(home.path())
        .env("AWS_PROFILE", "stale")
        .args(["assume", "dns", "--exec", "--", "sh", "-c", "echo \"$AWS_ACCESS_KEY_ID ${AWS_PROFILE:-none}\"; exit 7"])
        .output()
        .expect("run orgscope");
    assert_eq!(out.status.code(), Some(7));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "ASIADEMO230498571236 none");
}

#[test]
fn a_blocked_account_exits_4_with_the_reason_and_nothing_on_stdout() {
    let home = tempfile::tempdir().expect("temp dir");
    let out = demo(home.path()).args(["assume", "globex-legacy-prod", "--via", "role"]).output().expect("run orgscope");
    assert_eq!(out.status.code(), Some(4));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("access_denied") && stderr.contains("Invited accounts never get"), "{stderr}");

    // --via auto (the default) then tries the demo's Identity Center sign-in, which holds two roles
    // there: which one is the user's choice, exit 2 naming both.
    let out = demo(home.path()).args(["assume", "globex-legacy-prod"]).output().expect("run orgscope");
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("DataScientist, PowerUser") && stderr.contains("--sso-role"), "{stderr}");
    let out = demo(home.path())
        .args(["assume", "globex-legacy-prod", "--sso-role", "PowerUser", "--format", "json"])
        .output()
        .expect("run orgscope");
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!((json["via"].as_str(), json["sso_role"].as_str()), (Some("sso"), Some("PowerUser")));
    // Blocked, and the sign-in holds nothing there: the role's refusal stands, exit 4.
    let out = demo(home.path()).args(["assume", "audit"]).output().expect("run orgscope");
    assert_eq!(out.status.code(), Some(4));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("explicit_deny") && stderr.contains("holds no role there"), "{stderr}");

    let out = demo(home.path()).args(["assume", "globex-analytcs"]).output().expect("run orgscope");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("globex-analytics"), "close names are listed");
}

/// A live run against the fake endpoint (eu-west-1, test credentials, every file under `home`).
fn live(home: &std::path::Path, fake: &FakeAws) -> Command {
    common::fake_command(home, &fake.url())
}

#[test]
fn the_console_url_comes_from_the_federation_endpoint() {
    let org = FakeOrg::generate(3, 0, 1);
    let fake = FakeAws::start(org.clone());
    let home = tempfile::tempdir().expect("temp dir");
    let out = live(home.path(), &fake)
        .env("ORGSCOPE_SIGNIN_ENDPOINT", format!("{}/federation", fake.url()))
        .args(["assume", &org.accounts[1].id, "--console", "--print"])
        .output()
        .expect("run orgscope");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let url = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert!(url.starts_with(&format!("{}/federation?Action=login&Issuer=orgscope&Destination=", fake.url())), "{url}");
    assert!(url.ends_with("&SigninToken=fake-signin-token"), "{url}");
    assert!(url.contains("console.aws.amazon.com%2Fconsole%2Fhome%3Fregion%3Deu-west-1"), "{url}");
    let calls = fake.calls();
    let token_call = calls.iter().find(|c| c.service == "signin").expect("getSigninToken was called");
    assert!(!token_call.failed, "{:?}", token_call.params);
    assert_eq!(token_call.params["SessionDuration"], "43200", "a non-chained session asks for 12 hours");
}

const EXISTING: &str = "# managed by hand\n[default]\naws_access_key_id=AKIADEFAULT\naws_secret_access_key =  s1\n\n\
;odd   spacing below\n[ work ]\n  aws_access_key_id   =   AKIAWORK\naws_secret_access_key=s2\n\n# the end\n";

#[test]
fn write_profile_keeps_every_other_byte_and_is_0600() {
    let org = FakeOrg::generate(4, 0, 1);
    let (first, second) = (org.accounts[1].id.clone(), org.accounts[2].id.clone());
    let fake = FakeAws::start(org);
    let home = tempfile::tempdir().expect("temp dir");
    let path = home.path().join("aws-credentials");
    std::fs::write(&path, EXISTING).expect("seed the file");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let out = live(home.path(), &fake).args(["assume", &first, "--write-profile", "work-prod"]).output().expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.stdout.is_empty(), "nothing on stdout with --write-profile");
    let written = std::fs::read_to_string(&path).expect("read back");
    assert!(written.starts_with(EXISTING), "everything else is kept byte for byte:\n{written}");
    let added = &written[EXISTING.len()..];
    assert!(
        added.starts_with(&format!("\n[work-prod]\n# written by orgscope for arn:aws:iam::{first}:role/")),
        "{added}"
    );
    assert!(added.contains("aws_session_token = fake-token-") && added.contains(&first), "{added}");
    assert!(added.contains("expires 20"), "an expiration comment: {added}");
    let mode = std::fs::metadata(&path).expect("stat").permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);

    // A second write of the same profile replaces it in place.
    let out = live(home.path(), &fake).args(["assume", &second, "--write-profile", "work-prod"]).output().expect("run");
    assert!(out.status.success());
    let rewritten = std::fs::read_to_string(&path).expect("read back");
    assert!(rewritten.starts_with(EXISTING));
    assert_eq!(rewritten.matches("[work-prod]").count(), 1);
    assert!(rewritten.contains(&second) && !rewritten.contains(&first));
}

#[test]
fn concurrent_writers_of_different_profiles_both_land() {
    let org = FakeOrg::generate(7, 0, 1);
    let fake = FakeAws::start(org.clone());
    let home = tempfile::tempdir().expect("temp dir");
    let path = home.path().join("aws-credentials");
    std::fs::write(&path, EXISTING).expect("seed the file");
    let accounts: Vec<&str> = org.accounts[1..].iter().map(|a| a.id.as_str()).collect();
    for _round in 0..3 {
        let children: Vec<_> = accounts
            .iter()
            .map(|account| {
                live(home.path(), &fake)
                    .args(["assume", account, "--write-profile", &format!("p-{account}")])
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .expect("spawn orgscope")
            })
            .collect();
        for child in children {
            let out = child.wait_with_output().expect("wait");
            assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        }
    }
    let written = std::fs::read_to_string(&path).expect("read back");
    assert!(written.starts_with(EXISTING));
    for account in &accounts {
        assert_eq!(written.matches(&format!("[p-{account}]")).count(), 1, "{account} landed once:\n{written}");
    }
}

#[test]
fn profiles_write_a_managed_block_that_a_second_run_replaces() {
    let home = tempfile::tempdir().expect("temp dir");
    let path = home.path().join("aws-config");
    let mine = "[default]\nregion = us-east-1\n\n# my own profile\n[profile mine]\nrole_arn = arn:aws:iam::1:role/X\n";
    std::fs::write(&path, mine).expect("seed the config");
    let org = FakeOrg::generate(6, 2, 1);
    let fake = FakeAws::start(org.clone());
    fake.state().assume_denials.insert(
        org.accounts[3].id.clone(),
        common::fake_aws::Canned::new(403, "AccessDenied", "not authorized to perform: sts:AssumeRole"),
    );
    for prefix in ["first-", "second-"] {
        let out = live(home.path(), &fake).args(["profiles", "--prefix", prefix, "--write"]).output().expect("run");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    let written = std::fs::read_to_string(&path).expect("read back");
    assert!(written.starts_with(mine), "nothing outside the block changes:\n{written}");
    assert_eq!(written.matches("# >>> orgscope managed profiles >>>").count(), 1);
    assert!(!written.contains("[profile first-"), "the first block was replaced");
    let reachable = &org.accounts[1];
    let profile = format!(
        "[profile second-ou-0000-{}]\nrole_arn = arn:aws:iam::{}:role/OrganizationAccountAccessRole\nsource_profile = default\nregion = eu-west-1\n",
        reachable.name, reachable.id
    );
    assert!(written.contains(&profile), "{written}");
    assert!(!written.contains(&org.accounts[3].name), "blocked accounts get no profile");
}

#[test]
fn bad_input_is_a_one_line_usage_error_saying_what_is_allowed() {
    let home = tempfile::tempdir().expect("temp dir");
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["assume", "12345"], "12 digits"),
        (vec!["--role", "bad role!", "probe"], "IAM role name"),
        (vec!["--external-id", "x", "probe"], "2 to 1224"),
        (vec!["--external-id", "has space", "probe"], "2 to 1224"),
        (vec!["--region", "EU West", "tree"], "region name"),
        (vec!["assume", "dns", "--duration", "60"], "from 15m (900) to 12h (43200)"),
        (vec!["assignments", "--since", "100d"], "90 days"),
        (vec!["assignments", "--since", "soon"], "duration"),
        (vec!["assignments", "--start", "yesterday"], "RFC 3339"),
        (vec!["probe", "--format", "xml"], "possible values"),
        (vec!["--concurrency", "0", "tree"], "0"),
        (vec!["template", "trust-policy", "--management-account", "12"], "12-digit"),
    ];
    for (args, needle) in cases {
        let out = demo(home.path()).args(&args).output().expect("run orgscope");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
        let meaningful = stderr
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with("Usage") && !l.starts_with("For more"))
            .count();
        assert!(meaningful <= 2, "{args:?}: short: {stderr}");
    }
}

/// Names are not identities: an invited account named like another (in any case) or like
/// another's id never receives that account's credentials, by `assume`, by `credential_process`
/// or by a profile name.
#[test]
fn a_lookalike_or_id_shaped_name_never_takes_another_accounts_place() {
    let mut org = FakeOrg::generate(5, 1, 1);
    let real = org.accounts[2].id.clone();
    let lookalike = org.accounts[1].id.clone();
    let id_named = org.accounts[3].id.clone();
    org.accounts[2].name = "data-prod".into();
    org.accounts[1].name = "DATA-PROD".into();
    org.accounts[3].name = real.clone();
    let fake = FakeAws::start(org);
    let home = tempfile::tempdir().expect("temp dir");
    let run = |args: &[&str]| common::fake_command(home.path(), &fake.url()).args(args).output().expect("runs");
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();

    for format in ["json", "credential-process"] {
        let out = run(&["assume", "data-prod", "--format", format]);
        assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
        assert!(out.stdout.is_empty(), "no credentials for a shared name");
        let stderr = text(&out.stderr);
        assert!(stderr.contains(&real) && stderr.contains(&lookalike), "both ids are listed: {stderr}");
    }
    let out = run(&["assume", &real, "--format", "json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(json["account_id"], real.as_str(), "the id means that account, not the one named like it");
    let out = run(&["assume", &id_named, "--format", "json"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(json["account_id"], id_named.as_str());

    let out = run(&["profiles", "--name-template", "{account_name}"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let block = text(&out.stdout);
    let after = |name: &str| block.split(&format!("[profile {name}]\n")).nth(1).unwrap_or_default().to_string();
    assert!(after("data-prod").starts_with(&format!("role_arn = arn:aws:iam::{real}:role/")), "{block}");
    assert!(
        after(&format!("data-prod-{lookalike}")).starts_with(&format!("role_arn = arn:aws:iam::{lookalike}:role/")),
        "{block}"
    );
}
