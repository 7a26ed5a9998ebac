//! `R` in a real terminal: the real binary in tmux against the local endpoint, a failed deletion
//! only Identity Center's status APIs know, `R`, the confirmation, Enter — and the row turns green
//! with the new request's SUCCEEDED, after exactly one write.

mod common;

use common::fake_aws::{FakeAws, FakeOrg, FakeRequest, FakeStatus};

#[test]
fn r_on_a_failed_row_and_enter_turns_it_green() {
    let org = FakeOrg::generate(6, 1, 1);
    let account = org.accounts[2].id.clone();
    let fake = FakeAws::start(org);
    {
        let mut state = fake.state();
        state.unknown_requests_succeed = false;
        state.permission_sets.insert("arn:aws:sso:::permissionSet/ssoins-fake/ps-1".into(), "PowerUser".into());
        state.principals.insert("g-fake".into(), "Platform".into());
        state.requests.push(
            FakeRequest::new(
                "del-failed-1",
                "delete",
                &account,
                "arn:aws:sso:::permissionSet/ssoins-fake/ps-1",
                chrono::Utc::now().timestamp() - 600,
            )
            .with_status(FakeStatus::Failed(
                "DeleteConflict: Cannot delete entity, must detach all policies first.".into(),
            )),
        );
    }
    let home = tempfile::tempdir().expect("temp dir");
    let Some(tmux) = common::tmux::against_fake(home.path(), 140, 40) else { return };
    tmux.wait_for("the shell prompt", |s| s.contains('$'));
    let bin = common::orgscope_bin().display().to_string();
    tmux.type_text(&format!("'{bin}' --no-cache --endpoint-url {}", fake.url()));
    tmux.send_keys(&["Enter"]);
    tmux.wait_for("the probed tree", |s| s.contains("blocked") && !s.contains("probing"));
    tmux.send_keys(&["Tab"]);
    tmux.wait_for("the failed deletion", |s| {
        s.lines().any(|l| l.contains('›') && l.contains("FAILED") && l.contains("delete") && l.contains("Platform"))
    });
    tmux.send_keys(&["R"]);
    let asked = tmux.wait_for("the confirmation", |s| s.contains("Retry this request?"));
    assert!(asked.contains("DeleteAccountAssignment") && asked.contains("This writes to AWS"), "{asked}");
    assert!(fake.calls_to("DeleteAccountAssignment").is_empty(), "nothing is sent before Enter");
    tmux.send_keys(&["Enter"]);
    tmux.wait_for("the retried row", |s| {
        s.lines().any(|l| l.contains('›') && l.contains("SUCCEEDED") && l.contains("delete"))
            && s.contains("the retry SUCCEEDED")
    });
    let coloured = tmux.capture(true);
    let row = coloured.lines().find(|l| l.contains("SUCCEEDED") && l.contains("delete")).unwrap_or_default();
    let green = row.split("SUCCEEDED").next().unwrap_or_default();
    assert!(green.contains("\u{1b}[32m") || green.contains("38;5;2m") || green.contains(";32m"), "green: {row:?}");
    assert_eq!(fake.calls_to("DeleteAccountAssignment").len(), 1, "one write");
    tmux.send_keys(&["q"]);
}
