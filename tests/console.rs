//! The console the way users ask for it: a destination and region, the browser they chose (a
//! command run without a shell, `$BROWSER`, a Firefox container per account), the sign-in URL kept
//! out of the log; and profile names from a template.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// A program that writes the arguments it was given, NUL-separated, to `$RECORD_TO`.
fn recorder(dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(
        &path,
        "#!/bin/sh\nprintf '%s\\0' \"$@\" > \"$RECORD_TO.tmp\" && mv \"$RECORD_TO.tmp\" \"$RECORD_TO\"\n",
    )
    .expect("write the recorder");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    path
}

/// The arguments the recorder was given (it runs detached: wait for it).
fn recorded(path: &Path) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Ok(bytes) = std::fs::read(path) {
            return String::from_utf8_lossy(&bytes).split('\0').filter(|a| !a.is_empty()).map(str::to_string).collect();
        }
        assert!(Instant::now() < deadline, "the browser command was never run");
        std::thread::sleep(Duration::from_millis(20));
    }
}

struct Setup {
    home: tempfile::TempDir,
    record: PathBuf,
}

/// The demo, whose console URL is made offline (it opens no connection).
fn setup() -> Setup {
    let home = tempfile::tempdir().expect("temp dir");
    let record = home.path().join("argv");
    Setup { home, record }
}

impl Setup {
    fn demo(&self) -> Command {
        let mut command = common::orgscope_command(self.home.path());
        command
            .arg("--demo")
            .env("RECORD_TO", &self.record)
            .env("ORGSCOPE_LOG", "trace")
            .env("ORGSCOPE_LOG_FILE", self.home.path().join("orgscope.log"));
        command
    }

    fn printed(&self, args: &[&str]) -> String {
        let out = self.demo().args(["assume", "dns", "--console", "--print"]).args(args).output().expect("run");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }
}

/// The Destination parameter of a sign-in URL, decoded.
fn destination(url: &str) -> String {
    url::Url::parse(url)
        .ok()
        .and_then(|u| u.query_pairs().find(|(k, _)| k == "Destination").map(|(_, v)| v.into_owned()))
        .unwrap_or_default()
}

#[test]
fn destinations_and_regions_reach_the_sign_in_url() {
    let setup = setup();
    assert_eq!(
        destination(&setup.printed(&["--destination", "ec2"])),
        "https://console.aws.amazon.com/ec2/home?region=eu-west-1"
    );
    assert_eq!(
        destination(&setup.printed(&["--destination", "lambda", "--console-region", "ap-south-1"])),
        "https://console.aws.amazon.com/lambda/home?region=ap-south-1"
    );
    assert_eq!(destination(&setup.printed(&["--destination", "iam"])), "https://console.aws.amazon.com/iam/home");
    let url = "https://console.aws.amazon.com/cloudwatch/home?region=us-west-2#alarmsV2:";
    assert_eq!(destination(&setup.printed(&["--destination", url])), url, "a console URL is kept as given");

    for (bad, says) in [("https://evil.example/login", "not on the console's host"), ("kittens", "neither a service")] {
        let out =
            setup.demo().args(["assume", "dns", "--console", "--print", "--destination", bad]).output().expect("run");
        assert_eq!(out.status.code(), Some(2), "{bad}");
        assert!(String::from_utf8_lossy(&out.stderr).contains(says), "{bad}: {}", String::from_utf8_lossy(&out.stderr));
        assert!(out.stdout.is_empty());
    }

    // The config's defaults, and a flag over them.
    std::fs::create_dir_all(setup.home.path().join("config/orgscope")).expect("config dir");
    std::fs::write(
        setup.home.path().join("config/orgscope/config.toml"),
        "console_destination = \"cloudformation\"\nconsole_region = \"eu-central-1\"\n",
    )
    .expect("config");
    assert_eq!(
        destination(&setup.printed(&[])),
        "https://console.aws.amazon.com/cloudformation/home?region=eu-central-1"
    );
    assert_eq!(
        destination(&setup.printed(&["--destination", "s3"])),
        "https://console.aws.amazon.com/s3/home?region=eu-central-1"
    );
    std::fs::write(setup.home.path().join("config/orgscope/config.toml"), "console_destination = \"kittens\"\n")
        .expect("config");
    let out = setup.demo().args(["assume", "dns", "--console", "--print"]).output().expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("line 1: console_destination"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The sign-in page the browser was handed (a `file://` URL), and the URL it forwards to.
fn page_of(arg: &str) -> (PathBuf, String) {
    let page = url::Url::parse(arg).ok().and_then(|u| u.to_file_path().ok()).expect("a file URL");
    let html = std::fs::read_to_string(&page).expect("the page");
    let target = html
        .split("location.replace(")
        .nth(1)
        .and_then(|rest| rest.split(");").next())
        .and_then(|json| serde_json::from_str::<String>(&json.replace("\\u003c", "<")).ok())
        .expect("the forwarding script");
    (page, target)
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).map(|m| m.permissions().mode() & 0o777).unwrap_or(0)
}

#[test]
fn the_browser_command_gets_a_private_page_never_the_token_and_the_log_never_sees_it() {
    let setup = setup();
    let expected = setup.printed(&["--destination", "ec2"]);
    let bin = recorder(setup.home.path(), "my browser");
    let command = format!("'{}' --profile 'work; $(id)' %u", bin.display());
    let out = setup
        .demo()
        .env("ORGSCOPE_TEST_PAGE_SECONDS", "2")
        .args(["assume", "dns", "--console", "--destination", "ec2", "--browser", &command])
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.stdout.is_empty(), "the URL reaches stdout only with --print");
    let argv = recorded(&setup.record);
    assert_eq!(argv[..2], ["--profile".to_string(), "work; $(id)".to_string()], "{argv:?}");
    assert!(argv.iter().all(|a| !a.contains("SigninToken")), "the token is on the command line: {argv:?}");
    let (page, target) = page_of(&argv[2]);
    assert_eq!(target, expected, "the page forwards to the sign-in URL");
    assert_eq!((mode(&page), mode(page.parent().expect("dir"))), (0o600, 0o700));
    let deadline = Instant::now() + Duration::from_secs(15);
    while page.exists() {
        assert!(Instant::now() < deadline, "the page was never removed");
        std::thread::sleep(Duration::from_millis(50));
    }

    // $BROWSER, when neither the flag nor the config names a browser; `%s` stands for the page.
    std::fs::remove_file(&setup.record).expect("reset");
    let out = setup
        .demo()
        .env("BROWSER", format!("'{}' --new-tab %s:lynx", bin.display()))
        .args(["assume", "dns", "--console"])
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let argv = recorded(&setup.record);
    assert_eq!(argv.len(), 2, "{argv:?}");
    assert_eq!(argv[0], "--new-tab");
    assert!(page_of(&argv[1]).1.ends_with("&SigninToken=orgscope-demo-token-for-230498571236-not-valid"), "{argv:?}");

    let log = std::fs::read_to_string(setup.home.path().join("orgscope.log")).expect("the trace log");
    assert!(
        !log.contains("orgscope-demo-token") && !log.contains("SigninToken="),
        "the sign-in URL stays out of the log"
    );
}

/// While the browser runs, no process's command line (what `ps` shows every local user) holds the
/// sign-in token.
#[test]
fn ps_never_shows_the_sign_in_token() {
    let setup = setup();
    let browser = setup.home.path().join("slow-browser");
    std::fs::write(
        &browser,
        "#!/bin/sh
touch \"$RECORD_TO\"
sleep 5
",
    )
    .expect("browser");
    std::fs::set_permissions(&browser, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let out = setup
        .demo()
        .args(["assume", "dns", "--console", "--browser", &format!("'{}' %u", browser.display())])
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let deadline = Instant::now() + Duration::from_secs(10);
    while !setup.record.exists() {
        assert!(Instant::now() < deadline, "the browser never started");
        std::thread::sleep(Duration::from_millis(20));
    }
    let ps = Command::new("ps").args(["-eo", "args"]).output().expect("ps runs");
    let table = String::from_utf8_lossy(&ps.stdout);
    assert!(table.contains("slow-browser"), "the browser is running: {table}");
    assert!(!table.contains("SigninToken") && !table.contains("orgscope-demo-token"), "{table}");
}

#[test]
fn firefox_container_opens_a_container_named_after_the_account_and_its_id() {
    let setup = setup();
    let bin_dir = setup.home.path().join("bin");
    std::fs::create_dir_all(&bin_dir).expect("bin dir");
    recorder(&bin_dir, "firefox");
    let path = format!("{}:{}", bin_dir.display(), std::env::var("PATH").unwrap_or_default());
    let out = setup
        .demo()
        .env("PATH", path)
        .args(["assume", "dns", "--console", "--browser", "firefox-container"])
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let argv = recorded(&setup.record);
    assert_eq!(argv.len(), 1, "{argv:?}");
    assert!(!argv[0].contains("SigninToken"), "{argv:?}");
    let (_, container) = page_of(&argv[0]);
    assert!(container.starts_with("ext+container:name=dns+%28230498571236%29&color="), "{container}");
    assert!(container.contains("&icon=") && container.contains("&url=http"), "{container}");
    let inner = url::form_urlencoded::parse(container.trim_start_matches("ext+container:").as_bytes())
        .find(|(k, _)| k == "url")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default();
    assert!(inner.ends_with("&SigninToken=orgscope-demo-token-for-230498571236-not-valid"), "{inner}");
}

fn profile_names(home: &Path, args: &[&str]) -> (Option<i32>, Vec<String>, String) {
    let out = common::orgscope_command(home).args(["--demo", "profiles"]).args(args).output().expect("run");
    let names = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.strip_prefix("[profile ").and_then(|l| l.strip_suffix(']')).map(str::to_string))
        .collect();
    (out.status.code(), names, String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn profile_names_follow_the_template() {
    let home = tempfile::tempdir().expect("temp dir");
    let (code, names, stderr) = profile_names(home.path(), &["--name-template", "{ou}.{account_name}"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(names.contains(&"infrastructure.dns".to_string()), "{names:?}");
    assert!(names.contains(&"payments.payments-prod".to_string()), "the nearest OU: {names:?}");
    let (_, names, _) = profile_names(home.path(), &["--prefix", "acme-", "--name-template", "{ou_path}/{account_id}"]);
    assert!(names.contains(&"acme-workloads-production-payments-187654321098".to_string()), "{names:?}");
    // Every profile the same name, none of them the account's own words: every one gets its id.
    let (_, names, _) = profile_names(home.path(), &["--name-template", "{role}"]);
    assert!(names.iter().all(|n| n.starts_with("organizationaccountaccessrole-")), "{names:?}");
    let unique: std::collections::HashSet<&String> = names.iter().collect();
    assert_eq!(unique.len(), names.len());

    let (code, names, stderr) = profile_names(home.path(), &["--name-template", "{account}-{ou}"]);
    assert_eq!((code, names.len()), (Some(2), 0));
    assert!(
        stderr.contains("{account} in \"{account}-{ou}\" is not a placeholder")
            && stderr.contains("{account_id}, {account_name}"),
        "{stderr}"
    );

    std::fs::create_dir_all(home.path().join("config/orgscope")).expect("config dir");
    std::fs::write(home.path().join("config/orgscope/config.toml"), "profile_name_template = \"{account_id}\"\n")
        .expect("config");
    let (_, names, _) = profile_names(home.path(), &[]);
    assert!(names.iter().all(|n| n.len() == 12 && n.bytes().all(|b| b.is_ascii_digit())), "{names:?}");
}
