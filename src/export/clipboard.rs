//! Copying to the clipboard two ways at once: the system clipboard, and OSC 52 written to the
//! terminal, which reaches the user's own clipboard over SSH and through tmux (with
//! `set-clipboard on`). Either one landing is a success; nothing here can hang.
//!
//! On Linux the system clipboard belongs to a running program: text set by orgscope itself would
//! vanish when it exits. So where a display is set, `wl-copy`, `xclip` or `xsel` (which keep serving
//! the text after orgscope exits) are used first, and `arboard` otherwise (macOS, Windows, or no
//! tool installed).

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
    if cfg!(target_os = "linux")
        && let Some(copied) = copy_with_tool(text)
    {
        return copied;
    }
    let cell = SYSTEM.get_or_init(|| Mutex::new(arboard::Clipboard::new().ok()));
    let Ok(mut guard) = cell.lock() else { return false };
    match guard.as_mut() {
        Some(clipboard) => clipboard.set_text(text.to_string()).is_ok(),
        None => false,
    }
}

/// Hands `text` to the first clipboard tool for the running display. None when there is no
/// display or no tool.
fn copy_with_tool(text: &str) -> Option<bool> {
    use std::process::{Command, Stdio};
    use std::time::{Duration, Instant};
    let has = |var: &str| std::env::var_os(var).is_some_and(|v| !v.is_empty());
    let mut candidates: Vec<(&str, &[&str])> = Vec::new();
    if has("WAYLAND_DISPLAY") {
        candidates.push(("wl-copy", &[]));
    }
    if has("DISPLAY") {
        candidates.push(("xclip", &["-selection", "clipboard", "-in"]));
        candidates.push(("xsel", &["--clipboard", "--input"]));
    }
    for (program, args) in candidates {
        let Ok(mut child) =
            Command::new(program).args(args).stdin(Stdio::piped()).stdout(Stdio::null()).stderr(Stdio::null()).spawn()
        else {
            continue;
        };
        if let Some(mut stdin) = child.stdin.take() {
            let _ = stdin.write_all(text.as_bytes());
        }
        // The tools fork a server and exit; never wait long for one that does not.
        let deadline = Instant::now() + Duration::from_secs(3);
        loop {
            match child.try_wait() {
                Ok(Some(status)) => return Some(status.success()),
                Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(10)),
                _ => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Some(false);
                }
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    #[test]
    fn osc52_carries_the_text_in_base64() {
        assert_eq!(super::osc52("hello"), "\x1b]52;c;aGVsbG8=\x07");
    }
}
