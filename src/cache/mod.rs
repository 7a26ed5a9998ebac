//! What orgscope keeps between runs under `$XDG_CACHE_HOME/orgscope/`: the credentials it handed
//! out ([`credentials`]); the organization's last run, the access map and final assignment
//! statuses are named by [`crate::cli::context::Context`] and written by their owners.

pub mod credentials;

pub use credentials::{CredentialStore, Key};

/// orgscope's cache directory (None without a home directory).
pub fn dir() -> Option<std::path::PathBuf> {
    dirs::cache_dir().map(|dir| dir.join("orgscope"))
}
