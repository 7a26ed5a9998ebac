//! The real binary in a real terminal (tmux, `set-clipboard on`) against the fake AWS endpoint
//! serving the hostile organization: neither `orgscope tree` nor the TUI lets a name set the pane
//! title, write tmux's clipboard buffers, clear the screen or split a row, and `c` puts the
//! failure reason's visible form in the buffer.

mod common;

use common::fake_aws::FakeAws;
use common::hostile::{self, assert_inert};
use common::tmux::Tmux;

fn buffers(tmux: &Tmux) -> String {
    let list = tmux.run(&["list-buffers", "-F", "#{buffer_name}"]);
    let mut all = String::new();
    for name in String::from_utf8_lossy(&list.stdout).lines() {
        all.push_str(&String::from_utf8_lossy(&tmux.run(&["show-buffer", "-b", name]).stdout));
        all.push('\n');
    }
    all
}

#[test]
fn hostile_names_neither_retitle_the_pane_nor_write_the_clipboard() {
    let fake = FakeAws::start(hostile::org());
    hostile::install(&mut fake.state(), chrono::Utc::now().timestamp());
    let home = tempfile::tempdir().expect("temp dir");
    let Some(tmux) = common::tmux::against_fake(home.path(), 160, 45) else { return };
    assert!(tmux.run(&["set-option", "-g", "set-clipboard", "on"]).status.success());
    tmux.wait_for("the shell prompt", |s| s.contains('$'));
    let title_before = tmux.display("#{pane_title}");
    let bin = common::orgscope_bin().display().to_string();
    let url = fake.url();

    // The CLI prints the hostile tree into the terminal.
    tmux.type_text(&format!("echo BEFORE; '{bin}' tree --with-tags --endpoint-url {url}; echo AFTER"));
    tmux.send_keys(&["Enter"]);
    let screen = tmux.wait_for("the tree printed", |s| s.lines().any(|l| l.trim() == "AFTER"));
    assert_eq!(tmux.display("#{pane_title}"), title_before, "the pane title is unchanged");
    assert!(!buffers(&tmux).contains(hostile::CLIPBOARD_TEXT), "no clipboard write reached tmux");
    assert!(screen.contains("BEFORE"), "the screen was not cleared:\n{screen}");
    assert!(
        !screen.lines().any(|l| l.starts_with("[profile evil]") || l.starts_with("credential_process")),
        "{screen}"
    );
    assert!(screen.contains("Platform\\e]0;PWNED-TITLE\\x07"), "{screen}");

    // The TUI: discovery, probe and assignments read live; then Tab, the failed attempt, `c`.
    tmux.type_text(&format!("clear; '{bin}' --no-cache --endpoint-url {url}"));
    tmux.send_keys(&["Enter"]);
    tmux.wait_for("the probed hostile tree", |s| s.contains("1 blocked") && !s.contains("probing"));
    let screen = tmux.capture(false);
    assert_inert("the TUI", &screen);
    assert!(screen.contains("Platform\\e]0;PWNED-TITLE"), "{screen}");
    tmux.send_keys(&["Tab"]);
    tmux.wait_for("the assignments", |s| s.contains("3 of 3 requests"));
    tmux.send_keys(&["j"]);
    tmux.wait_for("the failed attempt selected", |s| s.lines().any(|l| l.contains('›') && l.contains("FAILED")));
    tmux.send_keys(&["c"]);
    tmux.wait_for("the copy toast", |s| s.contains("the failure reason of req-hostile-failed"));
    let copied = String::from_utf8_lossy(&tmux.run(&["show-buffer"]).stdout).into_owned();
    assert_inert("the copied reason", &copied);
    assert!(copied.starts_with("Received a 400 status error: \\e]0;PWNED-TITLE\\x07\\e]52;c;"), "{copied:?}");
    assert_eq!(tmux.display("#{pane_title}"), title_before, "the pane title is unchanged");
    assert!(!buffers(&tmux).contains(hostile::CLIPBOARD_TEXT), "no clipboard write reached tmux");
    tmux.send_keys(&["q"]);
    tmux.wait_for("the shell back", |s| s.contains('$') && !s.contains("Organization"));
}
