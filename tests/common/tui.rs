//! The whole app on ratatui's `TestBackend`: the real run loop, scripted keys (10 ms apart under a
//! paused clock, so a snapshot source's discovery and probe finish first), a recording clipboard.

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use orgscope::app::{App, Exit};
use orgscope::export::clipboard::Copied;
use orgscope::probe::{ProbeSettings, Prober};
use orgscope::source::Source;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};

pub fn key(code: KeyCode) -> std::io::Result<Event> {
    Ok(Event::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

/// Runs `app` on `source` at `width`×`height` until the keys end and every task has finished;
/// the clipboard answers `landed` and records what it was given.
pub async fn run_app(
    app: &mut App,
    source: Arc<dyn Source>,
    size: (u16, u16),
    keys: Vec<std::io::Result<Event>>,
    landed: Copied,
) -> (Terminal<TestBackend>, Exit, Vec<String>) {
    run_app_with(app, Prober::new(source, ProbeSettings::default()), size, keys, landed).await
}

/// [`run_app`] with a prober of the test's own (one signed in to Identity Center, say).
pub async fn run_app_with(
    app: &mut App,
    prober: Prober,
    (width, height): (u16, u16),
    keys: Vec<std::io::Result<Event>>,
    landed: Copied,
) -> (Terminal<TestBackend>, Exit, Vec<String>) {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("test terminal");
    let events = futures::stream::iter(keys).then(|event| async {
        tokio::time::sleep(Duration::from_millis(10)).await;
        event
    });
    let prober = Arc::new(prober);
    let mut copied = Vec::new();
    let clipboard = |text: &str, _secret: bool| {
        copied.push(text.to_string());
        landed.clone()
    };
    let exit =
        orgscope::tui::run::run(&mut terminal, app, prober, Box::pin(events), clipboard).await.expect("the app runs");
    (terminal, exit, copied)
}

/// The screen's text, one line per row, trailing blanks trimmed.
pub fn text(buffer: &Buffer) -> String {
    let area = buffer.area;
    (0..area.height)
        .map(|y| (0..area.width).map(|x| buffer[(x, y)].symbol()).collect::<String>().trim_end().to_string())
        .collect::<Vec<_>>()
        .join("\n")
}
