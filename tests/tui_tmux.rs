//! The real binary in a real terminal (tmux): it starts on the demo, keys move the selection, `q`
//! quits, and the shell is usable afterwards.

mod common;

use common::tmux::{Tmux, selected_row};

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
    // Each step waits for the row it should reach (a partly drawn frame never satisfies it).
    let at = |name: &'static str| move |s: &str| selected_row(s).split_whitespace().any(|w| w == name);
    assert!(at("Root")(&screen), "the root is selected first:\n{screen}");
    tmux.send_keys(&["j"]);
    tmux.wait_for("j to move to Acquisitions", at("Acquisitions"));
    tmux.send_keys(&["j"]);
    tmux.wait_for("j to move to Globex", at("Globex"));
    tmux.send_keys(&["Down"]);
    tmux.wait_for("Down to move to globex-analytics", at("globex-analytics"));
    tmux.send_keys(&["k"]);
    tmux.wait_for("k to undo Down", at("Globex"));

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

/// True when `line` (from `capture-pane -e`) switches the foreground to red before `text`: SGR 31
/// or 91, or tmux's 256-colour form `38;5;1` / `38;5;9`.
fn red_before(line: &str, text: &str) -> bool {
    let Some(end) = line.find(text) else { return false };
    let before = &line[..end];
    // The last SGR sequence before the text decides its colour.
    let Some(start) = before.rfind("\x1b[") else { return false };
    let sgr = &before[start + 2..];
    let params = sgr.split('m').next().unwrap_or_default();
    let params: Vec<&str> = params.split(';').collect();
    params.iter().any(|p| *p == "31" || *p == "91")
        || params.windows(3).any(|w| w == ["38", "5", "1"] || w == ["38", "5", "9"])
}

/// True when the foreground before `text` is light blue (SGR 94, or `38;5;12`).
fn blue_before(line: &str, text: &str) -> bool {
    let Some(end) = line.find(text) else { return false };
    let before = &line[..end];
    let Some(start) = before.rfind("\x1b[") else { return false };
    let params: Vec<&str> = before[start + 2..].split('m').next().unwrap_or_default().split(';').collect();
    params.contains(&"94") || params.windows(3).any(|w| w == ["38", "5", "12"])
}

/// `line` without its escape sequences.
fn plain(line: &str) -> String {
    let mut out = String::new();
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// The captured line (escapes kept) of the tree row naming account `name`.
fn row_of<'a>(screen: &'a str, name: &str) -> &'a str {
    screen.lines().find(|l| plain(l).contains(&format!(" {name}  "))).unwrap_or_default()
}

#[test]
fn blocked_rows_are_red_in_the_real_terminal_and_n_jumps_to_them() {
    let home = tempfile::tempdir().expect("temp dir");
    let home_str = home.path().display().to_string();
    let env = [("HOME", home_str.as_str()), ("TERM", "xterm-256color"), ("XDG_STATE_HOME", home_str.as_str())];
    let Some(tmux) = Tmux::start(home.path(), 120, 45, &env) else { return };
    tmux.wait_for("the shell prompt", |s| s.contains('$'));
    tmux.type_text(&format!("{} --demo", common::orgscope_bin().display()));
    tmux.send_keys(&["Enter"]);
    tmux.wait_for("the probe to finish and the portal's roles", |s| {
        s.contains("9 blocked + 1 expected") && !s.contains("probing") && s.contains("◈ SSO 18 accounts")
    });
    let screen = tmux.capture(true);

    // globex-legacy-prod is blocked for the role too, but the demo's own Identity Center sign-in
    // reaches it: drawn ◈ in its own colour (blue), not red.
    let through_portal = row_of(&screen, "globex-legacy-prod");
    assert!(
        plain(through_portal).contains("◈ globex-legacy-prod") && plain(through_portal).contains("via SSO: Data"),
        "{through_portal:?}"
    );
    assert!(!red_before(through_portal, "globex-legacy-prod"), "not red: {through_portal:?}");
    assert!(blue_before(through_portal, "globex-legacy-prod"), "blue: {through_portal:?}");
    let blocked = ["globex-shared", "vpn-edge", "audit"];
    let reachable = ["globex-analytics", "dns", "network-hub", "sandbox-alice", "security-tooling"];
    for name in blocked {
        let line = row_of(&screen, name);
        assert!(red_before(line, name), "{name} is drawn red: {line:?}");
    }
    // Blocked on purpose: its own glyph, not red.
    let vault = row_of(&screen, "log-archive");
    assert!(plain(vault).contains("⊖ log-archive") && !red_before(vault, "log-archive"), "{vault:?}");
    for name in reachable {
        let line = row_of(&screen, name);
        assert!(!line.is_empty(), "{name} is on screen");
        assert!(!red_before(line, name), "{name} is not red: {line:?}");
    }

    tmux.send_keys(&["n"]);
    // The detail pane explains it (waited for together: a capture can catch a frame half drawn).
    tmux.wait_for("n to select a blocked account and show its fix", |s| {
        selected_row(s).contains("globex-legacy-prod") && s.contains("Invited accounts never get")
    });
    tmux.send_keys(&["n"]);
    tmux.wait_for("n to move on", |s| selected_row(s).contains("globex-shared"));
    tmux.send_keys(&["N"]);
    tmux.wait_for("N to move back", |s| selected_row(s).contains("globex-legacy-prod"));
    tmux.send_keys(&["q"]);
    tmux.wait_for("the TUI to exit", |s| !s.contains("Organization o-demo"));
}

/// `F` on the demo's account whose role is missing: the popup shows the cause and the change,
/// Enter writes it (in the demo's own state: nothing leaves the process) and the row turns from
/// blocked to reachable; `F` on an account blocked by a control policy writes nothing. 80×24.
/// `orgscope --demo` typed into a shell in tmux at 80×24 with its own HOME (None: no tmux, outside CI).
fn demo_at_80x24(home: &std::path::Path) -> Option<Tmux> {
    let home_str = home.display().to_string();
    let env = [("HOME", home_str.as_str()), ("TERM", "xterm-256color"), ("XDG_STATE_HOME", home_str.as_str())];
    let tmux = Tmux::start(home, 80, 24, &env)?;
    tmux.wait_for("the shell prompt", |s| s.contains('$'));
    tmux.type_text(&format!("{} --demo", common::orgscope_bin().display()));
    tmux.send_keys(&["Enter"]);
    Some(tmux)
}

#[test]
fn f_fixes_a_blocked_account_after_showing_the_change() {
    let home = tempfile::tempdir().expect("temp dir");
    let Some(tmux) = demo_at_80x24(home.path()) else { return };
    tmux.wait_for("the probe and the portal", |s| s.contains("9 blocked + 1 expected") && s.contains("◈ SSO"));
    tmux.send_keys(&["n"]);
    tmux.wait_for("globex-legacy-prod selected, its cause shown", |s| {
        selected_row(s).contains("globex-legacy-prod") && s.contains("does not exist")
    });
    tmux.send_keys(&["F"]);
    tmux.wait_for("the fix's popup with the cause and the change", |s| {
        s.contains("Fix globex-legacy-prod?") && s.contains("Create") && s.contains("AdministratorAccess")
    });
    tmux.send_keys(&["Enter"]);
    let fixed = tmux.wait_for("the row to turn reachable", |s| s.contains("fixed: globex-legacy-prod is reachable"));
    let row = row_of(&tmux.capture(true), "globex-legacy-prod").to_string();
    assert!(plain(&row).contains("● globex-legacy-prod"), "{row:?}\n{fixed}");
    assert!(fixed.contains("8 blocked + 1 expected"), "{fixed}");

    // The audit account is guarded by an RCP: F says what to change and writes nothing.
    tmux.send_keys(&["n"]);
    tmux.send_keys(&["n"]);
    tmux.send_keys(&["n"]);
    tmux.send_keys(&["n"]);
    tmux.wait_for("audit selected", |s| selected_row(s).contains("audit"));
    tmux.send_keys(&["F"]);
    tmux.wait_for("the refusal", |s| s.contains("F cannot fix audit") && !s.contains("Fix audit?"));
    tmux.send_keys(&["q"]);
    tmux.wait_for("the TUI to exit", |s| !s.contains("Organization o-demo"));
}

/// What the access means in the real terminal at 80×24: the access view's levels in their colours,
/// `l` keeps admin reach (the orphaned assignment marked), `u` the unused rows; `l` in the tree
/// still expands.
#[test]
fn l_and_u_narrow_the_access_view_to_admin_reach_and_unused_rows() {
    let home = tempfile::tempdir().expect("temp dir");
    let Some(tmux) = demo_at_80x24(home.path()) else { return };
    tmux.wait_for("the tree with its admin counts", |s| s.contains("9 blocked + 1 expected") && s.contains("⚿ 4"));
    tmux.send_keys(&["Tab", "Tab"]);
    tmux.wait_for("the access view", |s| s.contains("66 of 66 rows") && s.contains("privileged"));
    let coloured = tmux.capture(true);
    let admin_row = row_of(&coloured, "acme-management").to_string();
    assert!(red_before(&admin_row, "admin"), "admin reach in the alarm colour: {admin_row:?}");
    tmux.send_keys(&["l"]);
    // (Waited for whole: the title is drawn before the rows below it.)
    let admins = tmux.wait_for("admin reach only", |s| {
        s.contains("6 of 66 rows · admin+ (l)") && !s.contains("ReadOnlyAccess") && !s.contains("privileged")
    });
    assert!(admins.contains("orpha"), "the orphaned assignment is marked: {admins}");
    tmux.send_keys(&["l", "l", "l"]);
    tmux.wait_for("every level again", |s| s.contains("66 of 66 rows") && !s.contains("(l)"));
    // The demo's rows not used in 90 days or never (unreadable ones are not known to be unused).
    let source = orgscope::source::snapshot::SnapshotSource::demo().expect("the demo");
    let map = orgscope::source::Source::saved_snapshot(&source).and_then(|s| s.identity_center.clone()).expect("a map");
    let since = chrono::Utc::now() - chrono::TimeDelta::days(90);
    let expected = map.rows(None, &|_| None).iter().filter(|r| r.unused_since(since)).count();
    assert!(expected > 0 && expected < 66, "{expected}");
    tmux.send_keys(&["u"]);
    tmux.wait_for("unused rows only", |s| s.contains(&format!("{expected} of 66 rows · unused 90d (u)")));
    tmux.send_keys(&["q"]);
    tmux.wait_for("the TUI to exit", |s| !s.contains("Organization o-demo") && !s.contains("Access —"));
}
