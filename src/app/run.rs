//! The main loop: draw → wait for a key or a finished effect → update → start effects. Generic
//! over the ratatui backend and the event stream, so tests run the whole app on a `TestBackend`.

use std::io;
use std::sync::Arc;

use futures::{Stream, StreamExt};
use ratatui::Terminal;
use ratatui::backend::Backend;
use ratatui::crossterm::event::{Event, KeyEventKind};
use tokio::sync::mpsc;

use super::{Action, App, Effect, Exit};
use crate::source::Source;

/// What an effect's task reports: progress on the way, then exactly one final action.
enum Report {
    Progress(Action),
    Done(Action),
}

/// Runs the app until it exits, or until the event stream has ended and every effect has finished
/// (so a scripted session sees the results of what it started).
pub async fn run<B, S>(
    terminal: &mut Terminal<B>,
    app: &mut App,
    source: Arc<dyn Source>,
    mut events: S,
) -> io::Result<Exit>
where
    B: Backend,
    B::Error: Send + Sync + 'static,
    S: Stream<Item = io::Result<Event>> + Unpin,
{
    let (tx, mut rx) = mpsc::unbounded_channel::<Report>();
    if let Ok(size) = terminal.size() {
        app.update(Action::Resize(size.width, size.height));
    }
    let mut running = 0usize;
    for effect in app.start() {
        spawn_effect(effect, &source, &tx);
        running += 1;
    }
    let mut events_open = true;
    loop {
        if let Some(exit) = &app.exit {
            return Ok(exit.clone());
        }
        terminal.draw(|frame| crate::ui::draw(frame, app)).map_err(io::Error::other)?;
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
        for effect in app.update(action) {
            spawn_effect(effect, &source, &tx);
            running += 1;
        }
    }
}

fn action_for_event(app: &App, event: Event) -> Option<Action> {
    match event {
        Event::Key(key) if key.kind == KeyEventKind::Press => app.keymap.action_for(key),
        Event::Resize(columns, rows) => Some(Action::Resize(columns, rows)),
        _ => None,
    }
}

fn spawn_effect(effect: Effect, source: &Arc<dyn Source>, tx: &mpsc::UnboundedSender<Report>) {
    let source = Arc::clone(source);
    let tx = tx.clone();
    tokio::spawn(async move {
        let action = match effect {
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
        };
        // The receiver is gone only when the app has exited; nothing is left to tell.
        let _ = tx.send(Report::Done(action));
    });
}
