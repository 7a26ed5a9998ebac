//! Whole-app `update` tests on the demo organization: no runtime, no terminal.

use super::*;
use crate::app::message::{Intent, Report};
use crate::source::Source;
use crate::source::snapshot::SnapshotSource;

fn demo_app() -> App {
    let source = SnapshotSource::demo_as_recorded().expect("the embedded demo parses");
    let snapshot = source.saved_snapshot().cloned().expect("the demo is a snapshot");
    let mut app = App::new(Settings::for_source(&source));
    assert_eq!(app.start(), vec![Effect::Run(Job::Discover)]);
    app.update(Report::DiscoverDone(Ok(snapshot.org)));
    app
}

#[test]
fn discovery_fills_the_tree_and_applies_saved_access() {
    let app = demo_app();
    assert_eq!((app.discovery.clone(), app.discovery_error.clone()), (None, None));
    assert!(app.tree.view.account_count() >= 30);
    assert!(app.tree.view.blocked_count() >= 4, "the demo shows several blocked accounts");
}

/// Typing builds each keystroke's result on the last one and backspace steps back through
/// them; either way the filter is what searching the query afresh finds.
#[test]
fn typing_and_deleting_in_the_filter_match_a_fresh_search() {
    let mut app = demo_app();
    app.update(Intent::OpenFilter);
    let query = "prod 1";
    for c in query.chars() {
        app.update(Intent::FilterChar(c));
        let typed = app.tree.filter_input.clone().unwrap_or_default();
        assert_eq!(
            app.tree.filter,
            Some(tree::filter::apply(&app.tree.view, &tree::filter::SearchIndex::new(&app.tree.view), &typed, None)),
            "typed {typed:?}"
        );
    }
    assert!(app.tree.filter.as_ref().is_some_and(|f| f.count() > 0), "the demo has production accounts");
    for _ in 0..query.len() - 1 {
        app.update(Intent::FilterBackspace);
        let typed = app.tree.filter_input.clone().unwrap_or_default();
        assert_eq!(
            app.tree.filter,
            Some(tree::filter::apply(&app.tree.view, &tree::filter::SearchIndex::new(&app.tree.view), &typed, None)),
            "deleted to {typed:?}"
        );
        assert!(app.tree.view.rows.iter().all(|&r| app.tree.filter.as_ref().is_some_and(|f| f.visible[r])));
    }
    app.update(Intent::FilterBackspace);
    assert_eq!(app.tree.filter, None, "an empty query shows everything");
    assert!(app.tree.filter_history.is_empty());
}

#[test]
fn a_second_discovery_is_not_started_while_one_runs() {
    let mut app = App::new(Settings::new("test".into(), None, BTreeMap::new()));
    assert_eq!(app.update(Intent::Refresh), vec![Effect::Run(Job::Discover)]);
    assert_eq!(app.update(Intent::Refresh), vec![]);
}

#[test]
fn help_swallows_navigation_and_closes_on_escape() {
    let mut app = demo_app();
    app.update(Intent::ToggleHelp);
    app.update(Intent::MoveDown);
    assert_eq!(app.tree.view.cursor.selected, 0);
    app.update(Intent::CloseOverlay);
    assert_eq!(app.overlay, None);
    app.update(Intent::MoveDown);
    assert_eq!(app.tree.view.cursor.selected, 1);
}

#[test]
fn failed_discovery_is_shown_not_fatal() {
    let mut app = App::new(Settings::new("test".into(), None, BTreeMap::new()));
    app.start();
    app.update(Report::DiscoverDone(Err("no credentials".into())));
    assert_eq!(app.discovery_error.as_deref(), Some("no credentials"));
    assert_eq!(app.exit, None);
}

#[test]
fn tags_are_asked_for_once_when_an_account_without_them_is_selected() {
    let source = SnapshotSource::demo_as_recorded().expect("the embedded demo parses");
    let mut org = source.saved_snapshot().cloned().expect("snapshot").org;
    for account in org.accounts_mut() {
        account.tags = None;
    }
    let mut app = App::new(Settings::new("test".into(), None, BTreeMap::new()));
    app.start();
    app.update(Report::DiscoverDone(Ok(org)));
    let mut asked = Vec::new();
    for _ in 0..3 {
        asked.extend(app.update(Intent::MoveDown).into_iter().filter(|e| matches!(e, Effect::Run(Job::LoadTags(_)))));
    }
    assert_eq!(asked, vec![Effect::Run(Job::LoadTags("602918374655".into()))], "only the account, only once");
    app.update(Intent::MoveUp);
    assert!(!app.update(Intent::MoveDown).iter().any(|e| matches!(e, Effect::Run(Job::LoadTags(_)))));
}

/// Only what the user asks clears the toast or reaches a popup; a task's report does neither.
#[test]
fn reports_pass_a_popup_by_and_leave_the_toast_alone() {
    let mut app = demo_app();
    app.update(Intent::ToggleHelp);
    app.toast = Some("copied".into());
    let account = app.tree.view.nodes.iter().find_map(|n| n.account().map(|(a, _)| a.id.clone()));
    let account = account.unwrap_or_default();
    let outcome = crate::model::ProbeOutcome {
        status: crate::model::ProbeStatus::Blocked,
        reason: Some(crate::model::Reason::AccessDenied),
        role_arn: None,
        message: None,
        hint: None,
        ..crate::model::ProbeOutcome::default()
    };
    app.update(Report::ProbeResult { generation: 0, account_id: account.clone(), outcome });
    let index = app.tree.view.index_of(&account).unwrap_or_default();
    assert!(
        app.tree.view.nodes[index].account().is_some_and(|(_, access)| access.is_blocked()),
        "applied under the popup"
    );
    assert_eq!(app.toast.as_deref(), Some("copied"), "a report keeps the toast");
    assert_eq!(app.overlay, Some(Overlay::Help), "and the popup");
    app.update(Intent::MoveDown);
    assert_eq!(app.toast, None, "a key clears it");
    assert_eq!(app.overlay, Some(Overlay::Help), "and the popup takes the key");
    assert_eq!(app.tree.view.cursor.selected, 0);
}

#[test]
fn tab_cycles_through_every_view_in_order() {
    let mut app = demo_app();
    let mut seen = vec![app.view];
    for _ in 0..VIEWS.len() {
        app.update(Intent::NextView);
        seen.push(app.view);
    }
    assert_eq!(seen[..VIEWS.len()], VIEWS, "Tab follows VIEWS");
    assert_eq!(seen[VIEWS.len()], VIEWS[0], "and wraps around");
}

#[test]
fn o_lands_on_the_configured_destination_and_asks_for_an_account_on_an_ou() {
    let mut app = demo_app();
    app.settings.console.destination = Some("ec2".into());
    app.settings.console.region = Some("ap-south-1".into());
    assert!(app.tree.view.selected_node().is_some_and(|n| n.is_container()), "the root is selected");
    assert_eq!(app.update(Intent::SwitchRole(Purpose::Console)), vec![]);
    assert_eq!(app.toast.as_deref(), Some("select an account: the console opens signed in to one account"));
    let credentials = TempCredentials {
        account_id: "230498571236".into(),
        role_arn: "arn:aws:iam::230498571236:role/OrganizationAccountAccessRole".into(),
        access_key_id: "ASIA".into(),
        secret_access_key: crate::model::Secret::new("s"),
        session_token: crate::model::Secret::new("t"),
        expiration: chrono::Utc::now() + chrono::Duration::hours(1),
        chained: false,
        demo: true,
        sso_role: None,
    };
    let effects = app.update(Report::SwitchRoleDone {
        purpose: Purpose::Console,
        account_name: "dns".into(),
        result: Ok(Box::new(credentials)),
    });
    match effects.as_slice() {
        [Effect::Run(Job::ConsoleUrl { destination, copy: false, account, .. })] => {
            assert_eq!(destination, "https://console.aws.amazon.com/ec2/home?region=ap-south-1");
            assert_eq!(account, "dns");
        }
        other => panic!("expected the console job, got {other:?}"),
    }
}

#[test]
fn the_access_map_is_asked_for_once_the_full_probe_is_done_not_beside_it() {
    let source = SnapshotSource::demo_as_recorded().expect("the embedded demo parses");
    let snapshot = source.saved_snapshot().cloned().expect("the demo is a snapshot");
    let mut app = App::new(Settings::for_source(&source));
    app.start();
    let at_discovery = app.update(Report::DiscoverDone(Ok(snapshot.org)));
    let asks = |effects: &[Effect]| effects.iter().any(|e| matches!(e, Effect::Run(Job::LoadAccess { .. })));
    assert!(!asks(&at_discovery), "not while the probe runs: {at_discovery:?}");
    let generation = app.full_probe;
    let at_probe_end = app.update(Report::ProbeDone { generation });
    assert!(asks(&at_probe_end), "{at_probe_end:?}");
    let again = app.update(Report::ProbeDone { generation });
    assert!(!asks(&again), "asked once");
    let map = snapshot.identity_center.clone().expect("the demo has a map");
    app.update(Intent::NextView);
    app.update(Intent::NextView);
    assert_eq!((app.view, app.access.rows.len()), (View::Access, 0), "the view is open before the map came");
    app.update(Report::AccessDone(Ok(Box::new(map))));
    assert_eq!(app.identity.held("210987654321", app.now()).len(), 3);
    assert_eq!(app.access.rows.len(), 66, "the open view fills when the map comes");
}

#[test]
fn principal_mode_marks_what_the_picked_user_reaches_and_esc_ends_it() {
    let mut app = demo_app();
    let map = SnapshotSource::demo_as_recorded()
        .ok()
        .and_then(|s| s.saved_snapshot().cloned())
        .and_then(|s| s.identity_center);
    app.update(Intent::PickPrincipal);
    assert_eq!(app.overlay, None, "no map yet: nothing to pick from");
    assert!(app.toast.is_some());
    app.update(Report::AccessDone(Ok(Box::new(map.clone().expect("the demo has a map")))));
    app.update(Intent::PickPrincipal);
    assert!(app.typing(), "the picker takes keys as text");
    for c in "jane".chars() {
        app.update(Intent::FilterChar(c));
    }
    app.update(Intent::FilterAccept);
    assert_eq!((app.overlay.clone(), app.typing()), (None, false));
    let reach = app.reach.clone().expect("principal mode");
    assert_eq!(reach.principal.label(), "user jane.doe@example.com");
    // The tree's counts are the accounts her effective rows name.
    let map = map.expect("map");
    let jane = map.find_principal("jane.doe@example.com").expect("jane");
    let accounts: std::collections::BTreeSet<String> =
        map.rows(Some(&jane), &|_| None).iter().map(|r| r.account_id.raw().to_string()).collect();
    let root = app.tree.view.nodes.iter().find(|n| n.parent.is_none()).map(|n| n.reached);
    assert_eq!(root, Some(accounts.len()));
    let marked: std::collections::BTreeSet<String> =
        app.tree.view.nodes.iter().filter(|n| !n.is_container() && n.reached == 1).map(|n| n.id.clone()).collect();
    assert_eq!(marked, accounts);
    assert!(reach.sets("210987654321").iter().any(|(set, _, _)| set.contains("via ")), "routes through groups");

    app.update(Intent::CloseOverlay);
    assert_eq!(app.reach, None);
    assert!(app.tree.view.nodes.iter().all(|n| n.reached == 0), "the marks are gone");
}

#[test]
fn the_access_view_filter_keeps_rows_holding_every_word() {
    let mut app = demo_app();
    let map = SnapshotSource::demo_as_recorded()
        .ok()
        .and_then(|s| s.saved_snapshot().cloned())
        .and_then(|s| s.identity_center);
    app.update(Report::AccessDone(Ok(Box::new(map.expect("map")))));
    app.update(Intent::NextView);
    app.update(Intent::NextView);
    let all = app.access.shown.len();
    app.update(Intent::OpenFilter);
    assert!(app.typing());
    for c in "prod power".chars() {
        app.update(Intent::FilterChar(c));
    }
    let shown: Vec<_> = app.access.visible().collect();
    assert!(!shown.is_empty() && shown.len() < all);
    assert!(shown.iter().all(|r| r.account_name.raw().contains("prod") && r.permission_set_name == "PowerUser"));
    app.update(Intent::FilterAccept);
    assert!(!app.typing());
    app.update(Intent::CloseOverlay);
    assert_eq!(app.access.shown.len(), all, "Esc clears the filter");
}
