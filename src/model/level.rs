//! What a permission set lets its holders do, in five words: `admin`, `privileged`, `write`,
//! `read` and `unknown` (a policy could not be read). How a level is decided is in
//! `crate::policy::level` and the README.

use serde::{Deserialize, Serialize};

/// Ordered from least to most reach; `Unknown` sits apart (it could be anything) and is kept by
/// every `--level` filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Read,
    Write,
    Privileged,
    Admin,
    Unknown,
}

impl Level {
    pub const ALL: [Level; 5] = [Level::Admin, Level::Privileged, Level::Write, Level::Read, Level::Unknown];

    pub fn code(self) -> &'static str {
        match self {
            Level::Read => "read",
            Level::Write => "write",
            Level::Privileged => "privileged",
            Level::Admin => "admin",
            Level::Unknown => "unknown",
        }
    }

    pub fn parse(code: &str) -> Option<Level> {
        Level::ALL.into_iter().find(|l| l.code().eq_ignore_ascii_case(code))
    }

    /// Kept by a filter for `floor` and above: a level at or above it, or one nobody could read.
    pub fn at_least(self, floor: Level) -> bool {
        self == Level::Unknown || floor == Level::Unknown || self >= floor
    }
}

impl std::fmt::Display for Level {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::Level;

    #[test]
    fn a_floor_keeps_its_level_what_is_above_and_what_nobody_could_read() {
        assert!(Level::Admin.at_least(Level::Privileged));
        assert!(!Level::Write.at_least(Level::Privileged));
        assert!(Level::Unknown.at_least(Level::Admin));
        assert_eq!(Level::parse("ADMIN"), Some(Level::Admin));
        assert_eq!(Level::parse("root"), None);
    }
}
