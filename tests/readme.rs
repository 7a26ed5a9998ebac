//! The README is tested. Every `orgscope …` line of its shell blocks runs as a user who followed it
//! types it: in tmux, in bash with orgscope's shell function loaded, on the demo organization
//! (`ORGSCOPE_DEMO=1`), and — as root, as in CI — in a network namespace of its own, with no network
//! at all. A line fails the test when it exits other than the README says (0 unless its comment
//! says `exit N`), when anything on the screen is Rust debug text, or when any file outside
//! orgscope's own cache and state directories (and the files the line was asked to write) changes.
//! The README's picture of the demo must be the demo as drawn.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::tmux::{Shell, Tmux};

const README: &str = include_str!("../README.md");

/// A demo request that failed, for `REQUEST_ID`.
const FAILED_REQUEST: &str = "a55e0000-7c6b-4a59-8e7d-00003ade68b1";
/// A demo account, for the README's example id.
const DEMO_ACCOUNT: &str = "187654321098";

/// One `orgscope` line of a shell block: where it is, as written, and what it should exit with.
#[derive(Debug, Clone)]
struct Documented {
    line: usize,
    written: String,
    command: String,
    exit: u8,
}

/// Every line of a ```sh block whose command is orgscope (`eval "$(orgscope …)"` included).
fn documented() -> Vec<Documented> {
    let mut out = Vec::new();
    let mut in_block = false;
    for (n, line) in README.lines().enumerate() {
        if line.starts_with("```") {
            in_block = line.trim() == "```sh";
            continue;
        }
        let trimmed = line.trim();
        if !in_block || !(trimmed.starts_with("orgscope") || trimmed.starts_with("eval \"$(orgscope")) {
            continue;
        }
        let (command, comment) = match trimmed.find(" # ") {
            Some(at) => (trimmed[..at].trim(), trimmed[at..].trim_start_matches([' ', '#'])),
            None => (trimmed, ""),
        };
        let exit = comment
            .split("exit ")
            .nth(1)
            .and_then(|rest| rest.chars().next())
            .and_then(|c| c.to_digit(10))
            .map_or(0, |d| d as u8);
        out.push(Documented { line: n + 1, written: trimmed.to_string(), command: runnable(command), exit });
    }
    out
}

/// The line made runnable on the demo: optional `[…]` parts left out, the placeholders filled,
/// dates moved into the window CloudTrail keeps.
fn runnable(command: &str) -> String {
    let mut out = String::new();
    let mut depth = 0;
    for c in command.chars() {
        match c {
            '[' if command.contains(" [--") => depth += 1,
            ']' if depth > 0 => depth -= 1,
            _ if depth > 0 => {}
            _ => out.push(c),
        }
    }
    let today = chrono::Utc::now().date_naive();
    let date = |days: i64| (today - chrono::Duration::days(days)).format("%Y-%m-%d").to_string();
    let mut words: Vec<String> = out.split_whitespace().map(str::to_string).collect();
    for at in 1..words.len() {
        match words[at - 1].as_str() {
            "--start" => words[at] = date(10),
            "--end" => words[at] = date(3),
            _ => {}
        }
    }
    words.join(" ").replace("REQUEST_ID", FAILED_REQUEST).replace("123456789012", DEMO_ACCOUNT)
}

/// Every file under `dir` but the `skipped` subtrees, with its contents.
fn files(dir: &Path, skipped: &[PathBuf]) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if skipped.iter().any(|s| path.starts_with(s)) {
                continue;
            }
            if path.is_dir() {
                stack.push(path);
            } else {
                out.insert(path.clone(), std::fs::read(&path).unwrap_or_default());
            }
        }
    }
    out
}

/// A program that records its arguments (a browser, terraform), always succeeding.
fn stub(dir: &Path, name: &str) {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join(name);
    std::fs::write(&path, format!("#!/bin/sh\nprintf '%s\\n' \"$*\" >> \"$HOME/work/{name}.calls\"\n")).expect("stub");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}

/// The `status` in `rc=[status]` after the typed line.
fn status_of(text: &str) -> Option<u8> {
    text.match_indices("rc=[").find_map(|(at, _)| {
        let rest = &text[at + 4..];
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        (!digits.is_empty() && rest[digits.len()..].starts_with(']')).then(|| digits.parse().ok()).flatten()
    })
}

/// Types `command` as a user would and plays the parts a user plays: quits the TUI, answers the
/// MFA code and `[y/N]`, leaves `--exec`'s shell. Returns the exit status and the whole pane.
fn run_as_a_user(tmux: &Tmux, command: &str) -> (u8, String) {
    tmux.clear();
    tmux.type_text(&format!("{command}; echo \"rc=[$?]\""));
    tmux.send_keys(&["Enter"]);
    let deadline = Instant::now() + Duration::from_secs(60);
    let (mut quit, mut mfa, mut asked, mut left) = (false, false, false, false);
    let mut shell_seen: Option<Instant> = None;
    loop {
        let text = tmux.capture_history();
        if let Some(status) = status_of(&text) {
            return (status, text);
        }
        assert!(Instant::now() < deadline, "`{command}` never finished:\n{text}");
        let screen = tmux.capture(false);
        // The TUI's own frame (not `tree`'s text, which names the organization too: a `q` sent to
        // it would reach the shell).
        if !quit && screen.contains("┌ Organization o-demo") && !screen.contains("probing") {
            tmux.send_keys(&["q"]);
            quit = true;
        } else if !mfa && screen.contains("MFA code for") {
            tmux.type_text("123456");
            tmux.send_keys(&["Enter"]);
            mfa = true;
        } else if !asked && screen.contains("[y/N]") {
            tmux.type_text("y");
            tmux.send_keys(&["Enter"]);
            asked = true;
        } else if !left && text.contains("running with") {
            // --exec without a command is a shell: give it a moment to prompt, then leave it.
            let since = *shell_seen.get_or_insert_with(Instant::now);
            if since.elapsed() > Duration::from_secs(1) {
                tmux.type_text("exit");
                tmux.send_keys(&["Enter"]);
                left = true;
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn every_orgscope_line_of_the_readme_works_on_the_demo_with_no_network() {
    let lines = documented();
    assert!(lines.len() >= 40, "the README's commands were found: {}", lines.len());
    let home = tempfile::tempdir().expect("temp dir");
    let home_path = home.path();
    let (work, bin, cache, state) =
        (home_path.join("work"), home_path.join("bin"), home_path.join(".cache"), home_path.join(".local/state"));
    for dir in [&work, &bin, &home_path.join(".aws")] {
        std::fs::create_dir_all(dir).expect("dir");
    }
    std::fs::write(home_path.join(".aws/config"), "[default]\nregion = eu-west-1\n").expect("config");
    std::fs::write(home_path.join(".aws/credentials"), "[default]\naws_access_key_id = AKIAUSER\n").expect("creds");
    for name in ["browser", "firefox", "terraform"] {
        stub(&bin, name);
    }
    // The files the README diffs, and the run it names, before its lines run.
    for name in ["monday.json", "today.json", "org.json"] {
        let out = common::orgscope_command(home_path)
            .env("XDG_CACHE_HOME", &cache)
            .args(["--demo", "snapshot", "-o", &work.join(name).display().to_string()])
            .output()
            .expect("a demo snapshot");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    let before = files(home_path, &[work.clone(), cache.clone(), state.clone()]);

    // As root (CI), every line runs in a network namespace of its own: no network at all.
    let isolated = common::in_ci() || nix_root();
    let launcher: &[&str] = if isolated { &["unshare", "-n"] } else { &[] };
    let orgscope_dir = common::orgscope_bin().parent().map(|d| d.display().to_string()).unwrap_or_default();
    let path = format!("{}:{orgscope_dir}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    let home_str = home_path.display().to_string();
    let browser = bin.join("browser").display().to_string();
    // The sub-shell of `--exec` is the user's shell: its history is the user's, not orgscope's.
    let history = work.join(".bash_history").display().to_string();
    let env = [
        ("HOME", home_str.as_str()),
        ("TERM", "xterm-256color"),
        ("SHELL", "/bin/bash"),
        ("ORGSCOPE_DEMO", "1"),
        ("BROWSER", browser.as_str()),
        ("AWS_EC2_METADATA_DISABLED", "true"),
        ("HISTFILE", history.as_str()),
    ];
    let Some(tmux) = Tmux::start_within(launcher, home_path, 160, 50, &env, Shell::Bash) else { return };
    tmux.wait_for("the shell", |s| s.contains('$'));
    tmux.type_text(&format!("export PATH='{path}'; cd work; eval \"$(orgscope init bash)\""));
    tmux.send_keys(&["Enter"]);

    let mut failures = Vec::new();
    for documented in &lines {
        let command = match documented.command.as_str() {
            // Each shell's setup line, in that shell (PowerShell is not in the reachable registries:
            // its function is printed, and checked by its text in src/export/init.rs).
            c if c.contains("init zsh") => format!("zsh -fc '{c} && typeset -f orgscope >/dev/null'"),
            c if c.contains("init fish") => format!("fish --no-config -c '{c}; and functions -q orgscope'"),
            c if c.contains("init powershell") => "orgscope init powershell >/dev/null".to_string(),
            // A saved run is not the demo.
            c if c.contains("--snapshot") => format!("(unset ORGSCOPE_DEMO; {c})"),
            c => c.to_string(),
        };
        let (status, screen) = run_as_a_user(&tmux, &command);
        if status != documented.exit {
            failures.push(format!(
                "README line {}: `{}` exited {status}, the README says {}:\n{screen}",
                documented.line, documented.written, documented.exit
            ));
        }
        for marker in orgscope::source::aws::errors::DEBUG_MARKERS {
            if screen.contains(marker) {
                failures.push(format!("README line {}: Rust debug text ({marker}):\n{screen}", documented.line));
            }
        }
    }
    let after = files(home_path, &[work, cache, state]);
    let changed: Vec<&PathBuf> =
        after.iter().filter(|(path, data)| before.get(*path) != Some(*data)).map(|(path, _)| path).collect();
    let removed: Vec<&PathBuf> = before.keys().filter(|path| !after.contains_key(*path)).collect();
    assert!(changed.is_empty() && removed.is_empty(), "the demo changed files: {changed:?} {removed:?}");
    assert!(failures.is_empty(), "{} README lines fail:\n\n{}", failures.len(), failures.join("\n\n"));
}

/// Root can make network namespaces.
fn nix_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

/// The README's picture of the demo (the block under "Try it") is the demo as drawn, with the
/// selection on globex-legacy-prod.
#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn the_readme_shows_the_demo_as_it_is_drawn() {
    let picture: Vec<&str> = README
        .split("```text\n")
        .nth(1)
        .and_then(|rest| rest.split("\n```").next())
        .map(|block| block.lines().collect())
        .unwrap_or_default();
    let width = picture.first().map_or(0, |l| l.chars().count()) as u16;
    let height = picture.len() as u16;
    let source = std::sync::Arc::new(orgscope::source::snapshot::SnapshotSource::demo_as_recorded().expect("demo"));
    let mut app = orgscope::app::App::new(orgscope::app::Settings::for_source(source.as_ref()));
    app.settings.theme = orgscope::theme::Theme { color: false, light: false };
    app.previous = orgscope::source::Source::previous_snapshot(source.as_ref());
    let portal: std::sync::Arc<dyn orgscope::source::portal::Portal> =
        std::sync::Arc::new(orgscope::source::snapshot::DemoPortal::new().expect("portal"));
    app.settings.portal =
        Some(orgscope::app::settings::PortalSettings { label: portal.label(), preferred: Vec::new() });
    let prober =
        orgscope::probe::Prober::new(source, orgscope::probe::ProbeSettings::default()).with_portal(Some(portal));
    let keys = (0..4).map(|_| common::tui::key(ratatui::crossterm::event::KeyCode::Char('j'))).collect();
    let landed = orgscope::export::clipboard::Copied { system: true, terminal: false };
    let (terminal, _, _) = common::tui::run_app_with(&mut app, prober, (width, height), keys, landed).await;
    let drawn = common::tui::text(terminal.backend().buffer());
    let drawn: Vec<&str> = drawn.lines().collect();
    assert_eq!(drawn, picture, "the README's picture of the demo is stale; the demo draws:\n{}", drawn.join("\n"));
}
