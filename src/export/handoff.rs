//! How credentials reach the shell that started orgscope, and nothing else does.
//!
//! The shell function (`orgscope init`) makes an empty file with `mktemp` (mode 0600), names it in
//! `ORGSCOPE_EXPORT_FILE`, runs orgscope with the terminal's stdin, stdout and stderr, and then
//! reads that file into the shell and removes it. orgscope writes to it only when it hands
//! credentials to the shell (Enter in the TUI, `assume` with a shell format and no other output
//! option), and only the export lines it generated. Without the function, `eval "$(orgscope)"`
//! captures stdout: then the exports go to that pipe, and everything else orgscope or its children
//! would print goes to the terminal ([`capture_stdout`]).

use std::fs::File;
use std::io::{self, IsTerminal, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::path::PathBuf;
use std::sync::Mutex;

use super::shell::Format;

/// The private channel's path, set by the shell function.
pub const CHANNEL_VAR: &str = "ORGSCOPE_EXPORT_FILE";
/// The calling shell, set by the shell function: the channel's format.
pub const SHELL_VAR: &str = "ORGSCOPE_SHELL";

/// Where exports handed to the calling shell go.
#[derive(Debug)]
pub enum Handoff {
    /// The shell function's channel file.
    Channel(Channel),
    /// stdout, which `eval "$(orgscope)"` (or an older shell function) captures.
    Pipe,
    /// Nowhere: stdout is the terminal and no function listens, so the secret would only land on
    /// the screen.
    Nowhere,
}

/// The shell function's private file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Channel {
    pub path: PathBuf,
    /// The calling shell's export format.
    pub format: Format,
}

#[derive(Debug, thiserror::Error)]
pub enum HandoffError {
    #[error(
        "{CHANNEL_VAR} names {path}, which is not the empty private file the shell function makes ({why}): nothing was written; run orgscope through `orgscope init`'s function"
    )]
    NotPrivate { path: String, why: &'static str },
    #[error("could not write the credentials to the shell function's file {path}: {err}")]
    Io { path: String, err: io::Error },
}

impl Channel {
    /// The channel the environment names, if any.
    pub fn from_env() -> Option<Channel> {
        let path = std::env::var_os(CHANNEL_VAR).filter(|p| !p.is_empty())?;
        let shell = std::env::var(SHELL_VAR).unwrap_or_default();
        Some(Channel { path: PathBuf::from(path), format: Format::for_shell(&shell) })
    }

    /// Writes `exports` into the channel. The file must be what the function made: a regular
    /// file (not a link), the user's own, readable by no one else, and empty, so that a variable
    /// set by someone else can never make orgscope overwrite a file of the user's.
    pub fn write(&self, exports: &str) -> Result<(), HandoffError> {
        use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
        let shown = self.path.display().to_string();
        let not_private = |why| HandoffError::NotPrivate { path: shown.clone(), why };
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            // O_NONBLOCK: a FIFO with no reader fails at once instead of hanging the open.
            .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC | libc::O_NONBLOCK)
            .open(&self.path)
            .map_err(|err| match err.raw_os_error() {
                Some(libc::ELOOP) => not_private("it is a symbolic link"),
                Some(libc::EISDIR | libc::ENXIO) => not_private("it is not a regular file"),
                _ => HandoffError::Io { path: shown.clone(), err },
            })?;
        let meta = file.metadata().map_err(|err| HandoffError::Io { path: shown.clone(), err })?;
        // SAFETY: geteuid has no preconditions and cannot fail.
        let uid = unsafe { libc::geteuid() };
        if !meta.file_type().is_file() {
            return Err(not_private("it is not a regular file"));
        }
        if meta.uid() != uid {
            return Err(not_private("it belongs to another user"));
        }
        if meta.mode() & 0o077 != 0 {
            return Err(not_private("others may read or write it"));
        }
        if meta.len() != 0 {
            return Err(not_private("it is not empty"));
        }
        file.write_all(exports.as_bytes())
            .and_then(|()| file.sync_all())
            .map_err(|err| HandoffError::Io { path: shown, err })
    }
}

/// stdout as it was when orgscope started, kept aside by [`capture_stdout`].
static CAPTURED: Mutex<Option<File>> = Mutex::new(None);

/// When stdout is not a terminal (`eval "$(orgscope)"`, or an older shell function that captured
/// it), keeps it aside for the exports and points fd 1 at the terminal (stderr), so nothing else
/// orgscope or its children print (a sub-shell's output, a stray line) can reach what the shell
/// will evaluate. Returns whether stdout was captured. Safe to call more than once.
pub fn capture_stdout() -> bool {
    let Ok(mut captured) = CAPTURED.lock() else { return false };
    if captured.is_some() {
        return true;
    }
    if io::stdout().is_terminal() || !io::stderr().is_terminal() {
        return false;
    }
    let _ = io::stdout().flush();
    // SAFETY: dup and dup2 on the process's own standard descriptors; fd 1 stays open throughout
    // (dup2 replaces it atomically), and the duplicate is owned by the File below alone.
    unsafe {
        let saved = libc::fcntl(libc::STDOUT_FILENO, libc::F_DUPFD_CLOEXEC, 3);
        if saved < 0 {
            return false;
        }
        if libc::dup2(libc::STDERR_FILENO, libc::STDOUT_FILENO) < 0 {
            libc::close(saved);
            return false;
        }
        *captured = Some(File::from(OwnedFd::from_raw_fd(saved)));
    }
    true
}

/// Writes `exports` to the stdout [`capture_stdout`] kept aside (or to stdout when it kept none).
pub fn write_captured(exports: &str) -> io::Result<()> {
    let mut captured = CAPTURED.lock().map_err(|_| io::Error::other("the saved stdout is unavailable"))?;
    match captured.as_mut() {
        Some(file) => file.write_all(exports.as_bytes()).and_then(|()| file.flush()),
        None => {
            let mut stdout = io::stdout().lock();
            stdout.write_all(exports.as_bytes()).and_then(|()| stdout.flush())
        }
    }
}

/// Whether an older shell function runs orgscope: it set [`SHELL_VAR`] without a channel and
/// captures stdout to evaluate it. Until the shell reads the new function, only exports may go
/// there.
pub fn older_function() -> bool {
    std::env::var_os(SHELL_VAR).is_some_and(|v| !v.is_empty())
        && std::env::var_os(CHANNEL_VAR).is_none_or(|v| v.is_empty())
        && !io::stdout().is_terminal()
}

/// Where the TUI's Enter hands credentials: the channel when the function made one, the captured
/// stdout when stdout was a pipe, else nowhere.
pub fn for_tui() -> Handoff {
    if let Some(channel) = Channel::from_env() {
        return Handoff::Channel(channel);
    }
    if capture_stdout() || !io::stdout().is_terminal() {
        return Handoff::Pipe;
    }
    Handoff::Nowhere
}

/// The environment variables of the shell integration, which no child of orgscope inherits (a
/// sub-shell's own orgscope must not write into this run's channel).
pub const PRIVATE_VARS: [&str; 2] = [CHANNEL_VAR, SHELL_VAR];

/// `command` without the shell integration's variables.
pub fn child(command: &mut std::process::Command) -> &mut std::process::Command {
    for var in PRIVATE_VARS {
        command.env_remove(var);
    }
    command
}

/// The terminal, for a child's stdout: fd 1 when it is one, else stderr (the TUI's terminal).
pub fn terminal_stdout() -> std::process::Stdio {
    if io::stdout().is_terminal() {
        return std::process::Stdio::inherit();
    }
    if !io::stderr().is_terminal() {
        return std::process::Stdio::null();
    }
    // SAFETY: a fresh duplicate of stderr; on success it is owned by the Stdio alone.
    let dup = unsafe { libc::fcntl(io::stderr().as_raw_fd(), libc::F_DUPFD_CLOEXEC, 3) };
    if dup < 0 {
        return std::process::Stdio::null();
    }
    // SAFETY: `dup` is a new descriptor nothing else owns.
    std::process::Stdio::from(unsafe { OwnedFd::from_raw_fd(dup) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn channel(path: PathBuf) -> Channel {
        Channel { path, format: Format::Sh }
    }

    #[test]
    fn the_functions_own_file_takes_the_exports() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("channel");
        std::fs::write(&path, "").expect("file");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("mode");
        channel(path.clone()).write("export A='1'\n").expect("written");
        assert_eq!(std::fs::read_to_string(&path).ok().as_deref(), Some("export A='1'\n"));
    }

    #[test]
    fn anything_else_is_refused_and_left_alone() {
        let dir = tempfile::tempdir().expect("dir");
        let private = |name: &str, text: &str, mode: u32| {
            let path = dir.path().join(name);
            std::fs::write(&path, text).expect("file");
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).expect("mode");
            path
        };
        let bashrc = private("bashrc", "alias ll='ls -l'\n", 0o600);
        let shared = private("shared", "", 0o644);
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(private("target", "", 0o600), &link).expect("link");
        for (path, why) in [
            (bashrc.clone(), "not empty"),
            (shared, "others may read"),
            (link, "symbolic link"),
            (dir.path().to_path_buf(), "regular file"),
        ] {
            let err = channel(path.clone()).write("export X=1\n").expect_err("refused");
            assert!(err.to_string().contains(why), "{path:?}: {err}");
        }
        assert_eq!(std::fs::read_to_string(&bashrc).ok().as_deref(), Some("alias ll='ls -l'\n"));
        assert_eq!(std::fs::read_to_string(dir.path().join("target")).ok().as_deref(), Some(""));
        assert!(channel(dir.path().join("missing")).write("x").is_err());
    }
}
