//! A saved run served as a source: `--snapshot FILE`, or the demo organization embedded from
//! `assets/demo.json` (`--demo`). Neither makes an AWS call.

use std::collections::BTreeMap;

use async_trait::async_trait;

use super::{DiscoveryProgress, ProgressFn, Source, SourceError};
use crate::model::{Org, ProbeOutcome, Snapshot};

/// The demo organization, compiled into the binary.
pub const DEMO_JSON: &str = include_str!("../../assets/demo.json");

pub struct SnapshotSource {
    label: String,
    snapshot: Snapshot,
}

impl SnapshotSource {
    pub fn demo() -> Result<SnapshotSource, SourceError> {
        Ok(SnapshotSource {
            label: "demo organization".to_string(),
            snapshot: Snapshot::from_json(DEMO_JSON, "the demo")?,
        })
    }

    pub fn from_file(path: &std::path::Path) -> Result<SnapshotSource, SourceError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path)
            .map_err(|err| SourceError::Io { path: shown.clone(), message: err.to_string() })?;
        Ok(SnapshotSource { label: format!("snapshot {shown}"), snapshot: Snapshot::from_json(&text, &shown)? })
    }
}

#[async_trait]
impl Source for SnapshotSource {
    fn label(&self) -> String {
        self.label.clone()
    }

    fn region(&self) -> Option<String> {
        self.snapshot.region.clone()
    }

    async fn discover(&self, progress: ProgressFn) -> Result<Org, SourceError> {
        let org = self.snapshot.org.clone();
        let accounts = org.accounts().count();
        let parents = org.ou_count() + org.roots.len();
        progress(DiscoveryProgress {
            parents_listed: parents,
            parents_known: parents,
            accounts_found: accounts,
            throttled: 0,
        });
        Ok(org)
    }

    async fn account_tags(&self, account_id: &str) -> Result<BTreeMap<String, String>, SourceError> {
        Ok(self.snapshot.org.accounts().find(|a| a.id == account_id).and_then(|a| a.tags.clone()).unwrap_or_default())
    }

    fn saved_access(&self) -> BTreeMap<String, ProbeOutcome> {
        self.snapshot.access.clone()
    }

    fn saved_snapshot(&self) -> Option<&Snapshot> {
        Some(&self.snapshot)
    }
}
