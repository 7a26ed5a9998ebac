//! The real binary in a real terminal (tmux): it starts on the demo, keys move the selection, `q`
//! quits, and the shell is usable afterwards.

mod common;

use common::tmux::Tmux;

/// The text of the row carrying the selection marker.
fn selected_row(screen: &str) -> String {
    screen
        .lines()
        .find(|l| l.contains('›'))
        .map(|l| l.split('│').nth(1).unwrap_or(l).trim().to_string())
        .unwrap_or_default()
}

#[test]
fn demo_starts_navigates_quits_and_restores_the_terminal() {
    let home = tempfile::tempdir().expect("temp dir");
    let home_str = home.path().display().to_string();
    let env = [("HOME", home_str.as_str()), ("TERM", "xterm-256color"), ("XDG_STATE_HOME", home_str.as_str())];
    let Some(tmux) = Tmux::start(home.path(), 120, 40, &env) else { return };
    tmux.wait_for("the shell prompt", |s| s.contains('$'));
    assert_eq!(tmux.display("#{alternate_on}"), "0");

    let bin = common::orgscope_bin();
    tmux.type_text(&format!("{} --demo", bin.display()));
    tmux.send_keys(&["Enter"]);
    let screen = tmux.wait_for("the demo tree", |s| s.contains("Organization o-demo") && s.contains('›'));
    assert_eq!(tmux.display("#{alternate_on}"), "1", "the TUI uses the alternate screen");
    let first = selected_row(&screen);

    tmux.send_keys(&["j"]);
    let one = selected_row(&tmux.wait_for("j to move", |s| selected_row(s) != first));
    tmux.send_keys(&["j"]);
    let second = selected_row(&tmux.wait_for("j to move again", |s| selected_row(s) != one));
    tmux.send_keys(&["Down"]);
    let third = selected_row(&tmux.wait_for("Down to move", |s| selected_row(s) != second));
    tmux.send_keys(&["k"]);
    let back = tmux.wait_for("k to move back", |s| selected_row(s) != third);
    assert_eq!(selected_row(&back), second, "k undoes Down");

    tmux.send_keys(&["q"]);
    tmux.wait_for("the TUI to exit", |s| !s.contains("Organization o-demo"));
    assert_eq!(tmux.display("#{alternate_on}"), "0", "the alternate screen is left");
    assert_eq!(tmux.display("#{cursor_flag}"), "1", "the cursor is shown");

    // Cooked mode: the shell reads a line, echoes it, and runs it.
    tmux.type_text("stty -a | tr ' ' '\\n' | grep -x -e icanon -e echo | tr '\\n' ' '; echo done-$((6*7))");
    tmux.send_keys(&["Enter"]);
    let after = tmux.wait_for("the shell to answer", |s| s.contains("done-42"));
    assert!(after.contains("icanon echo"), "the terminal is back in cooked mode with echo:\n{after}");
}
