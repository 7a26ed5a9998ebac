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
    // One condition, since a capture can catch a frame half drawn.
    tmux.wait_for("the confirmation naming the call and the write", |s| {
        s.contains("Retry this request?") && s.contains("DeleteAccountAssignment") && s.contains("This writes to AWS")
    });
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

/// `assignments retry` on a terminal asks first: `n` sends nothing (exit 2), `y` sends the request
/// once and prints its outcome (exit 0).
#[test]
fn the_cli_asks_on_a_terminal_and_only_yes_sends() {
    let org = FakeOrg::generate(4, 1, 1);
    let account = org.accounts[1].id.clone();
    let fake = FakeAws::start(org);
    fake.state().unknown_requests_succeed = false;
    fake.state().requests.push(
        FakeRequest::new("prov-failed-1", "provision", &account, "arn:aws:sso:::permissionSet/ssoins-fake/ps-1", 0)
            .with_status(FakeStatus::Failed("Cannot exceed quota for PoliciesPerRole: 10".into())),
    );
    let home = tempfile::tempdir().expect("temp dir");
    let Some(tmux) = common::tmux::against_fake(home.path(), 140, 40) else { return };
    tmux.wait_for("the shell prompt", |s| s.contains('$'));
    let bin = common::orgscope_bin().display().to_string();
    let command = format!("'{bin}' --endpoint-url {} assignments retry prov-failed-1; echo EXIT=$?", fake.url());

    tmux.type_text(&command);
    tmux.send_keys(&["Enter"]);
    let asked = tmux.wait_for("the question", |s| s.contains("Retry it? [y/N]"));
    assert!(asked.contains("Send ProvisionPermissionSet again") && asked.contains(&account), "{asked}");
    tmux.type_text("n");
    tmux.send_keys(&["Enter"]);
    tmux.wait_for("the refusal", |s| s.contains("EXIT=2") && s.contains("nothing was sent"));
    assert!(fake.calls_to("ProvisionPermissionSet").is_empty(), "no write after n");

    tmux.type_text(&format!("clear; {command}"));
    tmux.send_keys(&["Enter"]);
    tmux.wait_for("the question again", |s| s.contains("Retry it? [y/N]"));
    tmux.type_text("y");
    tmux.send_keys(&["Enter"]);
    let done = tmux.wait_for("the outcome", |s| s.contains("EXIT=0"));
    assert!(done.contains("SUCCEEDED") && done.contains("provision"), "{done}");
    assert_eq!(fake.calls_to("ProvisionPermissionSet").len(), 1, "one write after y");
}
