//! Copying to the clipboard two ways at once: the system clipboard (X11/Wayland/macOS/Windows
//! through `arboard`), and OSC 52 written to the terminal, which reaches the user's own clipboard
//! over SSH and through tmux (with `set-clipboard on`). Either one landing is a success.

use std::io::Write;
use std::sync::{Mutex, OnceLock};

use base64::Engine;

/// The system clipboard, kept for the life of the process: on X11 the owner must stay alive to
/// serve the text to other programs.
static SYSTEM: OnceLock<Mutex<Option<arboard::Clipboard>>> = OnceLock::new();

/// Where a copy landed, for the toast.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Copied {
    pub system: bool,
    pub terminal: bool,
}

impl Copied {
    pub fn describe(&self) -> &'static str {
        match (self.system, self.terminal) {
            (true, _) => "copied to the clipboard",
            (false, true) => "sent to the terminal's clipboard (OSC 52)",
            (false, false) => "could not reach a clipboard",
        }
    }
}

/// The OSC 52 sequence that asks the terminal to put `text` on the clipboard.
pub fn osc52(text: &str) -> String {
    format!("\x1b]52;c;{}\x07", base64::engine::general_purpose::STANDARD.encode(text))
}

/// Copies `text` to the system clipboard and, through `terminal` (the TUI's stderr), by OSC 52.
pub fn copy(text: &str, terminal: Option<&mut dyn Write>) -> Copied {
    let system = copy_system(text);
    let terminal = match terminal {
        Some(out) => out.write_all(osc52(text).as_bytes()).and_then(|()| out.flush()).is_ok(),
        None => false,
    };
    Copied { system, terminal }
}

fn copy_system(text: &str) -> bool {
    let cell = SYSTEM.get_or_init(|| Mutex::new(arboard::Clipboard::new().ok()));
    let Ok(mut guard) = cell.lock() else { return false };
    match guard.as_mut() {
        Some(clipboard) => clipboard.set_text(text.to_string()).is_ok(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn osc52_carries_the_text_in_base64() {
        assert_eq!(super::osc52("hello"), "\x1b]52;c;aGVsbG8=\x07");
    }
}
