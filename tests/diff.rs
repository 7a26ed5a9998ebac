//! `orgscope diff` on the real binary: the demo against its run a week before (every kind of
//! change the demo shows), exit codes for scripts (0 nothing changed, 5 changed, 2 a bad file or
//! two organizations), older snapshot formats loading and newer ones refused; and the TUI marking
//! what changed since the previous run, with the `changed:` filter.

mod common;

use std::sync::Arc;

use orgscope::app::{App, Settings};
use orgscope::source::Source;
use orgscope::source::snapshot::SnapshotSource;
use orgscope::theme::Theme;
use ratatui::crossterm::event::{Event, KeyCode};

const PREVIOUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/demo-previous.json");

fn orgscope(home: &std::path::Path, args: &[&str]) -> (Option<i32>, String, String) {
    let out = common::orgscope_command(home).args(args).output().expect("run orgscope");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The demo as a snapshot file.
fn demo_now(home: &std::path::Path) -> String {
    let path = home.join("now.json");
    let (code, _, stderr) = orgscope(home, &["--demo", "snapshot", "-o", &path.to_string_lossy()]);
    assert_eq!(code, Some(0), "{stderr}");
    path.to_string_lossy().into_owned()
}

#[test]
fn the_demo_against_last_week_lists_every_change_in_order() {
    let home = tempfile::tempdir().expect("temp dir");
    let now = demo_now(home.path());
    let (code, stdout, stderr) = orgscope(home.path(), &["diff", PREVIOUS, &now, "--format", "json"]);
    assert_eq!(code, Some(5), "something changed: {stderr}");
    let diff: serde_json::Value = serde_json::from_str(&stdout).expect("JSON");
    assert_eq!(diff["old"]["taken_at"], "2026-11-13T09:00:00Z");
    assert_eq!(diff["new"]["organization_id"], diff["old"]["organization_id"]);
    let changes = diff["changes"].as_array().expect("changes");
    let keys = ["kind", "id", "name", "from", "to", "detail"];
    for change in changes {
        assert_eq!(change.as_object().map(|o| o.len()), Some(keys.len()), "{change}");
        assert!(keys.iter().all(|k| change.get(*k).is_some()), "{change}");
    }
    let found: Vec<(String, String)> = changes
        .iter()
        .map(|c| (c["kind"].as_str().unwrap_or_default().into(), c["name"].as_str().unwrap_or_default().into()))
        .collect();
    let expected: Vec<(String, String)> = [
        ("access_changed", "vpn-edge"),
        ("account_added", "observability"),
        ("account_moved", "ml-research"),
        ("account_removed", "billing-legacy"),
        ("account_renamed", "data-dev"),
        ("failure_new", "data-prod"),
        ("ou_renamed", "Security"),
        ("permission_set_level", "PowerUser"),
    ]
    .iter()
    .map(|(k, n)| (k.to_string(), n.to_string()))
    .collect();
    assert_eq!(found, expected, "ordered by kind, then name");
    let moved = &changes[2];
    assert_eq!((moved["from"].as_str(), moved["to"].as_str()), (Some("ou-demo-sbx2n6vw"), Some("ou-demo-dev5c7e")));
    assert_eq!(changes[4]["from"], "analytics-dev");
    assert_eq!(changes[0]["to"], "blocked");
    assert_eq!(changes[1]["from"], serde_json::Value::Null, "absent values are null");
    let level = &changes[7];
    assert_eq!((level["from"].as_str(), level["to"].as_str()), (Some("read"), Some("privileged")));
    assert_eq!(level["detail"], "its reach rose");

    let (code, text, _) = orgscope(home.path(), &["diff", PREVIOUS, &now]);
    assert_eq!(code, Some(5));
    assert!(text.starts_with("8 changes in o-demo1example"), "{text}");
    assert!(text.contains("permission_set_level PowerUser"), "{text}");
    assert!(text.contains("account_renamed      data-dev  345678901234  analytics-dev → data-dev"), "{text}");
}

#[test]
fn exit_codes_tell_a_script_what_happened() {
    let home = tempfile::tempdir().expect("temp dir");
    let now = demo_now(home.path());
    let (code, stdout, _) = orgscope(home.path(), &["diff", &now, &now, "--format", "json"]);
    assert_eq!(code, Some(0), "nothing changed");
    assert!(stdout.contains("\"changes\": []"), "{stdout}");

    let mut other: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&now).expect("read")).expect("JSON");
    other["org"]["organization"]["id"] = "o-someoneelse".into();
    let other_path = home.path().join("other.json");
    std::fs::write(&other_path, other.to_string()).expect("write");
    let (code, _, stderr) = orgscope(home.path(), &["diff", &now, &other_path.to_string_lossy()]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("different organizations (o-demo1example and o-someoneelse)"), "{stderr}");

    let bad = home.path().join("bad.json");
    std::fs::write(&bad, "{\"not\": \"a snapshot\"}").expect("write");
    let (code, _, stderr) = orgscope(home.path(), &["diff", &bad.to_string_lossy(), &now]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("is not an orgscope snapshot"), "{stderr}");

    let (code, _, stderr) = orgscope(home.path(), &["diff", "cached", &now]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("there is no cached run at"), "{stderr}");
}

#[test]
fn older_snapshots_load_and_newer_ones_are_refused() {
    let home = tempfile::tempdir().expect("temp dir");
    let now = demo_now(home.path());
    let mut snapshot: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&now).expect("read")).expect("JSON");
    snapshot["format"] = 0.into();
    snapshot.as_object_mut().map(|o| o.remove("assignments"));
    let older = home.path().join("older.json");
    std::fs::write(&older, snapshot.to_string()).expect("write");
    let (code, _, stderr) = orgscope(home.path(), &["--snapshot", &older.to_string_lossy(), "tree"]);
    assert_eq!(code, Some(0), "an older snapshot loads: {stderr}");
    snapshot["format"] = 99.into();
    let newer = home.path().join("newer.json");
    std::fs::write(&newer, snapshot.to_string()).expect("write");
    let (code, _, stderr) = orgscope(home.path(), &["diff", &newer.to_string_lossy(), &now]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("format 99, made by a newer orgscope"), "{stderr}");
}

use common::tui::key;

async fn demo_screen(keys: Vec<std::io::Result<Event>>) -> (String, App) {
    let source = Arc::new(SnapshotSource::demo_as_recorded().expect("demo"));
    let mut app = App::new(Settings::for_source(source.as_ref()));
    app.settings.theme = Theme { color: false, light: false };
    app.previous = source.previous_snapshot();
    let landed = orgscope::export::clipboard::Copied { system: true, terminal: false };
    let (terminal, _, _) = common::tui::run_app(&mut app, source, (120, 48), keys, landed).await;
    let screen = common::tui::text(terminal.backend().buffer());
    (screen, app)
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn the_tree_marks_what_changed_since_the_previous_run() {
    let (screen, app) = demo_screen(vec![]).await;
    let marked: Vec<&str> =
        app.tree.view.nodes.iter().filter(|n| !n.changes.is_empty()).map(|n| n.name.raw()).collect();
    assert_eq!(marked, vec!["observability", "vpn-edge", "Security", "data-dev", "ml-research"], "in tree order");
    let root = &app.tree.view.nodes[0];
    assert_eq!(root.changed, 4, "the root counts the changed accounts below it");
    assert!(screen.lines().any(|l| l.contains("▾ Root  33 / 9  Δ 4")), "{screen}");
    assert!(screen.lines().any(|l| l.contains("vpn-edge  161803398874  Δ")), "{screen}");
    assert!(screen.contains("Δ account_removed  billing-legacy (299792458000)"), "the root lists what left: {screen}");
    insta::assert_snapshot!("changes_tree_120x48", screen);

    // changed:blocked keeps the account whose access changed to blocked; changed:moved the move.
    let mut keys = vec![key(KeyCode::Char('/'))];
    keys.extend("changed:blocked".chars().map(|c| key(KeyCode::Char(c))));
    keys.push(key(KeyCode::Enter));
    let (screen, app) = demo_screen(keys).await;
    assert_eq!(app.tree.filter.as_ref().map(|f| f.count()), Some(1), "{screen}");
    assert_eq!(app.tree.view.selected_node().map(|n| n.name.raw().to_string()).as_deref(), Some("vpn-edge"));
    assert!(
        screen.contains("Changed since the previous run (2026-11-13 09:00 UTC)"),
        "the detail pane says when: {screen}"
    );
    assert!(screen.contains("Δ access_changed  reachable → blocked (region_disabled)"), "{screen}");
    let mut keys = vec![key(KeyCode::Char('/'))];
    keys.extend("changed:".chars().map(|c| key(KeyCode::Char(c))));
    let (_, app) = demo_screen(keys).await;
    assert_eq!(app.tree.filter.as_ref().map(|f| f.count()), Some(4), "every changed account");
}
