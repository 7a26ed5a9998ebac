//! The main loop: draw → wait for a key or a finished effect → update → start effects. Generic
//! over the ratatui backend and the event stream, so tests run the whole app on a `TestBackend`.

use std::io;
use std::sync::Arc;

use futures::{Stream, StreamExt};
use ratatui::Terminal;
use ratatui::backend::Backend;
use ratatui::crossterm::event::{Event, KeyEventKind};
use tokio::sync::mpsc;

use super::perform::{Sent, spawn};
use crate::app::{App, Effect, Exit, Intent, Message, Report};
use crate::probe::Prober;

/// Runs the app until it exits, or until the event stream has ended and every effect has finished
/// (so a scripted session sees the results of what it started).
///
/// `clipboard` puts text (a secret, when the flag says so) on the clipboard and says where it
/// landed (the real one writes OSC 52 to the terminal between frames, so it runs here, never in
/// a task).
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
    C: FnMut(&str, bool) -> crate::export::clipboard::Copied,
{
    let (tx, mut rx) = mpsc::unbounded_channel::<Sent>();
    if let Ok(size) = terminal.size() {
        app.update(Message::Resize(size.width, size.height));
    }
    let mut running = 0usize;
    let mut pending: Vec<Effect> = app.start();
    let mut events_open = true;
    let mut first_frame = true;
    loop {
        for effect in pending.drain(..) {
            match effect {
                Effect::Copy { text, what, secret } => {
                    let landed = clipboard(&text, secret);
                    if landed.system || landed.terminal {
                        app.update(Report::Toast(format!("{what}: {}", landed.describe())));
                    } else {
                        // The last resort: the text on screen, to copy by hand.
                        app.overlay = Some(crate::app::Overlay::Text {
                            title: format!("{what}: no clipboard could be reached, copy it from here"),
                            body: text,
                        });
                    }
                }
                Effect::Run(job) => {
                    spawn(job, &prober, &tx);
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
            tracing::info!(ms, rows = app.tree.view.rows.len(), "first frame drawn");
        }
        if !events_open && running == 0 {
            return Ok(Exit::Quit);
        }
        let message = tokio::select! {
            Some(sent) = rx.recv() => match sent {
                Sent::Progress(report) => Some(Message::Report(report)),
                Sent::Done(report) => {
                    running = running.saturating_sub(1);
                    Some(Message::Report(report))
                }
            },
            event = events.next(), if events_open => match event {
                Some(Ok(event)) => message_for_event(app, event),
                Some(Err(err)) => return Err(err),
                None => {
                    events_open = false;
                    None
                }
            },
        };
        let Some(message) = message else { continue };
        if let Message::Report(Report::TaskPanicked(panic)) = &message {
            return Err(io::Error::other(format!("an internal error stopped orgscope: {panic}")));
        }
        pending = app.update(message);
    }
}

fn message_for_event(app: &App, event: Event) -> Option<Message> {
    use ratatui::crossterm::event::{KeyCode, KeyModifiers, MouseButton, MouseEventKind};
    let intent = match event {
        // While a filter is typed, keys are text.
        Event::Key(key) if key.kind == KeyEventKind::Press && app.typing() => match key.code {
            KeyCode::Esc => Some(Intent::FilterCancel),
            KeyCode::Enter => Some(Intent::FilterAccept),
            KeyCode::Backspace => Some(Intent::FilterBackspace),
            KeyCode::Up => Some(Intent::MoveUp),
            KeyCode::Down => Some(Intent::MoveDown),
            KeyCode::Char('c') if key.modifiers.contains(KeyModifiers::CONTROL) => Some(Intent::Quit),
            KeyCode::Char('u') if key.modifiers.contains(KeyModifiers::CONTROL) => {
                Some(Intent::FilterErase { word: false })
            }
            KeyCode::Char('w') if key.modifiers.contains(KeyModifiers::CONTROL) => {
                Some(Intent::FilterErase { word: true })
            }
            // Other chords (Ctrl+A, Alt+b…) are not text.
            KeyCode::Char(_) if key.modifiers.intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) => None,
            KeyCode::Char(c) => Some(Intent::FilterChar(c)),
            _ => None,
        },
        #[cfg(debug_assertions)]
        Event::Key(key) if key.kind == KeyEventKind::Press && key.code == KeyCode::F(12) => test_panic(),
        Event::Key(key) if key.kind == KeyEventKind::Press => app.settings.keymap.intent_for(key, app.view),
        Event::Resize(columns, rows) => return Some(Message::Resize(columns, rows)),
        Event::Mouse(mouse) => match mouse.kind {
            MouseEventKind::Down(MouseButton::Left) => {
                Some(Intent::Click { column: mouse.column, row: mouse.row, double: false })
            }
            MouseEventKind::ScrollDown => Some(Intent::Scroll(3)),
            MouseEventKind::ScrollUp => Some(Intent::Scroll(-3)),
            _ => None,
        },
        _ => None,
    };
    intent.map(Message::Intent)
}

/// Debug builds only, and only with `ORGSCOPE_TEST_PANIC` set: F12 panics in the UI loop (`ui`) or
/// in a task (`task`), so the tests can prove the terminal is restored. Release builds have none.
#[cfg(debug_assertions)]
fn test_panic() -> Option<Intent> {
    match std::env::var("ORGSCOPE_TEST_PANIC").as_deref() {
        Ok("ui") => panic!("test-only panic in the UI loop (ORGSCOPE_TEST_PANIC=ui)"),
        Ok("task") => Some(Intent::TestPanic),
        _ => None,
    }
}
