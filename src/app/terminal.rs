//! The real terminal, drawn on **stderr** so that stdout stays clean for `eval "$(orgscope)"`.
//! `ratatui::init`/`restore` are hard-wired to stdout, so this is their stderr twin: raw mode, the
//! alternate screen, and a panic hook that restores the terminal before the panic is reported.

use std::io::{self, IsTerminal, Stderr};

use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::cursor::Show;
use ratatui::crossterm::event::{DisableMouseCapture, EnableMouseCapture};
use ratatui::crossterm::execute;
use ratatui::crossterm::terminal::{EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode};

pub type Tui = Terminal<CrosstermBackend<Stderr>>;

/// Puts the terminal into TUI mode. Fails cleanly when stderr is not a terminal.
pub fn init() -> io::Result<Tui> {
    if !io::stderr().is_terminal() {
        return Err(io::Error::other(
            "the TUI draws on stderr, which is not a terminal here: run orgscope in a terminal, or use a command such as `orgscope tree`",
        ));
    }
    install_panic_hook();
    enable_raw_mode()?;
    if let Err(err) = execute!(io::stderr(), EnterAlternateScreen, EnableMouseCapture) {
        restore();
        return Err(err);
    }
    Terminal::new(CrosstermBackend::new(io::stderr())).inspect_err(|_| restore())
}

/// Leaves TUI mode. Safe to call more than once and when `init` did not finish.
pub fn restore() {
    let _ = execute!(io::stderr(), DisableMouseCapture, LeaveAlternateScreen, Show);
    let _ = disable_raw_mode();
}

/// Set by the panic hook: the loop must not draw over the restored terminal again.
pub static PANICKED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Restores the terminal before any panic is reported, on any thread (the UI's or a tokio
/// task's). Installed once, however often the TUI is entered.
fn install_panic_hook() {
    static INSTALLED: std::sync::Once = std::sync::Once::new();
    INSTALLED.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            PANICKED.store(true, std::sync::atomic::Ordering::SeqCst);
            restore();
            previous(info);
        }));
    });
}

/// SIGTERM or SIGHUP, received while the TUI runs.
#[derive(Debug)]
pub struct Signalled(pub i32);

impl std::fmt::Display for Signalled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "stopped by signal {}", self.0)
    }
}

impl std::error::Error for Signalled {}

/// SIGTERM and SIGHUP as items of the TUI's event stream: the loop ends with a [`Signalled`] error
/// and the terminal is restored on the main thread, in order, like any other exit. Ctrl-C arrives
/// as a key in raw mode and quits normally; SIGINT keeps its default so that Ctrl-C in an `x`
/// sub-shell stops the command there, not orgscope.
pub fn signals() -> impl futures::Stream<Item = io::Result<ratatui::crossterm::event::Event>> + Unpin {
    use futures::StreamExt;
    use tokio::signal::unix::{SignalKind, signal};
    let streams: Vec<_> = [(SignalKind::terminate(), 15), (SignalKind::hangup(), 1)]
        .into_iter()
        .filter_map(|(kind, number)| {
            let receiver = signal(kind).ok()?;
            Some(
                futures::stream::unfold(receiver, move |mut receiver| async move {
                    receiver.recv().await?;
                    Some((Err(io::Error::other(Signalled(number))), receiver))
                })
                .boxed(),
            )
        })
        .collect();
    futures::stream::select_all(streams)
}
