//! The whole app on ratatui's `TestBackend`: the demo source, the real run loop, scripted keys,
//! and insta snapshots of what a user sees.

mod common;

use std::sync::Arc;

use common::tui::{key, text};
use orgscope::app::{App, Exit};
use orgscope::source::snapshot::SnapshotSource;
use orgscope::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{Event, KeyCode};

fn demo_app(source: &SnapshotSource) -> App {
    let mut app = App::new(orgscope::app::Settings::for_source(source));
    app.settings.theme = Theme { color: true, light: false };
    app
}

/// Runs the demo app on a `TestBackend` of `width`×`height`, feeding `keys` one by one. The clock
/// is paused, so the demo's discovery (no timers) always finishes before the first key arrives.
async fn run_demo(width: u16, height: u16, keys: Vec<std::io::Result<Event>>) -> (Terminal<TestBackend>, App, Exit) {
    let (terminal, app, exit, _) = run_demo_copying(width, height, keys).await;
    (terminal, app, exit)
}

/// Like [`run_demo`], and also returns what was put on the clipboard.
async fn run_demo_copying(
    width: u16,
    height: u16,
    keys: Vec<std::io::Result<Event>>,
) -> (Terminal<TestBackend>, App, Exit, Vec<String>) {
    run_demo_with_clipboard(width, height, keys, orgscope::export::clipboard::Copied { system: true, terminal: false })
        .await
}

async fn run_demo_with_clipboard(
    width: u16,
    height: u16,
    keys: Vec<std::io::Result<Event>>,
    landed: orgscope::export::clipboard::Copied,
) -> (Terminal<TestBackend>, App, Exit, Vec<String>) {
    let source = Arc::new(SnapshotSource::demo_as_recorded().expect("demo parses"));
    let mut app = demo_app(&source);
    let (terminal, exit, copied) = common::tui::run_app(&mut app, source, (width, height), keys, landed).await;
    (terminal, app, exit, copied)
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn navigating_the_demo_moves_the_selection_and_quits() {
    let keys = vec![key(KeyCode::Char('j')), key(KeyCode::Char('j')), key(KeyCode::Down), key(KeyCode::Char('k'))];
    let mut all = keys;
    all.push(key(KeyCode::Char('q')));
    let (terminal, app, exit) = run_demo(120, 40, all).await;
    assert_eq!(exit, Exit::Quit);
    assert_eq!(app.tree.view.cursor.selected, 2, "three down and one up");
    let screen = text(terminal.backend().buffer());
    let selected = app.tree.view.selected_node().expect("a selection").name.clone();
    let marked = screen.lines().find(|l| l.contains('›')).expect("the selected row is marked");
    assert!(marked.contains(selected.raw()), "marked row {marked:?} is {selected}");
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn collapse_expand_and_jump_to_the_bottom() {
    let (_, app, _) = run_demo(
        120,
        40,
        vec![key(KeyCode::Char('j')), key(KeyCode::Left), key(KeyCode::Char('G')), key(KeyCode::Char('q'))],
    )
    .await;
    let first_ou = app.tree.view.rows[1];
    assert!(!app.tree.view.nodes[first_ou].expanded, "← folded the first OU");
    assert_eq!(app.tree.view.cursor.selected, app.tree.view.rows.len() - 1, "G went to the last row");
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn the_event_stream_ending_stops_the_app() {
    let (_, _, exit) = run_demo(80, 24, vec![]).await;
    assert_eq!(exit, Exit::Quit);
}

/// A blocked account row is drawn red, a reachable one green, in the buffer's styled cells.
#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn blocked_rows_are_red_and_reachable_rows_are_not() {
    let (terminal, app, _) = run_demo(120, 60, vec![]).await;
    let buffer = terminal.backend().buffer();
    let screen = text(buffer);
    let mut checked = (0, 0, 0);
    for node in app.tree.view.rows.iter().map(|&i| &app.tree.view.nodes[i]) {
        let Some((account, access)) = node.account() else { continue };
        let Some(y) = screen.lines().position(|l| l.contains(&account.id)) else { continue };
        let x =
            screen.lines().nth(y).and_then(|l| l.find(account.name.raw())).map(|b| l_col(&screen, y, b)).unwrap_or(0);
        let fg = buffer[(x as u16, y as u16)].fg;
        if access.is_red() {
            assert_eq!(fg, ratatui::style::Color::Red, "{} is blocked", account.name);
            checked.0 += 1;
        } else if access.is_blocked() {
            // Blocked on purpose: its own glyph, never red.
            assert_ne!(fg, ratatui::style::Color::Red, "{} is expected", account.name);
            assert!(screen.lines().nth(y).is_some_and(|l| l.contains(&format!("⊖ {}", account.name))));
            checked.2 += 1;
        } else if access.outcome().is_some_and(|o| o.status == orgscope::model::ProbeStatus::Reachable) {
            assert_ne!(fg, ratatui::style::Color::Red, "{} is reachable", account.name);
            checked.1 += 1;
        }
    }
    assert!(checked.0 >= 4 && checked.1 >= 10 && checked.2 == 1, "checked {checked:?}");
}

/// Column of the byte offset `b` in line `y` (the screen holds multi-byte glyphs).
fn l_col(screen: &str, y: usize, b: usize) -> usize {
    screen.lines().nth(y).map(|l| l[..b].chars().count()).unwrap_or(0)
}

fn selected_id(app: &App) -> String {
    app.tree.view.selected_node().map(|n| n.id.clone()).unwrap_or_default()
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn n_and_shift_n_walk_the_blocked_accounts_and_t_copies_the_fix() {
    let keys = vec![
        key(KeyCode::Char('n')),
        key(KeyCode::Char('n')),
        key(KeyCode::Char('N')),
        key(KeyCode::Char('t')),
        key(KeyCode::Char('q')),
    ];
    let (terminal, app, _, copied) = run_demo_copying(120, 40, keys).await;
    let node = app.tree.view.selected_node().expect("a selection");
    let (account, access) = node.account().expect("an account is selected");
    assert!(access.is_blocked(), "{} is blocked", account.name);
    assert_eq!(app.tree.view.blocked_count(), 9, "the probe replayed every verdict (one block expected)");
    assert_eq!(app.tree.view.expected_count(), 1);
    assert_eq!(app.probing, None, "the probe finished");

    // The first blocked account in tree order is the invited globex-legacy-prod: its fix is the
    // trust policy for the management account.
    assert_eq!(selected_id(&app), "480935127764");
    assert_eq!(copied.len(), 1);
    let policy: serde_json::Value = serde_json::from_str(&copied[0]).expect("the trust policy is JSON");
    assert_eq!(policy["Statement"][0]["Principal"]["AWS"], "arn:aws:iam::111111111111:root");
    let screen = text(terminal.backend().buffer());
    assert!(screen.contains("the trust-policy template: copied to the clipboard"), "{screen}");
    assert!(screen.contains("Invited accounts never get"), "the detail pane shows the fix:\n{screen}");
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn p_reprobes_the_selected_ou() {
    let (_, app, _) = run_demo(120, 40, vec![key(KeyCode::Char('j')), key(KeyCode::Char('p'))]).await;
    assert_eq!(app.probing, None, "the re-probe finished");
    assert_eq!(app.tree.view.blocked_count(), 9);
    let node = app.tree.view.selected_node().expect("selection");
    assert_eq!(node.name, "Acquisitions");
    assert_eq!(node.blocked, 2);
}

/// globex-analytics, the first reachable account: Root, Acquisitions, Globex, then it.
fn to_first_reachable() -> Vec<std::io::Result<Event>> {
    vec![key(KeyCode::Char('j')), key(KeyCode::Char('j')), key(KeyCode::Char('j'))]
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn enter_on_an_account_exits_with_its_credentials() {
    let mut keys = to_first_reachable();
    keys.push(key(KeyCode::Enter));
    let (_, _, exit) = run_demo(120, 40, keys).await;
    match exit {
        Exit::Export(credentials) => {
            assert_eq!(credentials.account_id, "602918374655");
            assert!(credentials.demo);
        }
        other => panic!("expected an export, got {other:?}"),
    }
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn enter_on_a_blocked_account_explains_instead_of_exiting() {
    let keys = vec![key(KeyCode::Char('n')), key(KeyCode::Enter)];
    let (terminal, app, exit) = run_demo(120, 40, keys).await;
    assert_eq!(exit, Exit::Quit, "the event stream ended; Enter did not exit with credentials");
    let toast = app.toast.clone().unwrap_or_default();
    assert!(toast.starts_with("globex-legacy-prod is blocked: access_denied. Invited accounts"), "{toast}");
    assert!(text(terminal.backend().buffer()).contains("globex-legacy-prod is blocked"));
}

/// The demo signed in to its own Identity Center (as `orgscope --demo` is), `preferred` its
/// config's `sso_roles`.
async fn run_demo_signed_in(
    preferred: &[&str],
    keys: Vec<std::io::Result<Event>>,
) -> (Terminal<TestBackend>, App, Exit, Vec<String>) {
    run_demo_signed_in_at((120, 40), preferred, keys).await
}

async fn run_demo_signed_in_at(
    size: (u16, u16),
    preferred: &[&str],
    keys: Vec<std::io::Result<Event>>,
) -> (Terminal<TestBackend>, App, Exit, Vec<String>) {
    use orgscope::source::portal::Portal;
    let source = Arc::new(SnapshotSource::demo_as_recorded().expect("demo parses"));
    let mut app = demo_app(&source);
    let portal: Arc<dyn Portal> = Arc::new(orgscope::source::snapshot::DemoPortal::new().expect("the demo's portal"));
    app.settings.portal = Some(orgscope::app::settings::PortalSettings {
        label: portal.label(),
        preferred: preferred.iter().map(|r| r.to_string()).collect(),
    });
    let prober =
        orgscope::probe::Prober::new(source, orgscope::probe::ProbeSettings::default()).with_portal(Some(portal));
    let landed = orgscope::export::clipboard::Copied { system: true, terminal: false };
    let (terminal, exit, copied) = common::tui::run_app_with(&mut app, prober, size, keys, landed).await;
    (terminal, app, exit, copied)
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn y_on_a_role_blocked_account_asks_which_portal_role_and_copies_its_exports() {
    let keys = vec![key(KeyCode::Char('n')), key(KeyCode::Char('y')), key(KeyCode::Char('j')), key(KeyCode::Enter)];
    let (_, app, exit, copied) = run_demo_signed_in(&[], keys).await;
    assert_eq!(exit, Exit::Quit, "y copies; it does not exit");
    assert_eq!(copied.len(), 1, "{copied:?}");
    assert!(copied[0].contains("ASIADEMO480935127764"), "{}", copied[0]);
    assert!(copied[0].contains("AWSReservedSSO_PowerUser_"), "the second role was picked: {}", copied[0]);
    assert!(app.sessions.contains_key("480935127764"));
}

/// The role picker fits any terminal: at 30 columns it is the screen's width, never a panic.
#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn the_role_picker_fits_a_narrow_terminal() {
    for width in [30u16, 44, 60] {
        let keys = vec![key(KeyCode::Char('n')), key(KeyCode::Enter)];
        let (terminal, app, _, _) = run_demo_signed_in_at((width, 16), &[], keys).await;
        assert!(matches!(app.overlay, Some(orgscope::app::Overlay::ChooseRole(_))), "the picker is open at {width}");
        let screen = text(terminal.backend().buffer());
        assert!(screen.contains("DataScientist") && screen.contains("PowerUser"), "{screen}");
    }
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn enter_on_a_role_blocked_account_takes_the_preferred_portal_role_at_once() {
    let keys = vec![key(KeyCode::Char('n')), key(KeyCode::Enter)];
    let (_, _, exit, _) = run_demo_signed_in(&["BillingAdmin", "DataScientist"], keys).await;
    match exit {
        Exit::Export(credentials) => {
            assert_eq!(credentials.account_id, "480935127764");
            assert_eq!(credentials.sso_role.as_deref(), Some("DataScientist"));
            assert_eq!(credentials.via(), "sso");
        }
        other => panic!("expected an export through the portal, got {other:?}"),
    }
    // An account blocked for the role that the sign-in does not reach still explains itself.
    let keys = vec![key(KeyCode::Char('n')), key(KeyCode::Char('n')), key(KeyCode::Enter)];
    let (_, app, exit, _) = run_demo_signed_in(&[], keys).await;
    assert_eq!(exit, Exit::Quit);
    assert!(app.toast.unwrap_or_default().starts_with("globex-shared is blocked: access_denied"));
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn without_any_clipboard_the_text_is_shown_to_copy_by_hand() {
    let mut keys = to_first_reachable();
    keys.push(key(KeyCode::Char('y')));
    let landed = orgscope::export::clipboard::Copied { system: false, terminal: false };
    let (terminal, app, _, copied) = run_demo_with_clipboard(160, 48, keys, landed).await;
    assert_eq!(copied.len(), 1);
    match &app.overlay {
        Some(orgscope::app::Overlay::Text { title, body }) => {
            assert!(title.contains("no clipboard could be reached"), "{title}");
            assert!(body.contains("export AWS_ACCESS_KEY_ID='ASIADEMO602918374655'"), "{body}");
        }
        other => panic!("expected the text popup, got {other:?}"),
    }
    let screen = text(terminal.backend().buffer());
    assert!(screen.contains("ASIADEMO602918374655"), "{screen}");
    assert!(screen.contains("Session"), "the detail pane shows the session's life: {screen}");
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn tab_shows_the_assignments_and_c_copies_the_exact_failure_reason() {
    let keys = vec![
        key(KeyCode::Tab),
        key(KeyCode::Char('f')),
        key(KeyCode::Char('c')),
        key(KeyCode::Char('C')),
        key(KeyCode::Enter),
    ];
    let (terminal, app, _, copied) = run_demo_copying(160, 48, keys).await;
    assert_eq!(app.view, orgscope::app::View::Assignments);
    assert!(app.assignments.failed_only);
    let first = app.assignments.selected_attempt().expect("a selected attempt");
    assert_eq!(first.status, orgscope::model::AssignmentStatus::Failed);
    assert_eq!(copied.len(), 2, "{copied:?}");
    assert_eq!(
        copied[0],
        first.failure_reason.as_ref().map(ToString::to_string).unwrap_or_default(),
        "c copies AWS's words"
    );
    assert!(copied[0].contains("has exceeded the IAM limit"));
    assert!(copied[1].starts_with("| time | operation | account |"), "C copies a Markdown table");
    assert_eq!(copied[1].lines().count(), 2 + 8, "eight failures in the demo:\n{}", copied[1]);
    assert!(copied[1].contains("| provision |") && copied[1].contains("| delete |"), "{}", copied[1]);
    match &app.overlay {
        Some(orgscope::app::Overlay::Text { body, .. }) => {
            assert!(body.contains("Roles can have 10 managed policies"), "the popup shows the fix: {body}");
            assert!(body.contains("CloudTrail event"), "and the raw event");
        }
        other => panic!("Enter opens the detail popup, got {other:?}"),
    }
    let screen = text(terminal.backend().buffer());
    assert!(screen.contains("Roles can have 10 managed policies"), "{screen}");
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_jumps_from_an_attempt_to_its_account_in_the_tree() {
    let keys = vec![key(KeyCode::Tab), key(KeyCode::Char('a'))];
    let (_, app, _) = run_demo(120, 40, keys).await;
    assert_eq!(app.view, orgscope::app::View::Tree);
    assert_eq!(selected_id(&app), "210987654321", "the IAM-limit failure's account (data-prod)");
}

/// `R` on a failed request asks first, naming what it would send; Esc sends nothing; Enter sends
/// it and the row shows the new request's outcome in place; `R` on a row that did not fail says why.
#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn r_asks_before_it_retries_and_the_row_turns_into_the_new_outcome() {
    use orgscope::model::AssignmentStatus;
    let asked = vec![key(KeyCode::Tab), key(KeyCode::Char('R'))];
    let (terminal, app, _) = run_demo(120, 40, asked).await;
    match &app.overlay {
        Some(orgscope::app::Overlay::Confirm { body, .. }) => {
            for part in [
                "This writes to AWS",
                "CreateAccountAssignment",
                "data-prod (210987654321)",
                "DataScientist",
                "GROUP Data Scientists",
                "exceeded the IAM limit",
            ] {
                assert!(body.contains(part), "the question names {part}: {body}");
            }
        }
        other => panic!("R opens a confirmation, got {other:?}"),
    }
    assert!(text(terminal.backend().buffer()).contains("Enter sends it, Esc cancels"));
    assert_eq!(app.assignments.selected_attempt().map(|a| a.status), Some(AssignmentStatus::Failed));

    let cancelled = vec![key(KeyCode::Tab), key(KeyCode::Char('R')), key(KeyCode::Esc)];
    let (_, app, _) = run_demo(120, 40, cancelled).await;
    assert!(app.overlay.is_none());
    assert_eq!(app.assignments.selected_attempt().map(|a| a.status), Some(AssignmentStatus::Failed), "nothing sent");

    let confirmed = vec![key(KeyCode::Tab), key(KeyCode::Char('R')), key(KeyCode::Enter)];
    let (terminal, app, _) = run_demo(120, 40, confirmed).await;
    let row = app.assignments.selected_attempt().expect("the row stays selected");
    assert_eq!(row.status, AssignmentStatus::Succeeded, "{row:?}");
    assert!(row.request_id.as_ref().is_some_and(|r| r.raw().starts_with("demo-retry-")), "the new request");
    assert_eq!(row.account_id.as_ref().map(|a| a.raw()), Some("210987654321"), "in place");
    assert_eq!(app.assignments.attempts.len(), 19, "no row added or lost");
    let screen = text(terminal.backend().buffer());
    assert!(screen.contains("the retry SUCCEEDED"), "{screen}");

    let not_failed = vec![key(KeyCode::Tab), key(KeyCode::Char('j')), key(KeyCode::Char('R'))];
    let (terminal, app, _) = run_demo(120, 40, not_failed).await;
    assert!(app.overlay.is_none(), "nothing to confirm");
    assert!(text(terminal.backend().buffer()).contains("only a FAILED request is retried"));
}

/// The detail pane of an account lists its permission sets, each one's level and last use, and who
/// holds each, stale ones marked.
#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn an_accounts_detail_lists_who_holds_which_permission_set() {
    let mut keys = vec![key(KeyCode::Char('/'))];
    keys.extend("data-prod".chars().map(|c| key(KeyCode::Char(c))));
    keys.push(key(KeyCode::Enter));
    let (terminal, app, _) = run_demo(200, 50, keys).await;
    let selected = app.tree.view.selected_node().map(|n| n.name.to_string());
    assert_eq!(selected.as_deref(), Some("data-prod"));
    let screen = text(terminal.backend().buffer());
    assert!(screen.contains("Identity Center access"), "{screen}");
    assert!(
        screen.contains(
            "DataScientist [write] 13mo (stale: not provisioned at its latest version): group Data Scientists"
        ),
        "{screen}"
    );
    assert!(screen.contains("ReadOnlyAccess [read] never: group Auditors"), "{screen}");
    let held = app.identity.held("210987654321", app.now());
    assert_eq!(held.len(), 3, "{held:?}");
}

/// Tab twice: the access view of the tree's selection (the whole organization at the root), `f`
/// for the stale rows only, `C` the view as a Markdown table; Tab again is the tree.
#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn the_access_view_lists_the_selections_access_and_f_keeps_the_stale_rows() {
    let keys = vec![key(KeyCode::Tab), key(KeyCode::Tab), key(KeyCode::Char('f')), key(KeyCode::Char('C'))];
    let (terminal, app, _, copied) = run_demo_copying(160, 48, keys).await;
    assert_eq!(app.view, orgscope::app::View::Access);
    assert_eq!(app.access.scope, "the whole organization");
    assert_eq!(app.access.rows.len(), 66, "every assignment of the demo, the orphaned one too");
    assert_eq!(app.access.shown.len(), 2, "DataScientist is stale in two accounts");
    let screen = text(terminal.backend().buffer());
    assert!(screen.contains("Access — the whole organization: 2 of 66 rows · stale only (f)"), "{screen}");
    assert!(screen.contains("data-prod") && screen.contains("group Data Scientists"), "{screen}");
    assert_eq!(copied.len(), 1);
    assert!(copied[0].starts_with("| account | permission set |") && copied[0].lines().count() == 4, "{}", copied[0]);

    // An account's own rows: filter to data-prod, then Tab twice.
    let mut keys = vec![key(KeyCode::Char('/'))];
    keys.extend("data-prod".chars().map(|c| key(KeyCode::Char(c))));
    keys.extend([key(KeyCode::Enter), key(KeyCode::Tab), key(KeyCode::Tab)]);
    let (_, app, _) = run_demo(160, 48, keys).await;
    assert_eq!(app.access.scope, "data-prod");
    assert_eq!(app.access.rows.len(), 3);
    let (_, app, _) = run_demo(160, 48, vec![key(KeyCode::Tab), key(KeyCode::Tab), key(KeyCode::Tab)]).await;
    assert_eq!(app.view, orgscope::app::View::Tree, "Tab cycles back to the tree");
}
