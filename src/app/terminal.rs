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

fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        previous(info);
    }));
}
