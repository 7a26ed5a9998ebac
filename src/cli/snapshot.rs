//! Whole runs as files: `orgscope snapshot -o FILE` (the organization, every account's probe verdict
//! and the assignment attempts), the profile's cached run, and a live run for `diff -`.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use super::{Failure, GlobalArgs, exit};
use crate::model::Snapshot;
use crate::probe::{CallerContext, ProbeTarget, Prober};
use crate::source::{AssignmentQuery, Source};

/// Where the TUI caches the profile's last run (None: no cache directory).
pub fn cache_path(global: &GlobalArgs) -> Option<PathBuf> {
    let profile = global.profile.clone().or_else(|| std::env::var("AWS_PROFILE").ok()).unwrap_or("default".into());
    dirs::cache_dir().map(|dir| dir.join("orgscope").join(format!("snapshot-{profile}.json")))
}

/// The run now: a saved source's own snapshot, or for AWS the organization discovered, every
/// account probed and the assignment attempts of the default window (a window CloudTrail refuses
/// is left empty, with a warning).
pub async fn live(source: Arc<dyn Source>, global: &GlobalArgs) -> Result<Snapshot, Failure> {
    let org = source.discover(Arc::new(|_| {})).await?;
    if let Some(saved) = source.saved_snapshot() {
        let mut snapshot = Snapshot::new(org, saved.access.clone(), saved.assignments.clone(), source.region());
        snapshot.identity_center = saved.identity_center.clone();
        return Ok(snapshot);
    }
    let prober = Prober::new(Arc::clone(&source), super::probe::settings(global, source.as_ref()));
    let access = prober.probe_collect(ProbeTarget::all(&org), &CallerContext::of(&org)).await;
    let access = access.into_iter().map(|(target, outcome)| (target.account.id, outcome)).collect();
    let now = chrono::Utc::now();
    let since =
        global.settings.assignments.since.as_ref().and_then(|s| crate::duration::parse_duration(s.get_ref()).ok());
    let query = AssignmentQuery {
        sso_region: global.sso_region.clone(),
        ..AssignmentQuery::new(now - since.unwrap_or_else(|| chrono::Duration::days(7)), now)
    };
    let assignments = match source.assignments(&query, Arc::new(|_| {})).await {
        Ok(read) => {
            for note in &read.unavailable {
                let _ = writeln!(std::io::stderr(), "orgscope: warning: {note}");
            }
            let mut attempts = read.attempts;
            crate::model::name_accounts(&mut attempts, &org);
            crate::remedy::assignment::explain(&mut attempts, &org.organization.management_account_id);
            attempts
        }
        Err(err) => {
            let _ = writeln!(std::io::stderr(), "orgscope: warning: the assignments were not saved: {err}");
            Vec::new()
        }
    };
    let mut snapshot = Snapshot::new(org, access, assignments, global.region.clone().or_else(|| source.region()));
    snapshot.identity_center = match source.identity_center(&super::access::query(global)).await {
        Ok(map) => Some(map),
        Err(err) => {
            let _ =
                writeln!(std::io::stderr(), "orgscope: warning: the Identity Center access map was not saved: {err}");
            None
        }
    };
    Ok(snapshot)
}

/// `orgscope snapshot -o FILE`.
pub async fn save(source: Arc<dyn Source>, global: &GlobalArgs, output: &std::path::Path) -> Result<u8, Failure> {
    let snapshot = live(source, global).await?;
    let json = serde_json::to_vec_pretty(&snapshot).map_err(Failure::runtime)?;
    crate::files::write_atomic(output, &json, 0o644)
        .map_err(|err| Failure::runtime(format!("could not write {}: {err}", output.display())))?;
    let accounts = snapshot.org.accounts().count();
    let _ = writeln!(std::io::stderr(), "saved {accounts} accounts to {}", output.display());
    Ok(exit::OK)
}
