//! How a command ends: the exit codes scripts rely on, and a failure as one sentence saying what
//! to do next.

use crate::model::lookup::LookupError;
use crate::source::SourceError;
use crate::source::portal::PortalError;

/// Exit codes scripts can rely on.
pub mod exit {
    pub const OK: u8 = 0;
    pub const RUNTIME: u8 = 1;
    /// A bad flag, or a file given on the command line that cannot be read or parsed.
    pub const USAGE: u8 = 2;
    /// `probe --fail-on-blocked` found blocked accounts.
    pub const BLOCKED: u8 = 3;
    /// `assume` on a blocked account.
    pub const ASSUME_BLOCKED: u8 = 4;
    /// `diff` found changes.
    pub const CHANGED: u8 = 5;
}

/// A failure that ends the command, with its exit code.
#[derive(Debug)]
pub struct Failure {
    pub code: u8,
    pub message: String,
}

impl Failure {
    pub fn runtime(message: impl std::fmt::Display) -> Failure {
        Failure { code: exit::RUNTIME, message: message.to_string() }
    }

    pub fn usage(message: impl std::fmt::Display) -> Failure {
        Failure { code: exit::USAGE, message: message.to_string() }
    }
}

impl From<SourceError> for Failure {
    fn from(err: SourceError) -> Failure {
        // A snapshot named on the command line that cannot be read is a usage error, like any
        // file given there, and so is a profile that does not exist.
        let code = match err {
            SourceError::Snapshot(_) | SourceError::UnknownProfile { .. } => exit::USAGE,
            _ => exit::RUNTIME,
        };
        Failure { code, message: err.to_string() }
    }
}

impl From<PortalError> for Failure {
    fn from(err: PortalError) -> Failure {
        let code = if matches!(err, PortalError::Choice(_)) { exit::USAGE } else { exit::RUNTIME };
        Failure { code, message: err.to_string() }
    }
}

impl From<LookupError> for Failure {
    fn from(err: LookupError) -> Failure {
        Failure::usage(err)
    }
}
