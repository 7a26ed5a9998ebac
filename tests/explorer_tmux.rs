//! The explorer in a real terminal (tmux): the filter narrows to one account and Esc brings the
//! whole tree back, `?` lists every binding of the keymap, a mouse click selects a row, and a second
//! start draws the cached run at once, marked stale, before the (slow) refresh completes.

mod common;

use std::time::Duration;

use common::fake_aws::{FakeAws, FakeOrg, Faults};
use common::tmux::{Tmux, selected_row};

fn start(env: &[(&str, &str)], width: u16, height: u16) -> Option<(tempfile::TempDir, Tmux)> {
    let home = tempfile::tempdir().expect("temp dir");
    let home_str = home.path().display().to_string();
    let mut all = vec![("HOME", home_str.as_str()), ("TERM", "xterm-256color"), ("XDG_STATE_HOME", home_str.as_str())];
    all.extend_from_slice(env);
    let tmux = Tmux::start(home.path(), width, height, &all)?;
    tmux.wait_for("the shell prompt", |s| s.contains('$'));
    Some((home, tmux))
}

fn run_demo(tmux: &Tmux) {
    tmux.type_text(&format!("{} --demo", common::orgscope_bin().display()));
    tmux.send_keys(&["Enter"]);
    tmux.wait_for("the probed demo tree", |s| s.contains("9 blocked + 1 expected") && !s.contains("probing"));
}

#[test]
fn the_filter_narrows_to_one_account_and_esc_restores_the_tree() {
    let Some((_home, tmux)) = start(&[], 120, 45) else { return };
    run_demo(&tmux);
    tmux.send_keys(&["j", "j"]);
    let before = tmux.wait_for("the selection to move", |s| selected_row(s).contains("Globex"));
    tmux.send_keys(&["/"]);
    tmux.type_text("vpn");
    // One condition, since a capture can catch a frame half drawn: the match selected, the rest
    // hidden, the OU ancestors kept.
    tmux.wait_for("one match", |s| {
        s.contains("1 matches")
            && selected_row(s).contains("vpn-edge")
            && !s.contains("globex-analytics")
            && s.contains("Infrastructure")
    });
    tmux.send_keys(&["Escape"]);
    let restored = tmux.wait_for("the whole tree", |s| s.contains("globex-analytics") && !s.contains("matches"));
    assert_eq!(selected_row(&restored), selected_row(&before), "the selection from before the filter");
    tmux.send_keys(&["/"]);
    tmux.type_text("state:blocked joined:invited");
    tmux.wait_for("the invited blocked accounts", |s| s.contains("2 matches") && s.contains("globex-shared"));
    tmux.send_keys(&["Enter"]);
    tmux.send_keys(&["q"]);
    tmux.wait_for("the TUI to exit", |s| !s.contains("Organization o-demo"));
}

#[test]
fn help_lists_every_binding_of_the_keymap() {
    let Some((_home, tmux)) = start(&[], 160, 50) else { return };
    run_demo(&tmux);
    tmux.send_keys(&["?"]);
    let keymap = orgscope::app::keymap::Keymap::default();
    let descriptions: Vec<String> = keymap.bindings.iter().map(|b| b.description.chars().take(20).collect()).collect();
    tmux.wait_for("the help with every binding of the keymap", |s| {
        s.contains("Esc or ? closes") && descriptions.iter().all(|d| s.contains(d.as_str()))
    });
    tmux.send_keys(&["Escape", "q"]);
}

#[test]
fn a_mouse_click_selects_the_row_under_it() {
    let Some((_home, tmux)) = start(&[], 120, 45) else { return };
    run_demo(&tmux);
    let screen = tmux.capture(false);
    let (row, line) =
        screen.lines().enumerate().find(|(_, l)| l.contains("sandbox-bob")).expect("sandbox-bob on screen");
    let column = line.chars().position(|c| c == 's').unwrap_or(10) + 1;
    // An SGR mouse press and release at (column, row), 1-based, as a terminal sends it.
    tmux.type_text(&format!("\x1b[<0;{column};{}M\x1b[<0;{column};{}m", row + 1, row + 1));
    tmux.wait_for("the click to select sandbox-bob, the detail pane following", |s| {
        selected_row(s).contains("sandbox-bob") && s.contains("Account    719326750412")
    });
    tmux.send_keys(&["q"]);
}

#[test]
fn a_second_start_shows_the_cached_run_at_once_marked_stale() {
    let org = FakeOrg::generate(4, 1, 1);
    let fake = FakeAws::start(org.clone());
    let url = fake.url();
    let env = [
        ("AWS_ACCESS_KEY_ID", "AKIDFAKEFAKEFAKE"),
        ("AWS_SECRET_ACCESS_KEY", "fake-secret-key"),
        ("AWS_REGION", "us-east-1"),
        ("AWS_EC2_METADATA_DISABLED", "true"),
    ];
    let Some((home, tmux)) = start(&env, 120, 40) else { return };
    let command = format!("{} --endpoint-url {url}", common::orgscope_bin().display());
    tmux.type_text(&format!("export XDG_CACHE_HOME={}/cache; {command}", home.path().display()));
    tmux.send_keys(&["Enter"]);
    tmux.wait_for("the first run's probe", |s| {
        s.contains("4 accounts") && !s.contains("probing") && !s.contains("discovering")
    });
    let cache = home.path().join("cache/orgscope/snapshot-default.json");
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while !cache.exists() {
        assert!(std::time::Instant::now() < deadline, "the run was cached at {}", cache.display());
        std::thread::sleep(Duration::from_millis(50));
    }
    tmux.send_keys(&["q"]);
    tmux.wait_for("the TUI to exit", |s| !s.contains("Organization o-fa1e"));

    // Now every answer takes 3 s: the cached tree must be on screen long before the refresh.
    fake.set_faults(Faults { latency: Duration::from_secs(3), ..Faults::default() });
    tmux.send_keys(&["Up", "Enter"]);
    let started = std::time::Instant::now();
    tmux.wait_for("the cached tree", |s| {
        s.contains("cached") && s.contains("refreshing") && s.contains(&org.accounts[1].name)
    });
    assert!(started.elapsed() < Duration::from_secs(3), "drawn before any answer came back");
    tmux.wait_for("the refresh to replace the marker", |s| !s.contains("cached") && s.contains("Organization o-fa1e"));
    tmux.send_keys(&["q"]);
}

#[test]
fn picking_a_principal_marks_her_reach_on_the_tree() {
    let Some((_home, tmux)) = start(&[], 160, 50) else { return };
    run_demo(&tmux);
    tmux.send_keys(&["P"]);
    tmux.wait_for("the picker", |s| s.contains("Whose reach?"));
    tmux.type_text("jane");
    tmux.wait_for("jane among the matches", |s| s.contains("› user jane.doe@example.com"));
    tmux.send_keys(&["Enter"]);
    // One condition, since a capture can catch a frame half drawn.
    let marked = tmux.wait_for("the tree marked", |s| {
        s.contains("→ user jane.doe@example.com reaches 31")
            && s.lines().any(|l| l.contains("Root  33 / 9") && l.contains("→ 31"))
            && s.lines().any(|l| l.contains("web-prod") && l.contains("→ PowerUser, ReadOnlyAccess"))
    });
    let suspended = marked.lines().find(|l| l.contains("old-marketing-site")).unwrap_or_default().to_string();
    assert!(!suspended.contains('→'), "an account she cannot reach is not marked: {suspended}");
    // The detail pane names the group that brings each permission set.
    tmux.send_keys(&["/"]);
    tmux.type_text("web-prod");
    tmux.send_keys(&["Enter"]);
    tmux.wait_for("the route in the detail pane", |s| {
        s.contains("gets in with") && s.contains("(via Platform Engineers)")
    });
    tmux.send_keys(&["Escape"]);
    tmux.wait_for("the filter gone", |s| s.contains("old-marketing-site"));
    tmux.send_keys(&["Escape"]);
    tmux.wait_for("principal mode ended", |s| s.contains("Root  33 / 9") && !s.contains('→'));
    tmux.send_keys(&["q"]);
}
