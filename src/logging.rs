//! Logs go to a file, never to the terminal: the TUI owns stderr and stdout belongs to `eval`.
//! `ORGSCOPE_LOG` (or `RUST_LOG`) sets the filter; `ORGSCOPE_LOG_FILE` the path.

use std::path::PathBuf;
use std::sync::Mutex;

use tracing_subscriber::EnvFilter;

/// Where the log goes: `$ORGSCOPE_LOG_FILE`, else `$XDG_STATE_HOME/orgscope/orgscope.log`.
pub fn log_path() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("ORGSCOPE_LOG_FILE") {
        return Some(PathBuf::from(path));
    }
    let dir = dirs::state_dir().or_else(dirs::cache_dir)?.join("orgscope");
    Some(dir.join("orgscope.log"))
}

/// Starts file logging. A log that cannot be opened is not worth failing a run for.
pub fn init() {
    let Some(path) = log_path() else { return };
    if let Some(dir) = path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    let Ok(file) = std::fs::OpenOptions::new().create(true).append(true).open(&path) else { return };
    let filter = std::env::var("ORGSCOPE_LOG")
        .or_else(|_| std::env::var("RUST_LOG"))
        .unwrap_or_else(|_| "orgscope=info".to_string());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::new(filter))
        .with_ansi(false)
        .with_writer(Mutex::new(file))
        .try_init();
}
