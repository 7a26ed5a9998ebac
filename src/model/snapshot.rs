//! A saved run: the organization, probe results and assignment attempts, for `--snapshot FILE`
//! and the embedded demo.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{AssignmentAttempt, Org, ProbeOutcome};

/// The version written by this build; older or newer files are refused with a clear message.
pub const SNAPSHOT_FORMAT: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    pub format: u32,
    pub saved_at: DateTime<Utc>,
    /// The region the run used, when known.
    pub region: Option<String>,
    pub org: Org,
    /// Probe outcomes keyed by account id.
    #[serde(default)]
    pub access: BTreeMap<String, ProbeOutcome>,
    #[serde(default)]
    pub assignments: Vec<AssignmentAttempt>,
}

#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error("{path} is not an orgscope snapshot: {source}")]
    Invalid { path: String, source: serde_json::Error },
    #[error(
        "{path} is a snapshot of format {found}, this orgscope reads format {SNAPSHOT_FORMAT}: save it again with `orgscope snapshot -o FILE`"
    )]
    Version { path: String, found: u32 },
}

impl Snapshot {
    /// Parses a snapshot; `path` only names the file in errors.
    pub fn from_json(text: &str, path: &str) -> Result<Snapshot, SnapshotError> {
        let snapshot: Snapshot =
            serde_json::from_str(text).map_err(|source| SnapshotError::Invalid { path: path.to_string(), source })?;
        if snapshot.format != SNAPSHOT_FORMAT {
            return Err(SnapshotError::Version { path: path.to_string(), found: snapshot.format });
        }
        Ok(snapshot)
    }
}
