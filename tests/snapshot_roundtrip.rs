//! Save a run and view it later, as the README shows: every verdict of a demo run and of a live run
//! against the local endpoint (reachable, blocked for several reasons, suspended, the caller's own
//! account) survives `snapshot -o` → `--snapshot`, in `probe`'s JSON and on the TUI's tree, and a
//! saved run is never relabelled (it once came back `error / network` for every reachable account).

mod common;

use std::sync::Arc;

use common::fake_aws::{Canned, FakeAws, FakeOrg};
use serde_json::Value;

/// What must survive, per account: status, reason, message, role (and, once read, the cause).
fn verdicts(probe_json: &[u8]) -> Vec<(String, Value, Value, Value, Value, Value)> {
    let rows: Vec<Value> = serde_json::from_slice(probe_json).expect("probe's JSON");
    let mut out: Vec<_> = rows
        .iter()
        .map(|r| {
            (
                r["account_id"].as_str().unwrap_or_default().to_string(),
                r["status"].clone(),
                r["reason"].clone(),
                r["message"].clone(),
                r["role_arn"].clone(),
                r.get("cause").cloned().unwrap_or(Value::Null),
            )
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// `probe --format json` of `live`, then of the snapshot it saved: the same verdicts; and the TUI
/// on that snapshot shows them too.
async fn round_trip(home: &std::path::Path, live: impl Fn() -> std::process::Command) {
    let file = home.join("saved.json");
    let before = live().args(["probe", "--format", "json"]).output().expect("probe");
    assert!(before.status.success(), "{}", String::from_utf8_lossy(&before.stderr));
    let saved = live().args(["snapshot", "-o", &file.display().to_string()]).output().expect("snapshot");
    assert!(saved.status.success(), "{}", String::from_utf8_lossy(&saved.stderr));
    let after = common::orgscope_command(home)
        .args(["--snapshot", &file.display().to_string(), "probe", "--format", "json"])
        .output()
        .expect("probe the snapshot");
    assert!(after.status.success(), "{}", String::from_utf8_lossy(&after.stderr));
    let (before, after) = (verdicts(&before.stdout), verdicts(&after.stdout));
    assert!(before.iter().any(|v| v.1 == "blocked") && before.iter().any(|v| v.1 == "reachable"), "{before:?}");
    assert_eq!(after, before, "every verdict as it was saved");

    // The TUI on the snapshot draws the same verdicts (no probe relabels them).
    let source = Arc::new(orgscope::source::snapshot::SnapshotSource::from_file(&file).expect("the snapshot loads"));
    let mut app = orgscope::app::App::new(orgscope::app::Settings::for_source(source.as_ref()));
    let landed = orgscope::export::clipboard::Copied { system: true, terminal: false };
    common::tui::run_app(&mut app, source, (120, 40), Vec::new(), landed).await;
    let shown: Vec<(String, String, Option<String>)> = app
        .tree
        .verdicts()
        .into_iter()
        .map(|(id, o)| (id, o.status.code().to_string(), o.reason.map(|r| r.code().to_string())))
        .collect();
    let expected: Vec<(String, String, Option<String>)> = before
        .iter()
        .map(|(id, status, reason, ..)| {
            (id.clone(), status.as_str().unwrap_or_default().to_string(), reason.as_str().map(str::to_string))
        })
        .collect();
    assert_eq!(shown, expected, "the TUI shows the saved verdicts");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_demo_run_survives_a_snapshot() {
    let home = tempfile::tempdir().expect("temp dir");
    let path = home.path().to_path_buf();
    round_trip(home.path(), || {
        let mut command = common::orgscope_command(&path);
        command.arg("--demo");
        command
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_live_run_survives_a_snapshot() {
    let org = FakeOrg::generate(12, 2, 1);
    let fake = FakeAws::start(org.clone());
    {
        let mut state = fake.state();
        state.assume_denials.insert(
            org.accounts[2].id.clone(),
            Canned::new(403, "AccessDenied", "User: x is not authorized to perform: sts:AssumeRole on resource: y"),
        );
        state.assume_denials.insert(
            org.accounts[4].id.clone(),
            Canned::new(403, "RegionDisabledException", "STS is not activated in this region for account:z"),
        );
    }
    let home = tempfile::tempdir().expect("temp dir");
    let path = home.path().to_path_buf();
    let url = fake.url();
    round_trip(home.path(), || common::fake_command(&path, &url)).await;
}
