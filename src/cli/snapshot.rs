//! Whole runs as files: `orgscope snapshot -o FILE` (the organization, every account's probe verdict
//! and the assignment attempts), the profile's cached run, and a live run for `diff -`.

use std::io::Write;
use std::sync::Arc;

use super::context::Context;
use super::failure::{Failure, exit};
use crate::model::Snapshot;
use crate::probe::{CallerContext, ProbeTarget, Prober};
use crate::source::AssignmentQuery;

/// The run now: a saved source's own snapshot, or for AWS the organization discovered, every
/// account probed and the assignment attempts of the default window (a window CloudTrail refuses
/// is left empty, with a warning).
pub async fn live(cx: &Context) -> Result<Snapshot, Failure> {
    let source = cx.source().await?;
    let org = source.discover(Arc::new(|_| {})).await?;
    if let Some(saved) = source.saved_snapshot() {
        let mut snapshot = Snapshot::new(org, saved.access.clone(), saved.assignments.clone(), source.region());
        snapshot.identity_center = saved.identity_center.clone();
        return Ok(snapshot);
    }
    let prober = Prober::new(Arc::clone(&source), cx.probe_settings(source.as_ref()));
    let access = prober.probe_collect(ProbeTarget::all(&org), &CallerContext::of(&org)).await;
    let access = access.into_iter().map(|(target, outcome)| (target.account.id, outcome)).collect();
    let now = chrono::Utc::now();
    let query = AssignmentQuery {
        sso_region: cx.flags.sso_region.clone(),
        ..AssignmentQuery::new(now - cx.assignments_window(), now)
    };
    let assignments = match source.assignments(&query, Arc::new(|_| {})).await {
        Ok(read) => {
            for note in &read.unavailable {
                super::warn(note.raw());
            }
            let mut attempts = read.attempts;
            crate::model::name_accounts(&mut attempts, &org);
            crate::remedy::assignment::explain(&mut attempts, &org.organization.management_account_id);
            attempts
        }
        Err(err) => {
            super::warn(&format!("the assignments were not saved: {err}"));
            Vec::new()
        }
    };
    let mut snapshot = Snapshot::new(org, access, assignments, cx.flags.region.clone().or_else(|| source.region()));
    snapshot.identity_center = match source.identity_center(&cx.access_query()).await {
        Ok(map) => Some(map),
        Err(err) => {
            super::warn(&format!("the Identity Center access map was not saved: {err}"));
            None
        }
    };
    Ok(snapshot)
}

/// `orgscope snapshot -o FILE` (`-o -`: stdout).
pub async fn save(cx: &Context, output: &std::path::Path) -> Result<u8, Failure> {
    let snapshot = live(cx).await?;
    let json = serde_json::to_vec_pretty(&snapshot).map_err(Failure::runtime)?;
    if output == std::path::Path::new("-") {
        super::print(&(String::from_utf8_lossy(&json).into_owned() + "\n"))?;
        let _ = writeln!(std::io::stderr(), "saved {} accounts to stdout", snapshot.org.accounts().count());
        return Ok(exit::OK);
    }
    crate::files::write_atomic(output, &json, 0o644)
        .map_err(|err| Failure::runtime(format!("could not write {}: {err}", output.display())))?;
    let accounts = snapshot.org.accounts().count();
    let _ = writeln!(std::io::stderr(), "saved {accounts} accounts to {}", output.display());
    Ok(exit::OK)
}
