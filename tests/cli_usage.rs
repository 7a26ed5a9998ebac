//! Options that cannot both take effect are a usage error naming both (exit 2), before anything is
//! read or written: nothing is silently dropped. And the help lists every exit code.

mod common;

/// `args` on the demo: the exit code and stderr.
fn run(home: &std::path::Path, args: &[&str]) -> (Option<i32>, String, String) {
    let out = common::orgscope_command(home).arg("--demo").args(args).output().expect("orgscope runs");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn every_pair_of_conflicting_options_is_refused_naming_both() {
    let home = tempfile::tempdir().expect("temp dir");
    let cases: &[(&[&str], &str, &str)] = &[
        (&["assume", "dns", "--exec", "--write-profile", "p", "--", "true"], "--exec", "--write-profile"),
        (&["assume", "dns", "--exec", "--console"], "--exec", "--console"),
        (&["assume", "dns", "--exec", "--format", "json"], "--exec", "--format"),
        (&["assume", "dns", "--console", "--write-profile", "p"], "--console", "--write-profile"),
        (&["assume", "dns", "--console", "--format", "json"], "--console", "--format"),
        (&["assume", "dns", "--format", "json", "--write-profile", "p"], "--format", "--write-profile"),
        (&["assume", "dns", "--via", "role", "--sso-role", "PowerUser"], "--sso-role", "--via role"),
        (&["assume", "dns", "--print"], "--print", "--console"),
        (&["assume", "dns", "--", "true"], "CMD", "--exec"),
        (&["assignments", "--since", "7d", "--start", "2026-11-01"], "--since", "--start"),
        (&["--snapshot", "x.json", "tree"], "--demo", "--snapshot"),
    ];
    for (args, first, second) in cases {
        let (code, stdout, stderr) = run(home.path(), args);
        assert_eq!(code, Some(2), "{args:?}: {stderr}");
        assert!(stdout.is_empty(), "{args:?}: nothing on stdout");
        assert!(stderr.contains(first) && stderr.contains(second), "{args:?} names both: {stderr}");
    }
    let untouched: Vec<_> = std::fs::read_dir(home.path()).map(|d| d.flatten().collect()).unwrap_or_default();
    assert!(untouched.iter().all(|e| !e.file_name().to_string_lossy().starts_with("aws-")), "nothing was written");
}

#[test]
fn the_help_lists_every_exit_code() {
    let home = tempfile::tempdir().expect("temp dir");
    let out = common::orgscope_command(home.path()).arg("--help").output().expect("orgscope runs");
    let help = String::from_utf8_lossy(&out.stdout);
    for code in ["0 success", "1 runtime error", "2 usage error", "3 blocked", "4 assume", "5 diff"] {
        assert!(help.contains(code), "{code}: {help}");
    }
}

/// A file named on the command line that cannot be read or parsed is a usage error everywhere.
#[test]
fn a_bad_file_on_the_command_line_exits_2_everywhere() {
    let home = tempfile::tempdir().expect("temp dir");
    let garbage = home.path().join("garbage.json");
    std::fs::write(&garbage, "{ not json").expect("write");
    let garbage = garbage.display().to_string();
    let missing = home.path().join("missing.toml").display().to_string();
    for args in [
        vec!["--snapshot", &garbage, "tree"],
        vec!["--snapshot", &garbage, "probe"],
        vec!["diff", &garbage, &garbage],
        vec!["--config", &missing, "tree"],
    ] {
        let out = common::orgscope_command(home.path()).args(&args).output().expect("orgscope runs");
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    }
}
