//! Switch role from the real TUI in tmux: Enter through the `init` shell function changes the
//! calling shell, `x` opens a sub-shell and comes back, and `y` copies the exports through tmux's
//! OSC 52 buffer and, under Xvfb, to an X clipboard that still pastes after orgscope has exited.

mod common;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::tmux::Tmux;

/// The demo's first reachable account in tree order: Root, Acquisitions, Globex, globex-analytics.
const ACCOUNT_ID: &str = "602918374655";

fn path_with_orgscope() -> String {
    let bin = common::orgscope_bin();
    let dir = bin.parent().map(|d| d.display().to_string()).unwrap_or_default();
    format!("{dir}:{}", std::env::var("PATH").unwrap_or_default())
}

struct Session {
    _home: tempfile::TempDir,
    tmux: Tmux,
}

fn session(extra: &[(&str, &str)]) -> Option<Session> {
    let home = tempfile::tempdir().expect("temp dir");
    let home_str = home.path().display().to_string();
    let credentials = home.path().join("aws-credentials").display().to_string();
    let path = path_with_orgscope();
    let mut env = vec![
        ("HOME", home_str.as_str()),
        ("TERM", "xterm-256color"),
        ("XDG_STATE_HOME", home_str.as_str()),
        ("SHELL", "/bin/bash"),
        ("AWS_SHARED_CREDENTIALS_FILE", credentials.as_str()),
    ];
    env.extend_from_slice(extra);
    let tmux = Tmux::start(home.path(), 120, 45, &env)?;
    tmux.wait_for("the shell prompt", |s| s.contains('$'));
    // tmux hands new panes the server's PATH; set ours in the shell itself.
    tmux.type_text(&format!("export PATH='{path}'; clear"));
    tmux.send_keys(&["Enter"]);
    tmux.wait_for("the cleared prompt", |s| !s.contains("export PATH"));
    Some(Session { _home: home, tmux })
}

/// Starts the demo TUI (through `command`) and selects the first reachable account.
fn open_demo_on_reachable_account(tmux: &Tmux, command: &str) {
    tmux.type_text(command);
    tmux.send_keys(&["Enter"]);
    tmux.wait_for("the probed demo tree", |s| s.contains("9 blocked + 1 expected") && !s.contains("probing"));
    for _ in 0..3 {
        tmux.send_keys(&["j"]);
    }
    tmux.wait_for("globex-analytics selected", |s| {
        s.lines().any(|l| l.contains('›') && l.contains("globex-analytics"))
    });
}

#[test]
fn enter_through_the_init_function_changes_the_calling_shell() {
    let Some(session) = session(&[]) else { return };
    let tmux = &session.tmux;
    tmux.type_text("eval \"$(orgscope init bash)\"; clear");
    tmux.send_keys(&["Enter"]);
    open_demo_on_reachable_account(tmux, "orgscope --demo");
    tmux.send_keys(&["Enter"]);
    tmux.wait_for("the TUI to exit", |s| !s.contains("Organization o-demo"));
    tmux.type_text("echo \"key=$AWS_ACCESS_KEY_ID exp=${AWS_SESSION_EXPIRATION:+set}\"");
    tmux.send_keys(&["Enter"]);
    let screen = tmux.wait_for("the shell to answer", |s| s.contains("key=ASIA"));
    assert!(screen.contains(&format!("key=ASIADEMO{ACCOUNT_ID} exp=set")), "{screen}");
    assert!(screen.contains("(demo credentials, not valid"), "the demo says so:\n{screen}");
    assert_eq!(tmux.display("#{alternate_on}"), "0");
}

#[test]
fn x_opens_a_sub_shell_with_the_credentials_and_exit_returns_to_the_tui() {
    let Some(session) = session(&[]) else { return };
    let tmux = &session.tmux;
    let bin = common::orgscope_bin();
    open_demo_on_reachable_account(tmux, &format!("{} --demo", bin.display()));
    tmux.send_keys(&["x"]);
    tmux.wait_for("the sub-shell", |s| s.contains("exit it to return to orgscope"));
    tmux.type_text("echo \"inner=$AWS_ACCESS_KEY_ID\"; exit");
    tmux.send_keys(&["Enter"]);
    // Waited for as one condition: a capture can catch the first frame half drawn.
    tmux.wait_for("the TUI to come back with the selection kept", |s| {
        s.contains("Organization o-demo") && s.lines().any(|l| l.contains('›') && l.contains("globex-analytics"))
    });
    tmux.send_keys(&["q"]);
    tmux.wait_for("the TUI to exit", |s| !s.contains("Organization o-demo"));
    let screen = tmux.capture(false);
    assert!(screen.contains(&format!("inner=ASIADEMO{ACCOUNT_ID}")), "{screen}");
}

/// A key typed while the sub-shell exits is the TUI's first key when it comes back: it was lost
/// (until another key came) when crossterm's event stream of the first run was dropped.
#[test]
fn a_key_typed_as_the_sub_shell_exits_reaches_the_tui() {
    let Some(session) = session(&[]) else { return };
    let tmux = &session.tmux;
    let bin = common::orgscope_bin();
    for round in 0..3 {
        open_demo_on_reachable_account(tmux, &format!("{} --demo", bin.display()));
        tmux.send_keys(&["x"]);
        tmux.wait_for("the sub-shell", |s| s.contains("exit it to return to orgscope"));
        // Typed ahead in one go: the shell reads `exit`, the TUI gets the `q`.
        tmux.type_text("exit");
        tmux.send_keys(&["Enter", "q"]);
        tmux.wait_for(&format!("orgscope to quit on the typed-ahead q (round {round})"), |s| {
            s.lines().rev().find(|l| !l.trim().is_empty()).is_some_and(|l| l.trim() == "$")
        });
        tmux.type_text("clear");
        tmux.send_keys(&["Enter"]);
        tmux.wait_for("the cleared prompt", |s| !s.contains("exit it to return"));
    }
}

/// A config that clears copied secrets after `seconds`.
fn clear_after(session: &Session, seconds: u32) {
    let dir = session._home.path().join(".config/orgscope");
    std::fs::create_dir_all(&dir).expect("config dir");
    std::fs::write(dir.join("config.toml"), format!("clipboard_clear_after = \"{seconds}s\"\n")).expect("config");
}

/// Inside tmux the exports are a named buffer, deleted after the configured time; no automatic
/// buffer (which OSC 52 would make, and nothing ever deletes) holds them.
#[test]
fn y_puts_the_exports_in_a_tmux_buffer_that_is_deleted_after_a_while() {
    let Some(session) = session(&[]) else { return };
    clear_after(&session, 3);
    let tmux = &session.tmux;
    assert!(tmux.run(&["set-option", "-g", "set-clipboard", "on"]).status.success());
    open_demo_on_reachable_account(tmux, &format!("{} --demo", common::orgscope_bin().display()));
    tmux.send_keys(&["y"]);
    tmux.wait_for("the copy toast", |s| s.contains("the exports for globex-analytics"));
    let buffer = String::from_utf8_lossy(&tmux.run(&["show-buffer", "-b", "orgscope-secret"]).stdout).into_owned();
    assert!(buffer.contains(&format!("export AWS_ACCESS_KEY_ID='ASIADEMO{ACCOUNT_ID}'")), "{buffer:?}");
    assert!(buffer.contains("unset AWS_PROFILE"), "{buffer:?}");
    let names = String::from_utf8_lossy(&tmux.run(&["list-buffers", "-F", "#{buffer_name}"]).stdout).into_owned();
    assert_eq!(names.trim(), "orgscope-secret", "only the named buffer: {names}");
    let deadline = Instant::now() + Duration::from_secs(15);
    while tmux.run(&["show-buffer", "-b", "orgscope-secret"]).status.success() {
        assert!(Instant::now() < deadline, "the buffer with the secret was never deleted");
        std::thread::sleep(Duration::from_millis(100));
    }
    tmux.send_keys(&["q"]);
}

/// A private X server on a unix socket only, stopped on drop.
struct Xvfb {
    child: Child,
    display: String,
}

impl Xvfb {
    fn start() -> Option<Xvfb> {
        if !common::require_tool("sh", &["-c", "command -v Xvfb && command -v xclip"], "apt-get install xvfb xclip") {
            return None;
        }
        let number = (std::process::id() % 400) + 100;
        let display = format!(":{number}");
        let child = Command::new("Xvfb")
            .args([display.as_str(), "-nolisten", "tcp", "-screen", "0", "800x600x24"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("Xvfb starts");
        let socket = format!("/tmp/.X11-unix/X{number}");
        let deadline = Instant::now() + Duration::from_secs(15);
        while !std::path::Path::new(&socket).exists() {
            assert!(Instant::now() < deadline, "Xvfb did not come up on {display}");
            std::thread::sleep(Duration::from_millis(50));
        }
        Some(Xvfb { child, display })
    }
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Under X the exports still paste after orgscope exits, are offered to clipboard managers as a
/// secret to keep out of their history, and are gone after the configured time.
#[test]
fn y_under_xvfb_pastes_after_orgscope_exits_is_marked_secret_and_is_cleared() {
    let Some(xvfb) = Xvfb::start() else { return };
    let Some(session) = session(&[("DISPLAY", xvfb.display.as_str())]) else { return };
    clear_after(&session, 4);
    let tmux = &session.tmux;
    open_demo_on_reachable_account(tmux, &format!("{} --demo", common::orgscope_bin().display()));
    tmux.send_keys(&["y"]);
    tmux.wait_for("the copy toast", |s| s.contains("copied to the clipboard"));
    tmux.send_keys(&["q"]);
    tmux.wait_for("the TUI to exit", |s| !s.contains("Organization o-demo"));
    tmux.type_text("echo exited-$((40+2))");
    tmux.send_keys(&["Enter"]);
    tmux.wait_for("orgscope to be gone", |s| s.contains("exited-42"));

    let xclip = |target: &str| {
        let output = Command::new("xclip")
            .args(["-o", "-selection", "clipboard", "-t", target])
            .env("DISPLAY", &xvfb.display)
            .output()
            .expect("xclip runs");
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    let text = xclip("UTF8_STRING");
    assert!(text.contains(&format!("export AWS_ACCESS_KEY_ID='ASIADEMO{ACCOUNT_ID}'")), "{text:?}");
    assert!(xclip("TARGETS").contains("x-kde-passwordManagerHint"), "marked secret: {}", xclip("TARGETS"));
    let deadline = Instant::now() + Duration::from_secs(20);
    while xclip("UTF8_STRING").contains("ASIADEMO") {
        assert!(Instant::now() < deadline, "the exports were never cleared from the clipboard");
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn tab_then_c_puts_the_exact_iam_limit_reason_in_the_tmux_buffer() {
    let Some(session) = session(&[]) else { return };
    let tmux = &session.tmux;
    assert!(tmux.run(&["set-option", "-g", "set-clipboard", "on"]).status.success());
    tmux.type_text(&format!("{} --demo", common::orgscope_bin().display()));
    tmux.send_keys(&["Enter"]);
    tmux.wait_for("the probed demo tree", |s| s.contains("9 blocked + 1 expected") && !s.contains("probing"));
    tmux.send_keys(&["Tab"]);
    tmux.wait_for("the assignments view", |s| s.contains("Assignments — 19 of 19 requests"));
    tmux.send_keys(&["f"]);
    tmux.wait_for("failures only", |s| s.contains("failures only"));
    // The newest failure is the IAM-limit one; select it explicitly by walking to it.
    tmux.send_keys(&["g"]);
    tmux.wait_for("the IAM-limit failure selected", |s| {
        s.lines().any(|l| l.contains('›') && l.contains("FAILED") && l.contains("create") && l.contains("data-prod"))
    });
    tmux.send_keys(&["c"]);
    tmux.wait_for("the copy toast", |s| s.contains("the failure reason of"));
    let buffer = String::from_utf8_lossy(&tmux.run(&["show-buffer"]).stdout).into_owned();
    assert_eq!(
        buffer,
        "Received a 402 status error: Number of attached policies to role AWSReservedSSO_DataScientist_3f2a1b0c9d8e7f6a for account 210987654321 has exceeded the IAM limit. Please contact support to increase the limit."
    );
    tmux.send_keys(&["q"]);
}

/// Without the shell function, on a terminal, nothing listens for the exports: Enter explains
/// (and the TUI stays), `assume` says how to take them, and no secret reaches the screen.
#[test]
fn without_the_function_no_secret_reaches_the_terminal() {
    let Some(session) = session(&[]) else { return };
    let tmux = &session.tmux;
    let bin = common::orgscope_bin().display().to_string();
    open_demo_on_reachable_account(tmux, &format!("{bin} --demo"));
    tmux.send_keys(&["Enter"]);
    tmux.wait_for("the explanation", |s| s.contains("No shell is listening here"));
    tmux.send_keys(&["Escape"]);
    tmux.wait_for("the popup closed", |s| !s.contains("No shell is listening here"));
    tmux.send_keys(&["q"]);
    tmux.wait_for("the TUI to exit", |s| !s.contains("Organization o-demo"));
    tmux.type_text(&format!("{bin} --demo assume dns; echo \"code=[$?]\""));
    tmux.send_keys(&["Enter"]);
    let screen = tmux.wait_for("assume's answer", |s| s.contains("code=[2]"));
    assert!(screen.contains("the credentials were not printed"), "{screen}");
    let history = tmux.capture_history();
    assert!(!history.contains("demo-secret") && !history.contains("ASIADEMO"), "a secret on the screen:\n{history}");
}
