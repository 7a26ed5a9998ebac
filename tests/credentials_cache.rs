//! Credentials at once: `assume` by id reads no organization, a kept session is handed out again
//! with no AWS call while it has life left, a name is found in the cached run, `--no-cache` and
//! `logout` do what they say, an MFA code is asked once per session, and botocore signs through a
//! `profiles --credential-process` profile, the second time from the cache. The real binary and
//! the real SDK against the local endpoint, counting the calls it answers.

mod common;

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::fake_aws::{FakeAws, FakeOrg};

struct Setup {
    fake: FakeAws,
    home: tempfile::TempDir,
    org: FakeOrg,
}

fn setup() -> Setup {
    let org = FakeOrg::generate(20, 3, 1);
    Setup { fake: FakeAws::start(org.clone()), home: tempfile::tempdir().expect("temp home"), org }
}

impl Setup {
    fn command(&self) -> Command {
        common::fake_command(self.home.path(), &self.fake.url())
    }

    fn run(&self, args: &[&str]) -> Output {
        let out = self.command().args(args).output().expect("orgscope runs");
        assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
        out
    }

    /// Calls per `service:op` since the last `forget`.
    fn calls(&self) -> BTreeMap<String, usize> {
        let mut counts = BTreeMap::new();
        for call in self.fake.calls() {
            *counts.entry(format!("{}:{}", call.service, call.op)).or_insert(0) += 1;
        }
        counts
    }

    fn forget(&self) {
        self.fake.state().calls.clear();
    }

    fn credentials_dir(&self) -> PathBuf {
        self.home.path().join("cache/orgscope/credentials")
    }

    fn kept(&self) -> Vec<PathBuf> {
        std::fs::read_dir(self.credentials_dir()).into_iter().flatten().flatten().map(|e| e.path()).collect()
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn key_of(out: &Output) -> String {
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON credentials");
    value["access_key_id"].as_str().or(value["AccessKeyId"].as_str()).unwrap_or_default().to_string()
}

fn only(counts: &BTreeMap<String, usize>, expected: &[(&str, usize)]) {
    let expected: BTreeMap<String, usize> = expected.iter().map(|(k, n)| (k.to_string(), *n)).collect();
    assert_eq!(counts, &expected, "the calls made");
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).map(|m| m.permissions().mode() & 0o777).unwrap_or(0)
}

#[test]
fn assume_by_id_reads_no_organization_and_a_kept_session_makes_no_call() {
    let s = setup();
    let id = s.org.accounts[5].id.clone();
    let first = s.run(&["assume", &id, "--format", "json"]);
    only(&s.calls(), &[("sts:GetCallerIdentity", 1), ("sts:AssumeRole", 1)]);
    let key = key_of(&first);
    assert!(key.starts_with("ASIAFAKE"), "{key}");
    assert_eq!(s.fake.calls_to("AssumeRole")[0].params["DurationSeconds"], "3600", "an hour by default");

    // Kept: the same session, every format, no call at all.
    s.forget();
    assert_eq!(key_of(&s.run(&["assume", &id, "--format", "json"])), key);
    assert_eq!(key_of(&s.run(&["assume", &id, "--format", "credential-process"])), key);
    let sh = text(&s.run(&["assume", &id]).stdout);
    assert!(sh.contains(&format!("export AWS_ACCESS_KEY_ID='{key}'")), "{sh}");
    only(&s.calls(), &[]);

    // The cache: one private file in a private directory, nothing else left behind.
    let kept = s.kept();
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert_eq!(mode(&s.credentials_dir()), 0o700);
    assert_eq!(mode(&kept[0]), 0o600);
    assert!(!kept[0].to_string_lossy().contains(&id), "the file's name says nothing about the account");

    // Another duration is another session.
    s.forget();
    let longer = s.run(&["assume", &id, "--duration", "2h", "--format", "json"]);
    assert_ne!(key_of(&longer), key);
    assert_eq!(s.fake.calls_to("AssumeRole")[0].params["DurationSeconds"], "7200");

    // --no-cache neither reads nor writes.
    s.forget();
    let before: Vec<(PathBuf, Vec<u8>)> =
        s.kept().into_iter().map(|p| (p.clone(), std::fs::read(&p).unwrap_or_default())).collect();
    let bypassed = s.run(&["assume", &id, "--no-cache", "--format", "json"]);
    assert_ne!(key_of(&bypassed), key);
    only(&s.calls(), &[("sts:GetCallerIdentity", 1), ("sts:AssumeRole", 1)]);
    let after: Vec<(PathBuf, Vec<u8>)> =
        s.kept().into_iter().map(|p| (p.clone(), std::fs::read(&p).unwrap_or_default())).collect();
    assert_eq!(before.len(), after.len(), "--no-cache wrote nothing");
    assert!(before.iter().all(|b| after.contains(b)), "--no-cache changed nothing");

    // A session within refresh_before of its end is not handed out again.
    let config = s.home.path().join("config/orgscope/config.toml");
    std::fs::create_dir_all(config.parent().expect("dir")).expect("config dir");
    std::fs::write(&config, "refresh_before = \"1h\"\n").expect("config");
    s.forget();
    let renewed = s.run(&["assume", &id, "--format", "json"]);
    assert_ne!(key_of(&renewed), key, "an hour-long session has less than refresh_before left");
    only(&s.calls(), &[("sts:GetCallerIdentity", 1), ("sts:AssumeRole", 1)]);
    std::fs::remove_file(&config).expect("config removed");

    // logout forgets them all: the next assume asks STS again.
    let out = s.run(&["logout"]);
    assert!(text(&out.stderr).contains("forgot 2 kept sessions"), "{}", text(&out.stderr));
    assert!(s.kept().is_empty());
    s.forget();
    assert_ne!(key_of(&s.run(&["assume", &id, "--format", "json"])), key);
    only(&s.calls(), &[("sts:GetCallerIdentity", 1), ("sts:AssumeRole", 1)]);
}

#[test]
fn a_name_is_found_in_the_cached_run_and_only_an_unknown_one_reads_the_organization() {
    let s = setup();
    s.run(&["probe", "--format", "json"]);
    assert!(s.home.path().join("cache/orgscope/snapshot-default.json").exists(), "probe keeps the run");
    s.forget();
    let name = s.org.accounts[4].name.clone();
    let out = s.run(&["assume", &name, "--format", "json"]);
    only(&s.calls(), &[("sts:GetCallerIdentity", 1), ("sts:AssumeRole", 1)]);
    assert!(
        text(&out.stderr).contains(&format!("{name} is {} in the organization as read", s.org.accounts[4].id)),
        "{}",
        text(&out.stderr)
    );

    // An account that joined since: the cache does not know it, so the organization is read.
    let mut newcomer = s.org.accounts[4].clone();
    newcomer.id = "999999999999".into();
    newcomer.name = "joined-later".into();
    s.fake.state().org.accounts.push(newcomer);
    s.forget();
    let out = s.run(&["assume", "joined-later", "--format", "json"]);
    let calls = s.calls();
    assert!(calls.keys().any(|k| k.starts_with("organizations:")), "discovery ran: {calls:?}");
    assert_eq!(calls.get("sts:AssumeRole"), Some(&1));
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(value["account_id"], "999999999999");
}

/// A child that has no controlling terminal: asking for an MFA code on /dev/tty fails at once.
fn without_terminal(command: &mut Command) {
    use std::os::unix::process::CommandExt;
    // SAFETY: setsid is async-signal-safe and touches nothing of the parent.
    unsafe {
        command.pre_exec(|| {
            libc::setsid();
            Ok(())
        });
    }
}

#[test]
fn an_mfa_session_is_kept_so_the_code_is_asked_once() {
    let s = setup();
    let id = s.org.accounts[6].id.clone();
    let serial = "arn:aws:iam::100000000000:mfa/admin";
    let first = s.run(&["assume", &id, "--mfa-serial", serial, "--mfa-code", "123456", "--format", "json"]);
    let assumed = s.fake.calls_to("AssumeRole");
    assert_eq!(assumed.len(), 1);
    assert_eq!(assumed[0].params["SerialNumber"], serial);
    assert_eq!(assumed[0].params["TokenCode"], "123456");
    s.forget();
    // No code given and no terminal to ask on: the kept session needs none.
    let mut again = s.command();
    without_terminal(&mut again);
    let out = again.args(["assume", &id, "--mfa-serial", serial, "--format", "json"]).output().expect("runs");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(key_of(&out), key_of(&first));
    only(&s.calls(), &[]);
    // Without the MFA device it is another session, asked of STS.
    let plain = s.run(&["assume", &id, "--format", "json"]);
    assert_ne!(key_of(&plain), key_of(&first));
}

#[test]
fn botocore_signs_through_a_credential_process_profile_twice_the_second_time_from_the_cache() {
    if !common::require_tool("python3", &["-c", "import botocore"], common::moto::INSTALL_HINT) {
        return;
    }
    let s = setup();
    // The caller's keys in the credentials file, so that the profile (not the environment) signs.
    std::fs::write(
        s.home.path().join("aws-credentials"),
        "[default]\naws_access_key_id = AKIDFAKEFAKEFAKE\naws_secret_access_key = fake-secret-key\n",
    )
    .expect("credentials");
    let out = common::orgscope_command(s.home.path())
        .env("AWS_REGION", "eu-west-1")
        .args(["--endpoint-url", &s.fake.url(), "profiles", "--credential-process", "--write"])
        .output()
        .expect("profiles runs");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let config = std::fs::read_to_string(s.home.path().join("aws-config")).expect("config written");
    let target = &s.org.accounts[7];
    let line = config
        .lines()
        .find(|l| l.starts_with("credential_process = ") && l.contains(&format!("'{}'", target.id)))
        .unwrap_or_else(|| panic!("a credential_process for {}: {config}", target.id));
    let binary = std::fs::canonicalize(common::orgscope_bin()).expect("binary path");
    assert!(line.contains(&format!("'{}' 'assume'", binary.display())), "the absolute path: {line}");
    assert!(line.contains("'--format' 'credential-process'") && line.contains("'--profile' 'default'"), "{line}");
    let profile = config
        .lines()
        .take_while(|l| *l != line)
        .filter_map(|l| l.strip_prefix("[profile ").and_then(|l| l.strip_suffix(']')))
        .last()
        .expect("the profile's name")
        .to_string();

    let botocore = || {
        let script = format!(
            "import botocore.session\ns = botocore.session.Session(profile='{profile}')\nprint(s.create_client('sts', region_name='eu-west-1', endpoint_url='{}').get_caller_identity()['Arn'])",
            s.fake.url()
        );
        let out = Command::new("python3")
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", s.home.path())
            .env("XDG_CACHE_HOME", s.home.path().join("cache"))
            .env("XDG_STATE_HOME", s.home.path().join("state"))
            .env("XDG_CONFIG_HOME", s.home.path().join("config"))
            .env("AWS_CONFIG_FILE", s.home.path().join("aws-config"))
            .env("AWS_SHARED_CREDENTIALS_FILE", s.home.path().join("aws-credentials"))
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .args(["-c", &script])
            .output()
            .expect("python3 runs");
        assert!(out.status.success(), "botocore: {}", text(&out.stderr));
        text(&out.stdout).trim().to_string()
    };
    s.forget();
    let arn = botocore();
    assert!(arn.starts_with(&format!("arn:aws:sts::{}:assumed-role/", target.id)), "{arn}");
    assert_eq!(s.fake.calls_to("AssumeRole").len(), 1, "the first run assumed the role");
    s.forget();
    assert_eq!(botocore(), arn);
    only(&s.calls(), &[("sts:GetCallerIdentity", 1)]);
}
