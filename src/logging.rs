//! Logs go to a file, never to the terminal: the TUI owns stderr and stdout belongs to `eval`.
//! `ORGSCOPE_LOG` (or `RUST_LOG`) sets the filter; `ORGSCOPE_LOG_FILE` the path.

use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use tracing_subscriber::EnvFilter;

/// Where the log goes: `$ORGSCOPE_LOG_FILE`, else `$XDG_STATE_HOME/orgscope/orgscope.log`.
pub fn log_path() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("ORGSCOPE_LOG_FILE") {
        return Some(PathBuf::from(path));
    }
    let dir = dirs::state_dir().or_else(dirs::cache_dir)?.join("orgscope");
    Some(dir.join("orgscope.log"))
}

static STARTED: OnceLock<Instant> = OnceLock::new();

/// Time since logging started (the start of the run), for the log's start-up figures.
pub fn since_start() -> Duration {
    STARTED.get_or_init(Instant::now).elapsed()
}

/// Starts file logging. A log that cannot be opened is not worth failing a run for.
pub fn init() {
    STARTED.get_or_init(Instant::now);
    let Some(path) = log_path() else { return };
    if let Some(dir) = path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    let Ok(file) = std::fs::OpenOptions::new().create(true).append(true).open(&path) else { return };
    let filter = std::env::var("ORGSCOPE_LOG")
        .or_else(|_| std::env::var("RUST_LOG"))
        .unwrap_or_else(|_| "orgscope=info".to_string());
    // The HTTP layers may dump bodies at trace, and AssumeRole's body holds credentials: they are
    // capped at debug whatever the filter asks.
    let trace = filter.contains("trace");
    let mut filter = EnvFilter::new(filter);
    for target in
        ["aws_smithy_runtime", "aws_smithy_runtime_api", "aws_smithy_http_client", "hyper", "hyper_util", "h2"]
    {
        if let Ok(directive) = format!("{target}=debug").parse()
            && trace
        {
            filter = filter.add_directive(directive);
        }
    }
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_ansi(false).with_writer(Mutex::new(file)).try_init();
}
