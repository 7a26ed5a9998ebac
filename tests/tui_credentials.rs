//! The TUI hands out sessions of the configured length (not the probe's 15 minutes), and with
//! `probe = "manual"` it assumes nothing until `p`: the whole app on ratatui's `TestBackend`, the
//! real SDK against the local endpoint, counting the `AssumeRole` calls it answers.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::fake_aws::{FakeAws, FakeOrg};
use common::tui::key;
use futures::StreamExt;
use orgscope::app::{App, Exit};
use orgscope::model::{AccessState, ProbeOutcome, ProbeStatus, Reason, Snapshot};
use orgscope::probe::Prober;
use orgscope::source::Source;
use orgscope::source::aws::AwsSource;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{Event, KeyCode};

/// Runs `app` until `keys` end: a second for discovery (and the probe) first, then the keys a
/// tenth of a second apart, each followed by `settle`.
async fn run(app: &mut App, source: Arc<dyn Source>, keys: Vec<std::io::Result<Event>>, settle: Duration) -> Exit {
    let mut terminal = Terminal::new(TestBackend::new(100, 30)).expect("terminal");
    let events = futures::stream::iter(keys).then(move |event| async move {
        tokio::time::sleep(settle).await;
        event
    });
    let settings = app.settings.probe.clone();
    let prober = Arc::new(Prober::new(source, settings));
    let clipboard = |_: &str, _: bool| orgscope::export::clipboard::Copied { system: true, terminal: false };
    orgscope::tui::run::run(&mut terminal, app, prober, Box::pin(events), clipboard).await.expect("the app runs")
}

async fn source(fake: &FakeAws) -> Arc<dyn Source> {
    Arc::new(AwsSource::connect(fake.options()).await.expect("connects"))
}

fn durations(fake: &FakeAws) -> Vec<String> {
    fake.calls_to("AssumeRole")
        .iter()
        .map(|c| c.params["DurationSeconds"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enter_hands_out_a_session_of_the_configured_length() {
    let org = FakeOrg::generate(6, 0, 1);
    let fake = FakeAws::start(org.clone());
    let source = source(&fake).await;
    let mut app = App::new(orgscope::app::Settings::for_source(source.as_ref()));
    app.settings.session_seconds = 7200;
    let keys = vec![key(KeyCode::Char('G')), key(KeyCode::Enter)];
    let exit = run(&mut app, source, keys, Duration::from_millis(1000)).await;
    let Exit::Export(credentials) = exit else { panic!("Enter exits with credentials: {exit:?}") };
    let left = credentials.seconds_left(chrono::Utc::now());
    assert!((7100..=7200).contains(&left), "a two-hour session, not the probe's: {left} s left");
    let asked = durations(&fake);
    assert_eq!(asked.iter().filter(|d| *d == "7200").count(), 1, "one fresh session: {asked:?}");
    assert!(asked.iter().filter(|d| *d != "7200").all(|d| d == "900"), "the probe's own are short: {asked:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn manual_probing_assumes_nothing_until_p_and_keeps_the_last_verdicts() {
    let org = FakeOrg::generate(6, 0, 1);
    let fake = FakeAws::start(org.clone());
    let source = source(&fake).await;
    // The last run said one account was blocked.
    let read = source.discover(Arc::new(|_| {})).await.expect("discovers");
    let blocked = org.accounts[3].id.clone();
    let outcome = ProbeOutcome {
        status: ProbeStatus::Blocked,
        reason: Some(Reason::AccessDenied),
        role_arn: None,
        message: None,
        hint: None,
        ..ProbeOutcome::default()
    };
    let cached = Snapshot::new(read, [(blocked.clone(), outcome)].into(), Vec::new(), None);
    let mut app = App::new(orgscope::app::Settings::for_source(source.as_ref()));
    app.settings.probe_at_start = false;
    app.load_cached(&cached);
    run(&mut app, Arc::clone(&source), vec![key(KeyCode::Char('q'))], Duration::from_millis(1500)).await;
    assert!(durations(&fake).is_empty(), "no AssumeRole at start: {:?}", durations(&fake));
    assert!(
        !fake.calls_to("ListAccounts").is_empty() || !fake.calls_to("ListAccountsForParent").is_empty(),
        "the organization was read"
    );
    let shown = |app: &App| {
        let i = app.tree.view.index_of(&blocked).expect("the account");
        app.tree.view.nodes[i].account().map(|(_, access)| access.clone())
    };
    assert!(
        matches!(shown(&app), Some(AccessState::Probed(o)) if o.status == ProbeStatus::Blocked),
        "the last verdict stays"
    );

    // p on the root probes every account.
    let mut app = App::new(orgscope::app::Settings::for_source(source.as_ref()));
    app.settings.probe_at_start = false;
    run(
        &mut app,
        source,
        vec![key(KeyCode::Char('g')), key(KeyCode::Char('p')), key(KeyCode::Char('q'))],
        Duration::from_millis(1200),
    )
    .await;
    assert!(durations(&fake).len() >= 4, "p probed: {:?}", durations(&fake));
}
