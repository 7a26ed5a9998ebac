//! `orgscope init`'s shell function in bash, zsh and fish, driven in tmux as a user types: every
//! subcommand (and one that does not exist) runs through it exactly as without it — its output on
//! the screen, its exit code returned — on a snapshot whose names are shell code, and no name is
//! ever run; Enter hands the credentials to the calling shell through the private file and leaves
//! no file behind; `x`'s sub-shell is on the screen and nothing it prints runs afterwards; a
//! prompt is answered through the function.

mod common;

use std::path::Path;

use clap::CommandFactory;
use common::tmux::{Shell, Tmux};

struct Session {
    home: tempfile::TempDir,
    tmux: Tmux,
    shell: Shell,
}

/// A shell in tmux with orgscope on its PATH and its function loaded, everything under a fresh
/// home (its temporary files too, so the test can see what is left behind).
fn session(shell: Shell) -> Option<Session> {
    let home = tempfile::tempdir().expect("temp dir");
    let home_str = home.path().display().to_string();
    let tmp = home.path().join("tmp");
    std::fs::create_dir_all(&tmp).expect("tmp");
    let tmp_str = tmp.display().to_string();
    let config = home.path().join("aws-config").display().to_string();
    let credentials = home.path().join("aws-credentials").display().to_string();
    let shell_path = format!("/bin/{}", shell.program());
    let env = [
        ("HOME", home_str.as_str()),
        ("TERM", "xterm-256color"),
        ("TMPDIR", tmp_str.as_str()),
        ("XDG_CACHE_HOME", home_str.as_str()),
        ("XDG_STATE_HOME", home_str.as_str()),
        ("XDG_CONFIG_HOME", home_str.as_str()),
        ("SHELL", shell_path.as_str()),
        ("AWS_CONFIG_FILE", config.as_str()),
        ("AWS_SHARED_CREDENTIALS_FILE", credentials.as_str()),
        ("AWS_EC2_METADATA_DISABLED", "true"),
    ];
    let tmux = Tmux::start_shell(home.path(), 120, 40, &env, shell)?;
    tmux.wait_for("the shell prompt", |s| s.contains('$'));
    let bin = common::orgscope_bin();
    let dir = bin.parent().map(|d| d.display().to_string()).unwrap_or_default();
    let path = format!("{dir}:{}", std::env::var("PATH").unwrap_or_default());
    tmux.type_text(&format!("{}; {}", shell.export("PATH", &path), shell.load_function()));
    tmux.send_keys(&["Enter"]);
    tmux.clear();
    Some(Session { home, tmux, shell })
}

impl Session {
    /// Types `line` and waits for `echo <tag>=[status]` after it: the status and the whole pane.
    fn run(&self, line: &str, tag: &str) -> (u8, String) {
        self.tmux.clear();
        self.tmux.type_text(&format!("{line}; echo \"{tag}=[{}]\"", self.shell.status()));
        self.tmux.send_keys(&["Enter"]);
        let text = self.tmux.wait_for_history(&format!("{tag} after `{line}`"), 60, |t| status_of(t, tag).is_some());
        (status_of(&text, tag).unwrap_or(u8::MAX), text)
    }

    fn marks(&self) -> Vec<String> {
        marks(self.home.path())
    }

    /// orgscope's temporary files left in the session's TMPDIR.
    fn leftovers(&self) -> Vec<String> {
        std::fs::read_dir(self.home.path().join("tmp"))
            .map(|entries| {
                entries
                    .flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .filter(|name| name.starts_with("orgscope"))
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// The number in `tag=[N]` (the echo's output, not the typed `tag=[$?]`).
fn status_of(text: &str, tag: &str) -> Option<u8> {
    let marker = format!("{tag}=[");
    text.match_indices(&marker).find_map(|(at, _)| {
        let rest = &text[at + marker.len()..];
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        (!digits.is_empty() && rest[digits.len()..].starts_with(']')).then(|| digits.parse().ok()).flatten()
    })
}

/// Files a payload created (`MARK-…`) anywhere under `dir`.
fn marks(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with("MARK") {
                found.push(entry.path().display().to_string());
            }
            if entry.path().is_dir() {
                found.extend(marks(&entry.path()));
            }
        }
    }
    found
}

/// What each subcommand is given, and a piece of what it shows on the screen. A subcommand this
/// table does not know yet runs without arguments and must still show something.
fn invocation(subcommand: &str) -> (Vec<&'static str>, Option<&'static str>) {
    let blocked = common::hostile::BLOCKED;
    match subcommand {
        "tree" => (vec![], Some("Organization o-fa1e000000")),
        "probe" => (vec![], Some("accounts:")),
        "assignments" => (vec!["--since", "90d"], Some("request")),
        "access" => (vec![], Some("Admin")),
        "permission-sets" => (vec![], Some("[unknown]")),
        "assume" => (vec![blocked], Some(blocked)),
        "login" => (vec![], Some("--snapshot")),
        "roles" => (vec![], Some("snapshot")),
        "profiles" => (vec![], Some("orgscope managed profiles")),
        "init" => (vec!["bash"], Some("ORGSCOPE_EXPORT_FILE")),
        "template" => (vec!["trust-policy"], Some("sts:AssumeRole")),
        "diff" => (vec!["evil.json", "evil.json"], Some("0 changes in o-fa1e000000")),
        "snapshot" => (vec!["-o", "copy.json"], Some("copy.json")),
        "completions" => (vec!["bash"], Some("complete")),
        "help" => (vec![], Some("Usage")),
        _ => (vec![], None),
    }
}

fn every_subcommand_runs_as_without_the_function(shell: Shell) {
    let Some(session) = session(shell) else { return };
    let snapshot = serde_json::to_string(&common::hostile::shell_snapshot()).expect("JSON");
    std::fs::write(session.home.path().join("evil.json"), snapshot).expect("snapshot written");
    let mut subcommands: Vec<String> =
        orgscope::cli::Cli::command().get_subcommands().map(|c| c.get_name().to_string()).collect();
    subcommands.push("help".into());
    subcommands.push("frobnicate".into());
    subcommands.dedup();
    for subcommand in &subcommands {
        let (args, shows) = invocation(subcommand);
        let line = format!("orgscope --snapshot evil.json {subcommand} {}", args.join(" "));
        let (through, screen) = session.run(&line, "via");
        let (direct, _) = session.run(&format!("command {line}"), "direct");
        assert_eq!(through, direct, "{shell:?} `{line}`: the function returned {through}, orgscope {direct}");
        let output: Vec<&str> =
            screen.lines().filter(|l| !l.trim().is_empty() && !l.contains("via=[") && !l.starts_with("$ ")).collect();
        match shows {
            Some(piece) => assert!(screen.contains(piece), "{shell:?} `{line}` should show {piece:?}:\n{screen}"),
            None => assert!(!output.is_empty(), "{shell:?} `{line}` showed nothing:\n{screen}"),
        }
        assert!(session.marks().is_empty(), "{shell:?} `{line}` ran a name: {:?}", session.marks());
    }
    assert!(session.leftovers().is_empty(), "{shell:?}: files left behind: {:?}", session.leftovers());
}

#[test]
fn bash_every_subcommand_runs_as_without_the_function_and_no_name_runs() {
    every_subcommand_runs_as_without_the_function(Shell::Bash);
}

#[test]
fn zsh_every_subcommand_runs_as_without_the_function_and_no_name_runs() {
    every_subcommand_runs_as_without_the_function(Shell::Zsh);
}

#[test]
fn fish_every_subcommand_runs_as_without_the_function_and_no_name_runs() {
    every_subcommand_runs_as_without_the_function(Shell::Fish);
}

/// The demo's first reachable account in tree order: Root, Acquisitions, Globex, globex-analytics.
const ACCOUNT_ID: &str = "602918374655";

fn open_demo_on_reachable_account(tmux: &Tmux) {
    tmux.type_text("orgscope --demo");
    tmux.send_keys(&["Enter"]);
    tmux.wait_for("the probed demo tree", |s| s.contains("9 blocked + 1 expected") && !s.contains("probing"));
    for _ in 0..3 {
        tmux.send_keys(&["j"]);
    }
    tmux.wait_for("globex-analytics selected", |s| {
        s.lines().any(|l| l.contains('›') && l.contains("globex-analytics"))
    });
}

fn enter_sets_the_credentials_in_the_calling_shell(shell: Shell) {
    let Some(session) = session(shell) else { return };
    let tmux = &session.tmux;
    open_demo_on_reachable_account(tmux);
    tmux.send_keys(&["Enter"]);
    tmux.wait_for("the TUI to exit", |s| !s.contains("Organization o-demo") && s.contains("handed to your shell"));
    let (code, screen) = session.run("echo \"key=$AWS_ACCESS_KEY_ID region=$AWS_REGION\"", "after");
    assert_eq!(code, 0);
    assert!(screen.contains(&format!("key=ASIADEMO{ACCOUNT_ID} region=")), "{shell:?}:\n{screen}");
    assert!(session.leftovers().is_empty(), "{shell:?}: the private file is gone: {:?}", session.leftovers());
    assert_eq!(tmux.display("#{alternate_on}"), "0");
}

#[test]
fn bash_enter_sets_the_credentials_in_the_calling_shell() {
    enter_sets_the_credentials_in_the_calling_shell(Shell::Bash);
}

#[test]
fn zsh_enter_sets_the_credentials_in_the_calling_shell() {
    enter_sets_the_credentials_in_the_calling_shell(Shell::Zsh);
}

#[test]
fn fish_enter_sets_the_credentials_in_the_calling_shell() {
    enter_sets_the_credentials_in_the_calling_shell(Shell::Fish);
}

/// The sub-shell's output is on the screen while it runs, and what it printed is not run when
/// orgscope quits (the old function captured it and evaluated it).
#[test]
fn the_sub_shell_is_on_the_screen_and_nothing_it_prints_runs_after_quitting() {
    let Some(session) = session(Shell::Bash) else { return };
    let tmux = &session.tmux;
    open_demo_on_reachable_account(tmux);
    tmux.send_keys(&["x"]);
    tmux.wait_for("the sub-shell", |s| s.contains("exit it to return to orgscope"));
    tmux.type_text("echo visible-$((6*7)); echo 'touch MARK-after-quit'");
    tmux.send_keys(&["Enter"]);
    tmux.wait_for("the sub-shell's output on the screen", |s| s.contains("visible-42"));
    tmux.type_text("exit");
    tmux.send_keys(&["Enter"]);
    tmux.wait_for("the TUI back", |s| s.contains("Organization o-demo"));
    tmux.send_keys(&["q"]);
    tmux.wait_for("the TUI to exit", |s| !s.contains("Organization o-demo"));
    let (code, _) = session.run("true", "after");
    assert_eq!(code, 0);
    assert!(session.marks().is_empty(), "the sub-shell's output ran: {:?}", session.marks());
    assert!(session.leftovers().is_empty(), "files left behind: {:?}", session.leftovers());
}

/// `assignments retry` asks on the terminal through the function: `n` sends nothing (exit 2),
/// `y` sends it (exit 0), and the function returns each.
#[test]
fn a_prompt_is_answered_through_the_function() {
    let Some(session) = session(Shell::Bash) else { return };
    let tmux = &session.tmux;
    let line = "orgscope --demo assignments retry a55e0000-7c6b-4a59-8e7d-00003ade68b1";
    for (answer, expected) in [("n", 2), ("y", 0)] {
        tmux.clear();
        tmux.type_text(&format!("{line}; echo \"code=[$?]\""));
        tmux.send_keys(&["Enter"]);
        tmux.wait_for("the question", |s| s.contains("[y/N]"));
        tmux.type_text(answer);
        tmux.send_keys(&["Enter"]);
        let text = tmux.wait_for_history("the answer's outcome", 30, |t| status_of(t, "code").is_some());
        assert_eq!(status_of(&text, "code"), Some(expected), "{answer}:\n{text}");
        if answer == "y" {
            assert!(text.contains("SUCCEEDED"), "{text}");
        }
    }
}
