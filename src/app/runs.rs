//! The run as a whole: a cached run shown at once while the refresh runs behind it, what changed
//! since the run before, and this run as a snapshot for the cache.

use super::App;
use crate::model::AccessState;

impl App {
    /// Shows a cached run at once, marked stale, while the refresh that [`App::start`] asks for
    /// runs behind it.
    pub fn load_cached(&mut self, snapshot: &crate::model::Snapshot) {
        self.load_org(&snapshot.org);
        for (account_id, outcome) in &snapshot.access {
            self.tree.view.set_access(account_id, AccessState::Probed(outcome.clone()));
        }
        self.assignments.set(snapshot.assignments.clone());
        if let Some(map) = &snapshot.identity_center {
            self.identity.set(map.clone());
            self.tree.view.set_admins(&self.identity.admins);
        }
        if let Some(accounts) = &snapshot.portal {
            self.portal.load(accounts);
        }
        self.stale = Some(crate::text::ago(snapshot.saved_at));
    }

    /// Compares this run with the previous one and marks what changed on the tree.
    pub(super) fn mark_changes(&mut self) {
        let (Some(previous), Some(now)) = (&self.previous, self.snapshot()) else { return };
        match crate::diff::diff(previous, &now) {
            Ok(diff) => {
                self.changes = crate::diff::by_id(diff.changes);
                self.tree.view.set_changes(&self.changes);
            }
            Err(err) => tracing::info!(%err, "the previous run is of another organization: no change marks"),
        }
    }

    /// The run as a snapshot, for the cache.
    pub(super) fn snapshot(&self) -> Option<crate::model::Snapshot> {
        let org = self.org.clone()?;
        let assignments = self.assignments.attempts.clone();
        let mut snapshot =
            crate::model::Snapshot::new(org, self.tree.verdicts(), assignments, self.settings.region.clone());
        snapshot.identity_center = self.identity.map.clone();
        if self.settings.portal.is_some() && !self.portal.roles.is_empty() {
            snapshot.portal = self.org.as_ref().map(|org| self.portal.accounts(org));
        }
        Some(snapshot)
    }
}
