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

/// The terminal's input as a stream, read on a thread of its own that is stopped and joined when
/// the stream is dropped, so nothing reads the terminal once the TUI has left it (an `x` sub-shell
/// gets every key).
///
/// crossterm's own `EventStream` is not used: dropping it leaves a wake-up pending in crossterm's
/// poller, and when that wake-up and a key arrive in the same poll the key's readiness is dropped
/// (the poller is edge-triggered) and the key waits for the next one. The first key typed after a
/// sub-shell, `q` say, went unanswered.
pub struct Input {
    receiver: tokio::sync::mpsc::UnboundedReceiver<io::Result<ratatui::crossterm::event::Event>>,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    reader: Option<std::thread::JoinHandle<()>>,
    /// Closed when the reader has stopped.
    stopped: std::sync::mpsc::Receiver<()>,
}

/// How long a drop waits for the reader. On a terminal that was closed (hung up) crossterm's read
/// spins on end-of-file and never returns: that reader is left to end with the process.
const INPUT_STOP: std::time::Duration = std::time::Duration::from_millis(500);

/// How long the reader waits for a key before it looks at the stop flag: how long a drop waits
/// for a reader on a live terminal.
const INPUT_POLL: std::time::Duration = std::time::Duration::from_millis(25);

impl Input {
    pub fn start() -> io::Result<Input> {
        use ratatui::crossterm::event;
        use std::sync::atomic::Ordering;
        let (sender, receiver) = tokio::sync::mpsc::unbounded_channel();
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (done, stopped) = std::sync::mpsc::channel::<()>();
        let stopping = std::sync::Arc::clone(&stop);
        let reader = std::thread::Builder::new().name("terminal input".into()).spawn(move || {
            // Dropped (closing the channel) however this thread ends.
            let _done = done;
            while !stopping.load(Ordering::SeqCst) {
                let event = match event::poll(INPUT_POLL) {
                    Ok(false) => continue,
                    Ok(true) => event::read(),
                    Err(err) => Err(err),
                };
                let failed = event.is_err();
                if sender.send(event).is_err() || failed {
                    break;
                }
            }
        })?;
        Ok(Input { receiver, stop, reader: Some(reader), stopped })
    }
}

impl futures::Stream for Input {
    type Item = io::Result<ratatui::crossterm::event::Event>;

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        self.receiver.poll_recv(cx)
    }
}

impl Drop for Input {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        match self.stopped.recv_timeout(INPUT_STOP) {
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                tracing::warn!("the terminal's input did not stop (was the terminal closed?); leaving it");
            }
            Ok(()) | Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                if let Some(reader) = self.reader.take() {
                    let _ = reader.join();
                }
            }
        }
    }
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
