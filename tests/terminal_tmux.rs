//! The terminal is always restored: a panic in the UI loop or in a tokio task (debug builds only,
//! with ORGSCOPE_TEST_PANIC and F12), SIGTERM, SIGHUP and Ctrl-C all leave cooked mode, a visible
//! cursor and the normal screen behind.

mod common;

use common::tmux::Tmux;

fn start(extra: &[(&str, &str)]) -> Option<(tempfile::TempDir, Tmux)> {
    let home = tempfile::tempdir().expect("temp dir");
    let home_str = home.path().display().to_string();
    let mut env = vec![
        ("HOME", home_str.as_str()),
        ("TERM", "xterm-256color"),
        ("XDG_STATE_HOME", home_str.as_str()),
        ("RUST_BACKTRACE", "0"),
    ];
    env.extend_from_slice(extra);
    let tmux = Tmux::start(home.path(), 120, 40, &env)?;
    tmux.wait_for("the shell prompt", |s| s.contains('$'));
    tmux.type_text(&format!("{} --demo; echo \"exit=$?\"", common::orgscope_bin().display()));
    tmux.send_keys(&["Enter"]);
    tmux.wait_for("the demo", |s| s.contains("9 blocked + 1 expected"));
    assert_eq!(tmux.display("#{alternate_on}"), "1");
    Some((home, tmux))
}

/// Waits for orgscope to end with `code`, then checks the terminal is back to normal.
fn assert_restored(tmux: &Tmux, code: &str) -> String {
    // The echoed status line, not the typed command that contains `exit=$?`.
    let screen = tmux.wait_for("orgscope to end", |s| s.lines().any(|l| l.starts_with("exit=")));
    assert!(screen.lines().any(|l| l.starts_with(&format!("exit={code}"))), "exit code {code}:\n{screen}");
    assert_eq!(tmux.display("#{alternate_on}"), "0", "the alternate screen is left");
    assert_eq!(tmux.display("#{cursor_flag}"), "1", "the cursor is shown");
    tmux.type_text("stty -a | tr ' ' '\\n' | grep -x -e icanon -e echo | tr '\\n' ' '; echo cooked-$((6*7))");
    tmux.send_keys(&["Enter"]);
    let after = tmux.wait_for("the shell to answer", |s| s.contains("cooked-42"));
    assert!(after.contains("icanon echo"), "cooked mode with echo:\n{after}");
    screen
}

fn orgscope_pid(tmux: &Tmux) -> String {
    let shell = tmux.display("#{pane_pid}");
    let out = std::process::Command::new("pgrep").args(["-P", &shell, "-x", "orgscope"]).output().expect("pgrep runs");
    let pid = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert!(!pid.is_empty(), "orgscope runs under the pane's shell {shell}");
    pid
}

#[test]
fn a_panic_in_the_ui_loop_restores_the_terminal() {
    let Some((_home, tmux)) = start(&[("ORGSCOPE_TEST_PANIC", "ui")]) else { return };
    tmux.send_keys(&["F12"]);
    let screen = assert_restored(&tmux, "101");
    assert!(screen.contains("test-only panic in the UI loop"), "the panic is reported after the restore:\n{screen}");
}

#[test]
fn a_panic_in_a_task_restores_the_terminal_and_stops_with_a_clear_error() {
    let Some((_home, tmux)) = start(&[("ORGSCOPE_TEST_PANIC", "task")]) else { return };
    tmux.send_keys(&["F12"]);
    let screen = assert_restored(&tmux, "1");
    assert!(screen.contains("an internal error stopped orgscope"), "{screen}");
}

#[test]
fn sigterm_restores_the_terminal() {
    let Some((_home, tmux)) = start(&[]) else { return };
    let pid = orgscope_pid(&tmux);
    assert!(std::process::Command::new("kill").args(["-TERM", &pid]).status().expect("kill").success());
    assert_restored(&tmux, "143");
}

#[test]
fn sighup_restores_the_terminal() {
    let Some((_home, tmux)) = start(&[]) else { return };
    let pid = orgscope_pid(&tmux);
    assert!(std::process::Command::new("kill").args(["-HUP", &pid]).status().expect("kill").success());
    assert_restored(&tmux, "129");
}

/// Closing the terminal (the tmux server goes, the pty hangs up) ends orgscope: it used to wait
/// forever for its input reader, which spins on a hung-up terminal.
#[test]
fn closing_the_terminal_ends_orgscope() {
    let Some((_home, tmux)) = start(&[]) else { return };
    let pid = orgscope_pid(&tmux);
    let _ = tmux.run(&["kill-server"]);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let proc = std::path::PathBuf::from(format!("/proc/{pid}"));
    // Gone, or a zombie waiting for the shell that tmux killed.
    let ended = || std::fs::read_to_string(proc.join("stat")).map_or(true, |stat| stat.contains(") Z "));
    while !ended() {
        if std::time::Instant::now() > deadline {
            let _ = std::process::Command::new("kill").args(["-KILL", &pid]).status();
            panic!("orgscope {pid} still runs 10 s after its terminal closed");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

#[test]
fn ctrl_c_quits_and_restores_the_terminal() {
    let Some((_home, tmux)) = start(&[]) else { return };
    tmux.send_keys(&["C-c"]);
    assert_restored(&tmux, "0");
}
