//! The main loop: draw → wait for a key or a finished effect → update → start effects. Generic
//! over the ratatui backend and the event stream, so tests run the whole app on a `TestBackend`.

use std::io;
use std::sync::Arc;

use futures::{FutureExt, Stream, StreamExt};
use ratatui::Terminal;
use ratatui::backend::Backend;
use ratatui::crossterm::event::{Event, KeyEventKind};
use tokio::sync::mpsc;

use super::{Action, App, Effect, Exit};
use crate::probe::Prober;

/// What an effect's task reports: progress on the way, then exactly one final action.
enum Report {
    Progress(Action),
    Done(Action),
}

/// Runs the app until it exits, or until the event stream has ended and every effect has finished
/// (so a scripted session sees the results of what it started).
///
/// `clipboard` puts text on the clipboard and says where it landed (the real one writes OSC 52
/// to the terminal between frames, so it runs here, never in a task).
pub async fn run<B, S, C>(
    terminal: &mut Terminal<B>,
    app: &mut App,
    prober: Arc<Prober>,
    mut events: S,
    mut clipboard: C,
) -> io::Result<Exit>
where
    B: Backend,
    B::Error: Send + Sync + 'static,
    S: Stream<Item = io::Result<Event>> + Unpin,
    C: FnMut(&str) -> crate::export::clipboard::Copied,
{
    let (tx, mut rx) = mpsc::unbounded_channel::<Report>();
    if let Ok(size) = terminal.size() {
        app.update(Action::Resize(size.width, size.height));
    }
    let mut running = 0usize;
    let mut pending: Vec<Effect> = app.start();
    let mut events_open = true;
    let mut first_frame = true;
    loop {
        for effect in pending.drain(..) {
            match effect {
                Effect::Copy { text, what } => {
                    let landed = clipboard(&text);
                    if landed.system || landed.terminal {
                        app.update(Action::Toast(format!("{what}: {}", landed.describe())));
                    } else {
                        // The last resort: the text on screen, to copy by hand.
                        app.overlay = Some(super::Overlay::Text {
                            title: format!("{what}: no clipboard could be reached, copy it from here"),
                            body: text,
                        });
                    }
                }
                effect => {
                    spawn_effect(effect, &prober, &tx);
                    running += 1;
                }
            }
        }
        if let Some(exit) = &app.exit {
            return Ok(exit.clone());
        }
        if super::terminal::PANICKED.load(std::sync::atomic::Ordering::SeqCst) {
            // The terminal was restored for the panic report: drawing again would garble it.
            return Err(io::Error::other("an internal error stopped orgscope (see the panic message above)"));
        }
        terminal.draw(|frame| crate::ui::draw(frame, app)).map_err(io::Error::other)?;
        if first_frame {
            first_frame = false;
            let ms = crate::logging::since_start().as_secs_f64() * 1000.0;
            tracing::info!(ms, rows = app.tree.rows.len(), "first frame drawn");
        }
        if !events_open && running == 0 {
            return Ok(Exit::Quit);
        }
        let action = tokio::select! {
            Some(report) = rx.recv() => match report {
                Report::Progress(action) => Some(action),
                Report::Done(action) => {
                    running = running.saturating_sub(1);
                    Some(action)
                }
            },
            event = events.next(), if events_open => match event {
                Some(Ok(event)) => action_for_event(app, event),
                Some(Err(err)) => return Err(err),
                None => {
                    events_open = false;
                    None
                }
            },
        };
        let Some(action) = action else { continue };
        if let Action::TaskPanicked(message) = &action {
            return Err(io::Error::other(format!("an internal error stopped orgscope: {message}")));
        }
        pending = app.update(action);
    }
}

fn action_for_event(app: &App, event: Event) -> Option<Action> {
    use ratatui::crossterm::event::{KeyCode, KeyModifiers, MouseButton, MouseEventKind};
    match event {
        // While a filter is typed, keys are text.
        Event::Key(key) if key.kind == KeyEventKind::Press && app.filter_input.is_some() => match key.code {
            KeyCode::Esc => Some(Action::FilterCancel),
            KeyCode::Enter => Some(Action::FilterAccept),
            KeyCode::Backspace => Some(Action::FilterBackspace),
            KeyCode::Up => Some(Action::MoveUp),
            KeyCode::Down => Some(Action::MoveDown),
            KeyCode::Char('c') if key.modifiers.contains(KeyModifiers::CONTROL) => Some(Action::Quit),
            KeyCode::Char(c) => Some(Action::FilterChar(c)),
            _ => None,
        },
        #[cfg(debug_assertions)]
        Event::Key(key) if key.kind == KeyEventKind::Press && key.code == KeyCode::F(12) => test_panic(),
        Event::Key(key) if key.kind == KeyEventKind::Press => app.keymap.action_for(key),
        Event::Resize(columns, rows) => Some(Action::Resize(columns, rows)),
        Event::Mouse(mouse) => match mouse.kind {
            MouseEventKind::Down(MouseButton::Left) => {
                Some(Action::Click { column: mouse.column, row: mouse.row, double: false })
            }
            MouseEventKind::ScrollDown => Some(Action::Scroll(3)),
            MouseEventKind::ScrollUp => Some(Action::Scroll(-3)),
            _ => None,
        },
        _ => None,
    }
}

fn spawn_effect(effect: Effect, prober: &Arc<Prober>, tx: &mpsc::UnboundedSender<Report>) {
    let done = tx.clone();
    let task = perform(effect, Arc::clone(prober), tx.clone());
    tokio::spawn(async move {
        // A panicking task must not leave the app waiting for it: it reports, and the app stops.
        let action = match std::panic::AssertUnwindSafe(task).catch_unwind().await {
            Ok(action) => action,
            Err(panic) => Action::TaskPanicked(panic_message(&panic)),
        };
        // The receiver is gone only when the app has exited; nothing is left to tell.
        let _ = done.send(Report::Done(action));
    });
}

fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a task panicked".to_string())
}

async fn perform(effect: Effect, prober: Arc<Prober>, tx: mpsc::UnboundedSender<Report>) -> Action {
    {
        let source = &prober.source;
        match effect {
            Effect::Discover => {
                let progress_tx = tx.clone();
                let progress = Arc::new(move |p| {
                    let _ = progress_tx.send(Report::Progress(Action::DiscoverProgress(p)));
                });
                Action::DiscoverDone(source.discover(progress).await.map_err(|err| err.to_string()))
            }
            Effect::LoadTags(account_id) => {
                let result = source.account_tags(&account_id).await.map_err(|err| err.to_string());
                Action::LoadTagsDone { account_id, result }
            }
            Effect::Probe { generation, targets, caller } => {
                let results = tx.clone();
                prober
                    .probe_all(targets, &caller, |target, outcome| {
                        let account_id = target.account.id.clone();
                        let _ = results.send(Report::Progress(Action::ProbeResult { generation, account_id, outcome }));
                    })
                    .await;
                Action::ProbeDone { generation }
            }
            Effect::SwitchRole { purpose, target, caller } => {
                let result = prober
                    .switch_role(&target, &caller, crate::probe::SWITCH_SESSION_SECONDS, None)
                    .await
                    .map(Box::new)
                    .map_err(Box::new);
                Action::SwitchRoleDone { purpose, account_name: target.account.name, result }
            }
            Effect::WriteProfile { name, credentials } => {
                let written = tokio::task::spawn_blocking(move || {
                    let path = crate::export::credentials_file::default_path()
                        .ok_or_else(|| "no home directory: set AWS_SHARED_CREDENTIALS_FILE".to_string())?;
                    crate::export::credentials_file::write_profile(&path, &name, &credentials)
                        .map(|()| format!("wrote profile {name} to {} ({})", path.display(), credentials.life_left()))
                        .map_err(|err| format!("could not write {}: {err}", path.display()))
                })
                .await;
                Action::Toast(match written {
                    Ok(Ok(message)) | Ok(Err(message)) => message,
                    Err(err) => format!("writing the profile failed: {err}"),
                })
            }
            Effect::ConsoleUrl { credentials, region, copy } => {
                let endpoint = std::env::var("ORGSCOPE_SIGNIN_ENDPOINT").ok();
                let result = tokio::task::spawn_blocking(move || {
                    let url = crate::export::console::signin_url(&credentials, region.as_deref(), endpoint.as_deref())
                        .map_err(|err| err.to_string())?;
                    if !copy {
                        open::that_detached(&url).map_err(|err| format!("could not open a browser: {err}"))?;
                    }
                    Ok(url)
                })
                .await
                .unwrap_or_else(|err| Err(format!("the console URL failed: {err}")));
                Action::ConsoleUrlDone { copy, result }
            }
            Effect::LoadAssignments(query) => {
                let progress_tx = tx.clone();
                let progress = Arc::new(move |p| {
                    let _ = progress_tx.send(Report::Progress(Action::AssignmentsProgress(p)));
                });
                Action::AssignmentsDone(source.assignments(&query, progress).await.map_err(|err| err.to_string()))
            }
            Effect::SaveCache { path, snapshot } => {
                let saved = tokio::task::spawn_blocking(move || {
                    if let Some(dir) = path.parent() {
                        std::fs::create_dir_all(dir)?;
                    }
                    let json = serde_json::to_vec(&snapshot).map_err(std::io::Error::other)?;
                    crate::files::write_atomic(&path, &json, 0o600)
                })
                .await;
                if let Ok(Err(err)) | Err(err) = saved.map_err(std::io::Error::other) {
                    tracing::warn!(%err, "could not save the cache");
                }
                Action::CacheSaved
            }
            // Performed by the loop itself.
            Effect::Copy { what, .. } => Action::Toast(format!("{what} was not copied")),
            #[cfg(debug_assertions)]
            Effect::TestPanic => panic!("test-only panic in a task (ORGSCOPE_TEST_PANIC=task)"),
        }
    }
}

/// Debug builds only, and only with `ORGSCOPE_TEST_PANIC` set: F12 panics in the UI loop (`ui`) or
/// in a task (`task`), so the tests can prove the terminal is restored. Release builds have none.
#[cfg(debug_assertions)]
fn test_panic() -> Option<Action> {
    match std::env::var("ORGSCOPE_TEST_PANIC").as_deref() {
        Ok("ui") => panic!("test-only panic in the UI loop (ORGSCOPE_TEST_PANIC=ui)"),
        Ok("task") => Some(Action::TestPanic),
        _ => None,
    }
}
