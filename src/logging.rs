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
///
/// The log is the user's alone: the file is 0600 and orgscope's own directory 0700. Other
/// crates' events are capped at debug whatever the filter says and however it spells it
/// (`trace`, `TRACE`, `5`, `aws_smithy_runtime=trace`): at trace the HTTP and signing layers dump
/// requests and bodies, and those hold credentials and the portal's bearer token.
pub fn init() {
    STARTED.get_or_init(Instant::now);
    let Some(path) = log_path() else { return };
    let Ok(file) = open_private(&path) else { return };
    let filter = std::env::var("ORGSCOPE_LOG")
        .or_else(|_| std::env::var("RUST_LOG"))
        .unwrap_or_else(|_| "orgscope=info".to_string());
    use tracing_subscriber::layer::SubscriberExt as _;
    use tracing_subscriber::util::SubscriberInitExt as _;
    use tracing_subscriber::{Layer as _, filter::FilterExt as _};
    let capped = tracing_subscriber::filter::filter_fn(|meta| within_cap(meta.target(), *meta.level()));
    let layer = tracing_subscriber::fmt::layer()
        .with_ansi(false)
        .with_writer(Mutex::new(file))
        .with_filter(EnvFilter::new(filter).and(capped));
    let _ = tracing_subscriber::registry().with(layer).try_init();
}

/// Whether an event at `level` from `target` may be logged at all: orgscope's own at any level,
/// everything else (the SDK, HTTP, TLS) at debug or above.
fn within_cap(target: &str, level: tracing::Level) -> bool {
    let own = target == "orgscope" || target.starts_with("orgscope::");
    own || level != tracing::Level::TRACE
}

/// Opens the log for appending, readable by the user alone. orgscope's own log directory is
/// made (or tightened to) 0700; a directory named by `ORGSCOPE_LOG_FILE` is the user's and left
/// as it is.
fn open_private(path: &std::path::Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
    let own_dir = std::env::var_os("ORGSCOPE_LOG_FILE").is_none();
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)?;
        if own_dir {
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
        }
    }
    let file = std::fs::OpenOptions::new().create(true).append(true).mode(0o600).open(path)?;
    // A log an earlier version made 0644 is narrowed too (a device such as /dev/null is left be).
    let meta = file.metadata()?;
    if meta.is_file() && meta.permissions().mode() & 0o777 != 0o600 {
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn other_crates_never_log_at_trace() {
        use tracing::Level;
        assert!(within_cap("orgscope::source::aws", Level::TRACE));
        assert!(within_cap("orgscope", Level::TRACE));
        for target in ["aws_smithy_runtime::client::http", "aws_sigv4", "hyper_util", "aws_config::sso", "orgscopex"] {
            assert!(!within_cap(target, Level::TRACE), "{target}");
            assert!(within_cap(target, Level::DEBUG), "{target}");
        }
    }
}
