//! Secrets stay secret: a whole session (discover, probe, assume with a written profile, exec, a
//! snapshot, assignments) with `RUST_LOG=trace`, and not one secret access key or session token the
//! endpoint handed out appears in the log file, stderr, the snapshot or the cache (but the
//! credential cache, whose files are 0600).

mod common;

use common::fake_aws::{FakeAws, FakeOrg};

#[test]
fn a_full_session_at_trace_level_leaks_no_secret() {
    let org = FakeOrg::generate(12, 2, 1);
    let fake = FakeAws::start(org.clone());
    let home = tempfile::tempdir().expect("temp dir");
    let log = home.path().join("orgscope.log");
    let snapshot = home.path().join("snapshot.json");
    let target = org.accounts[3].id.clone();
    let run = |args: &[&str]| {
        let out = common::orgscope_command(home.path())
            .env("AWS_ACCESS_KEY_ID", "AKIDFAKEFAKEFAKE")
            .env("AWS_SECRET_ACCESS_KEY", "caller-secret-key-that-must-not-leak")
            .env("AWS_REGION", "us-east-1")
            .env("AWS_ENDPOINT_URL", fake.url())
            .env("RUST_LOG", "trace")
            .env("ORGSCOPE_LOG_FILE", &log)
            .env("RUST_BACKTRACE", "1")
            .args(args)
            .output()
            .expect("run orgscope");
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        out
    };
    let mut stderr = String::new();
    for args in [
        vec!["probe", "--format", "json"],
        vec!["assume", &target, "--write-profile", "leak-check"],
        vec!["assume", &target, "--exec", "--", "true"],
        vec!["snapshot", "-o", snapshot.to_str().unwrap_or_default()],
        vec!["assignments", "--format", "json"],
    ] {
        let out = run(&args);
        stderr.push_str(&String::from_utf8_lossy(&out.stderr));
    }
    let (secrets, tokens): (Vec<String>, Vec<String>) = {
        let state = fake.state();
        let secrets = state.issued_secrets.clone();
        let tokens = (0..state.issued.len()).map(|n| format!("fake-token-{n}-")).collect();
        (secrets, tokens)
    };
    assert!(secrets.len() >= 10, "the session assumed roles: {}", secrets.len());

    let log_text = std::fs::read_to_string(&log).expect("the log was written");
    assert!(log_text.lines().count() > 20, "trace logging was on");
    let snapshot_text = std::fs::read_to_string(&snapshot).expect("the snapshot");
    // The credential cache holds the sessions `assume` handed out, privately; nothing else does.
    let kept_dir = home.path().join("cache/orgscope/credentials");
    let mut cache_text = String::new();
    let mut kept_text = String::new();
    for entry in walk(&home.path().join("cache")) {
        let contents = std::fs::read_to_string(&entry).unwrap_or_default();
        if entry.starts_with(&kept_dir) {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&entry).map(|m| m.permissions().mode() & 0o777).unwrap_or(0);
            assert_eq!(mode, 0o600, "{}", entry.display());
            kept_text.push_str(&contents);
        } else {
            cache_text.push_str(&contents);
        }
    }
    assert!(secrets.iter().any(|s| kept_text.contains(s.as_str())), "assume's session is kept");
    assert!(!kept_text.contains("caller-secret-key-that-must-not-leak"), "the caller's own key is never kept");
    let mut found = Vec::new();
    for secret in
        secrets.iter().chain(tokens.iter()).chain(std::iter::once(&"caller-secret-key-that-must-not-leak".to_string()))
    {
        for (place, text) in
            [("log", &log_text), ("stderr", &stderr), ("snapshot", &snapshot_text), ("cache", &cache_text)]
        {
            if text.contains(secret.as_str()) {
                found.push(format!("{secret} in the {place}"));
            }
        }
    }
    assert!(found.is_empty(), "secrets found: {found:?}");

    // The profile the user asked for does hold them, with mode 0600.
    let credentials = std::fs::read_to_string(home.path().join("aws-credentials")).expect("the profile");
    assert!(credentials.contains("[leak-check]") && secrets.iter().any(|s| credentials.contains(s.as_str())));
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                files.extend(walk(&path));
            } else {
                files.push(path);
            }
        }
    }
    files
}
