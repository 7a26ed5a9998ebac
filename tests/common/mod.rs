//! Shared test harness: the orgscope binary, required external tools, moto, and the fake AWS endpoint.
#![allow(dead_code)]

pub mod fake_aws;
pub mod footholds;
pub mod hostile;
pub mod moto;
pub mod tmux;
pub mod tui;

use std::path::PathBuf;
use std::process::Command;

/// The orgscope binary built for this test run, or `ORGSCOPE_TEST_BIN` (an older build, to see a
/// test fail on the code it was written against).
pub fn orgscope_bin() -> PathBuf {
    match std::env::var_os("ORGSCOPE_TEST_BIN").filter(|p| !p.is_empty()) {
        Some(path) => PathBuf::from(path),
        None => PathBuf::from(env!("CARGO_BIN_EXE_orgscope")),
    }
}

/// True when running under CI, where a missing tool is a failure, never a skip.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "0" && v != "false")
}

/// Checks that `program` runs (`program args…` exits 0). Under `CI=true` a missing tool panics with
/// the install hint; elsewhere the test is skipped with the same hint on stderr (returns false).
pub fn require_tool(program: &str, args: &[&str], install_hint: &str) -> bool {
    let ok = Command::new(program).args(args).output().map(|o| o.status.success()).unwrap_or(false);
    if ok {
        return true;
    }
    let message = format!("`{program}` is not available: {install_hint}");
    if in_ci() {
        panic!("{message} (CI=true: a missing tool fails the run)");
    }
    eprintln!("SKIPPED: {message}");
    false
}

/// A command for the orgscope binary with an environment that cannot reach real AWS or read the
/// developer's own AWS configuration.
pub fn orgscope_command(home: &std::path::Path) -> Command {
    let mut command = Command::new(orgscope_bin());
    command
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("AWS_CONFIG_FILE", home.join("aws-config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", home.join("aws-credentials"))
        .env("AWS_EC2_METADATA_DISABLED", "true");
    command
}

/// The real binary pointed at the fake endpoint at `url`: test credentials, eu-west-1, no stdin.
#[allow(dead_code)]
pub fn fake_command(home: &std::path::Path, url: &str) -> Command {
    let mut command = orgscope_command(home);
    command
        .env("AWS_ACCESS_KEY_ID", "AKIDFAKEFAKEFAKE")
        .env("AWS_SECRET_ACCESS_KEY", "fake-secret-key")
        .env("AWS_REGION", "eu-west-1")
        .args(["--endpoint-url", url])
        .stdin(std::process::Stdio::null());
    command
}

/// GetCallerIdentity with `credentials` against the endpoint at `url`: (account, ARN).
#[allow(dead_code)]
pub async fn caller_identity(url: &str, credentials: aws_credential_types::Credentials) -> (String, String) {
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .endpoint_url(url)
        .credentials_provider(credentials)
        .load()
        .await;
    let identity = aws_sdk_sts::Client::new(&config).get_caller_identity().send().await.expect("GetCallerIdentity");
    (identity.account().unwrap_or_default().to_string(), identity.arn().unwrap_or_default().to_string())
}

/// Every file under `dir`, with its contents.
pub fn files_under(dir: &std::path::Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push((path.clone(), std::fs::read(&path).unwrap_or_default()));
            }
        }
    }
    out
}
