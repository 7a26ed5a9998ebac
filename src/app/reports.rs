//! What the tasks report: discovery, probe verdicts, tags, assignments, switch-role credentials.
//! Reports never clear the toast and never reach a popup.

use super::App;
use super::assignments::Loading;
use super::message::{Effect, Job, Report};
use super::overlay::Overlay;
use super::task::Task;
use super::view::View;
use crate::model::AccessState;
use crate::source::AssignmentQuery;

impl App {
    pub(super) fn report(&mut self, report: Report) -> Vec<Effect> {
        match report {
            Report::DiscoverProgress(progress) => {
                if let Some(task) = &mut self.discovery {
                    task.progress = progress;
                }
            }
            Report::DiscoverDone(Ok(org)) => {
                self.load_org(&org);
                self.discovery = None;
                self.stale = None;
                self.mark_changes();
                let mut effects = Vec::new();
                if self.settings.probe_at_start {
                    effects = self.start_probe(self.tree.view.all_probe_targets());
                    self.full_probe = self.probe_generation;
                } else {
                    // Nothing is assumed until asked: the last run's verdicts stay on screen, and
                    // the access map is read at once (no probe to wait for).
                    self.toast =
                        Some("not probed (probe = manual): p probes the selection, on the root every account".into());
                    effects.extend(self.load_access());
                }
                effects.extend(self.load_assignments());
                return effects;
            }
            Report::DiscoverDone(Err(message)) => {
                // Shown in a popup that Esc dismisses; a cached tree stays on screen behind it.
                self.overlay = Some(Overlay::Text {
                    title: "The organization could not be read".to_string(),
                    body: message.clone(),
                });
                self.discovery = None;
                self.discovery_error = Some(message);
            }
            Report::LoadTagsDone { account_id, result: Ok(tags) } => self.tree.view.set_tags(&account_id, tags),
            Report::LoadTagsDone { account_id, result: Err(message) } => {
                tracing::warn!(%account_id, %message, "tags could not be read");
                self.tree.tags_failed(&account_id);
            }
            Report::ProbeResult { generation, account_id, outcome } => {
                self.tree.view.set_access(&account_id, AccessState::Probed(outcome));
                if let Some(task) = self.probing.as_mut().filter(|t| t.progress.generation == generation) {
                    task.progress.done += 1;
                }
            }
            Report::ProbeDone { generation } => return self.probe_done(generation),
            Report::SwitchRoleDone { purpose, account_name, result } => {
                return self.switch_role_done(purpose, account_name, result);
            }
            Report::ConsoleUrlDone { copy, result } => match result {
                Ok(url) if copy => return vec![Effect::copy_secret(url, "the console sign-in URL")],
                Ok(_) => self.toast = Some("opened the AWS console in your browser".to_string()),
                Err(message) => self.toast = Some(message),
            },
            Report::AssignmentsProgress(progress) => {
                if let Loading::Loading(task) = &mut self.assignments.loading {
                    task.progress = progress;
                }
            }
            Report::AssignmentsDone(Ok(read)) => self.assignments_done(read),
            Report::AccessDone(Ok(map)) => return self.access_done(*map),
            Report::AccessDone(Err(message)) => {
                tracing::info!(%message, "no access map");
                self.identity.loading = false;
                self.identity.error = Some(message);
            }
            Report::FixDone { account_id, account_name, result } => {
                self.toast = Some(match result {
                    Ok(outcome) => {
                        let status = outcome.status;
                        self.tree.view.set_access(&account_id, AccessState::Probed(*outcome));
                        match status {
                            crate::model::ProbeStatus::Reachable => format!("fixed: {account_name} is reachable"),
                            other => format!("{account_name} was repaired but is still {}", other.code()),
                        }
                    }
                    Err(why) => format!("{account_name} was not fixed: {why}"),
                });
            }
            Report::RetryDone { key, result } => {
                let toast = self.assignments.retried(&key, result, self.org.as_ref());
                self.toast = Some(toast);
            }
            Report::AssignmentsDone(Err(message)) => self.assignments.loading = Loading::Failed(message),
            Report::Toast(message) => self.toast = Some(message),
            Report::PortalFound(account) => self.portal.found(account),
            Report::PortalDone(result) => {
                if let Err(message) = &result {
                    tracing::info!(%message, "the portal's roles could not be read");
                }
                let read = result.is_ok();
                self.portal.done(result);
                if read
                    && self.discovery.is_none()
                    && let (Some(path), Some(snapshot)) = (&self.settings.cache_path, self.snapshot())
                {
                    return vec![Effect::Run(Job::SaveCache { path: path.clone(), snapshot: Box::new(snapshot) })];
                }
            }
            Report::CacheSaved | Report::TaskPanicked(_) => {}
        }
        Vec::new()
    }

    /// The requests read: named from the tree, explained, and what could not be read said.
    fn assignments_done(&mut self, read: crate::source::AssignmentsRead) {
        let mut attempts = read.attempts;
        if let Some(org) = &self.org {
            crate::model::name_accounts(&mut attempts, org);
            crate::remedy::assignment::explain(&mut attempts, &org.organization.management_account_id);
        }
        self.assignments.set(attempts);
        if let Some(note) = read.unavailable.first() {
            self.toast = Some(note.to_string());
        }
        self.assignments.unavailable = read.unavailable;
        self.assignments.loading = Loading::Loaded;
    }

    /// The access map read: the view and principal mode follow it, and the cache keeps it.
    fn access_done(&mut self, map: crate::model::identity::IdentityCenter) -> Vec<Effect> {
        for note in &map.unavailable {
            tracing::warn!(note = %note, "the access map is partial");
        }
        self.identity.set(map);
        self.tree.view.set_admins(&self.identity.admins);
        // Principal mode follows the new map.
        if let (Some(reach), Some(map)) = (&self.reach, &self.identity.map) {
            let principal = map.find_principal(reach.principal.id().raw()).ok();
            self.set_reach(principal);
        }
        if self.view == View::Access {
            self.show_access();
        }
        // The cache saved at the probe's end did not have this map yet.
        if let (Some(path), Some(snapshot)) = (&self.settings.cache_path, self.snapshot()) {
            return vec![Effect::Run(Job::SaveCache { path: path.clone(), snapshot: Box::new(snapshot) })];
        }
        Vec::new()
    }

    fn probe_done(&mut self, generation: u64) -> Vec<Effect> {
        let seconds = self.probing.as_ref().map(|t| t.started.elapsed().as_secs_f64());
        if self.probing.as_ref().is_some_and(|t| t.progress.generation == generation) {
            self.probing = None;
        }
        let (accounts, blocked) = (self.tree.view.account_count(), self.tree.view.blocked_count());
        tracing::info!(generation, accounts, blocked, seconds, "probe finished");
        self.mark_changes();
        // The access map is read once the probe of everything is done, so its many Identity
        // Center calls never hold call slots the probe needs; the cached run's map is on screen
        // meanwhile.
        let mut effects = Vec::new();
        if generation == self.full_probe {
            effects.extend(self.load_access());
        }
        if let (Some(path), true) = (&self.settings.cache_path, generation == self.full_probe)
            && let Some(snapshot) = self.snapshot()
        {
            effects.push(Effect::Run(Job::SaveCache { path: path.clone(), snapshot: Box::new(snapshot) }));
        }
        effects
    }

    /// Reads Identity Center's access map, unless a read is under way.
    fn load_access(&mut self) -> Vec<Effect> {
        if self.identity.loading {
            return Vec::new();
        }
        self.identity.loading = true;
        let query = crate::source::AccessQuery {
            sso_region: self.settings.assignments.sso_region.clone(),
            cache_path: self.settings.assignments.access_cache_path.clone(),
            ..Default::default()
        };
        let targets = self.tree.view.all_probe_targets();
        let caller = self.org.as_ref().map(crate::probe::CallerContext::of);
        vec![Effect::Run(Job::LoadAccess { query, targets, caller })]
    }

    fn load_assignments(&mut self) -> Vec<Effect> {
        if matches!(self.assignments.loading, Loading::Loading(_)) {
            return Vec::new();
        }
        // A saved run's window reaches back from when it was saved.
        let now = self.settings.saved_at.unwrap_or_else(chrono::Utc::now);
        let settings = &self.settings.assignments;
        let query = AssignmentQuery {
            sso_region: settings.sso_region.clone(),
            cache_path: settings.cache_path.clone(),
            ..AssignmentQuery::new(now - settings.window, now)
        };
        self.assignments.loading = Loading::Loading(Task::start());
        vec![Effect::Run(Job::LoadAssignments(query))]
    }
}
