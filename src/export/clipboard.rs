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

/// How long a copied secret stays on the clipboard unless the config says otherwise.
pub const SECRET_LIFETIME: std::time::Duration = std::time::Duration::from_secs(45);

/// The tmux buffer a secret is put in, so that it can be deleted by name.
pub const TMUX_BUFFER: &str = "orgscope-secret";

/// Copies a secret (exports, a console sign-in URL): marked for clipboard managers as a secret
/// to leave out of their history, and cleared after `lifetime` unless something else was copied
/// meanwhile. The system clipboard is served by a small process of orgscope's own that outlives
/// the TUI for that long (so the text still pastes after orgscope exits); inside tmux the text is
/// a named buffer deleted after `lifetime`; OSC 52, which no one can take back, is sent only when
/// neither could be reached.
pub fn copy_secret(text: &str, lifetime: std::time::Duration, terminal: Option<&mut dyn Write>) -> Copied {
    let system = hold_detached(text, lifetime);
    let tmux = tmux_buffer(text, lifetime);
    let osc52 = !system
        && !tmux
        && match terminal {
            Some(out) => out.write_all(osc52(text).as_bytes()).and_then(|()| out.flush()).is_ok(),
            None => false,
        };
    Copied { system, terminal: tmux || osc52 }
}

/// Starts the clipboard holder (`orgscope clipboard-hold`) with `text` on its stdin and waits for
/// it to say it holds the clipboard.
fn hold_detached(text: &str, lifetime: std::time::Duration) -> bool {
    use std::io::{BufRead, BufReader};
    use std::os::unix::process::CommandExt;
    use std::process::{Command, Stdio};
    let has = |var: &str| std::env::var_os(var).is_some_and(|v| !v.is_empty());
    if cfg!(target_os = "linux") && !has("DISPLAY") && !has("WAYLAND_DISPLAY") {
        return false;
    }
    let Ok(exe) = std::env::current_exe() else { return false };
    let spawned = super::handoff::child(&mut Command::new(exe))
        .args(["clipboard-hold", "--seconds", &lifetime.as_secs().max(1).to_string()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn();
    let Ok(mut child) = spawned else { return false };
    if let Some(mut stdin) = child.stdin.take()
        && stdin.write_all(text.as_bytes()).is_err()
    {
        return false;
    }
    let Some(stdout) = child.stdout.take() else { return false };
    // The holder answers at once; a reader thread keeps a stuck one from hanging the TUI.
    let (sender, receiver) = std::sync::mpsc::channel();
    let waiter = std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = sender.send(line);
        child
    });
    let held = matches!(receiver.recv_timeout(std::time::Duration::from_secs(3)), Ok(line) if line.trim() == "held");
    // The holder is reaped when it ends (or stopped now when it never answered), off this thread.
    std::thread::spawn(move || {
        if let Ok(mut child) = waiter.join() {
            if !held {
                let _ = child.kill();
            }
            let _ = child.wait();
        }
    });
    held
}

/// Inside tmux: the text as the named buffer [`TMUX_BUFFER`] (also sent to the outer terminal's
/// clipboard where tmux does that), deleted after `lifetime` by a process of its own.
fn tmux_buffer(text: &str, lifetime: std::time::Duration) -> bool {
    use std::os::unix::process::CommandExt;
    use std::process::{Command, Stdio};
    if std::env::var_os("TMUX").is_none_or(|v| v.is_empty()) {
        return false;
    }
    let load = |extra: &[&str]| {
        let child = super::handoff::child(&mut Command::new("tmux"))
            .args(["load-buffer", "-b", TMUX_BUFFER])
            .args(extra)
            .arg("-")
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        let Ok(mut child) = child else { return false };
        if let Some(mut stdin) = child.stdin.take() {
            let _ = stdin.write_all(text.as_bytes());
        }
        child.wait().is_ok_and(|s| s.success())
    };
    // `-w` (tmux 3.2 and later) also sets the outer terminal's clipboard.
    if !(load(&["-w"]) || load(&[])) {
        return false;
    }
    let _ = super::handoff::child(&mut Command::new("/bin/sh"))
        .args(["-c", "sleep \"$1\"; tmux delete-buffer -b \"$2\"", "orgscope-clear-buffer"])
        .arg(lifetime.as_secs().max(1).to_string())
        .arg(TMUX_BUFFER)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn();
    true
}

/// The clipboard holder's side (`orgscope clipboard-hold`): puts the secret on stdin on the
/// clipboard, marked as one, says `held` on stdout, and clears it after `lifetime` unless
/// something else was copied meanwhile.
pub fn hold(text: &str, lifetime: std::time::Duration) -> Result<(), String> {
    use std::time::{Duration, Instant};
    let deadline = Instant::now() + lifetime;
    let wayland = cfg!(target_os = "linux")
        && std::env::var_os("WAYLAND_DISPLAY").is_some_and(|v| !v.is_empty())
        && std::env::var_os("DISPLAY").is_none_or(|v| v.is_empty());
    if wayland {
        return hold_wayland(text, deadline);
    }
    let mut clipboard = arboard::Clipboard::new().map_err(|err| err.to_string())?;
    set_secret(&mut clipboard, text)?;
    announce_held();
    while Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(250));
        if clipboard.get_text().ok().as_deref() != Some(text) {
            return Ok(());
        }
    }
    clipboard.clear().map_err(|err| err.to_string())
}

#[cfg(target_os = "linux")]
fn set_secret(clipboard: &mut arboard::Clipboard, text: &str) -> Result<(), String> {
    use arboard::SetExtLinux;
    clipboard.set().exclude_from_history().text(text.to_string()).map_err(|err| err.to_string())
}

#[cfg(not(target_os = "linux"))]
fn set_secret(clipboard: &mut arboard::Clipboard, text: &str) -> Result<(), String> {
    clipboard.set_text(text.to_string()).map_err(|err| err.to_string())
}

fn announce_held() {
    let mut stdout = std::io::stdout();
    let _ = stdout.write_all(b"held\n").and_then(|()| stdout.flush());
}

/// Wayland without X: `wl-copy` serves the text, `wl-paste` tells whether it is still ours, and
/// `wl-copy --clear` takes it back.
fn hold_wayland(text: &str, deadline: std::time::Instant) -> Result<(), String> {
    use std::process::{Command, Stdio};
    use std::time::{Duration, Instant};
    if copy_with_tool(text) != Some(true) {
        return Err("wl-copy could not take the text".to_string());
    }
    announce_held();
    let ours = || {
        Command::new("wl-paste")
            .arg("--no-newline")
            .stderr(Stdio::null())
            .output()
            .is_ok_and(|o| o.stdout == text.as_bytes())
    };
    while Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(500));
        if !ours() {
            return Ok(());
        }
    }
    let _ = Command::new("wl-copy").arg("--clear").status();
    Ok(())
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
        let Ok(mut child) = super::handoff::child(&mut Command::new(program))
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
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
