//! Your own Identity Center sign-in in the TUI: the portal's roles per account (the cached run's
//! at once, then merged as the portal answers), the role picker for an account that offers
//! several, and switching role through the portal when the cross-account role is blocked.

use std::collections::{BTreeMap, HashSet};

use super::App;
use super::message::{Effect, Intent, Job, Purpose};
use crate::model::Text;
use crate::model::portal::PortalAccount;

/// The portal's roles on screen.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PortalRoles {
    /// Account id → the roles your sign-in holds there (absent: none, or not read yet).
    pub roles: BTreeMap<String, Vec<Text>>,
    /// Accounts whose roles could not be listed, with why.
    pub errors: BTreeMap<String, Text>,
    /// A read is in flight.
    pub loading: bool,
    /// Why the last read failed (not signed in: the login hint).
    pub error: Option<String>,
    /// Accounts the read in flight has answered for; at its end the others are dropped.
    seen: HashSet<String>,
    /// How many accounts you hold a role in (kept here, not counted on every frame).
    reached: usize,
}

impl PortalRoles {
    /// The roles you hold in `account_id`, if any.
    pub fn of(&self, account_id: &str) -> Option<&[Text]> {
        self.roles.get(account_id).map(Vec::as_slice).filter(|r| !r.is_empty())
    }

    /// How many accounts you hold a role in.
    pub fn reached(&self) -> usize {
        self.reached
    }

    fn count(&mut self) {
        self.reached = self.roles.values().filter(|r| !r.is_empty()).count();
    }

    /// Shows a saved read (the cache's) at once.
    pub fn load(&mut self, accounts: &[PortalAccount]) {
        self.roles = accounts.iter().map(|a| (a.account_id.clone(), a.roles.clone())).collect();
        self.count();
    }

    fn start(&mut self) {
        self.loading = true;
        self.error = None;
        self.seen.clear();
    }

    /// One account as the portal answered it; an account that failed keeps what was known.
    pub fn found(&mut self, account: PortalAccount) {
        self.seen.insert(account.account_id.clone());
        match account.error {
            Some(error) => {
                self.errors.insert(account.account_id, error);
            }
            None => {
                self.errors.remove(&account.account_id);
                let now = usize::from(!account.roles.is_empty());
                let before = self.roles.insert(account.account_id, account.roles);
                let before = usize::from(before.is_some_and(|r| !r.is_empty()));
                self.reached = self.reached + now - before;
            }
        }
    }

    /// The read ended: what it did not list is gone; a failed read keeps what was on screen.
    pub fn done(&mut self, result: Result<(), String>) {
        self.loading = false;
        match result {
            Ok(()) => {
                let seen = std::mem::take(&mut self.seen);
                self.roles.retain(|id, _| seen.contains(id));
                self.count();
            }
            Err(message) => self.error = Some(message),
        }
    }

    /// What the cache keeps.
    pub fn accounts(&self, org: &crate::model::Org) -> Vec<PortalAccount> {
        let names: BTreeMap<&str, &Text> = org.accounts().map(|a| (a.id.as_str(), &a.name)).collect();
        self.roles
            .iter()
            .map(|(id, roles)| PortalAccount {
                account_id: id.clone(),
                account_name: names.get(id.as_str()).map_or_else(|| Text::from(id.as_str()), |n| (*n).clone()),
                roles: roles.clone(),
                error: None,
            })
            .collect()
    }
}

/// The role picker: which of an account's portal roles to switch into.
#[derive(Debug, Clone, PartialEq)]
pub struct RolePick {
    pub purpose: Purpose,
    pub account_id: String,
    pub account_name: Text,
    pub roles: Vec<Text>,
    pub selected: usize,
}

impl RolePick {
    pub fn job(&self) -> Option<Job> {
        let role = self.roles.get(self.selected)?;
        Some(Job::PortalSwitch {
            purpose: self.purpose,
            account_id: self.account_id.clone(),
            account_name: self.account_name.clone(),
            role: role.clone(),
        })
    }
}

impl App {
    /// Reads the portal's roles, when a sign-in is available and no read is in flight.
    pub(super) fn load_portal(&mut self) -> Vec<Effect> {
        if self.settings.portal.is_none() || self.portal.loading {
            return Vec::new();
        }
        self.portal.start();
        vec![Effect::Run(Job::LoadPortal)]
    }

    /// A key while the role picker is open: ↑↓ choose, Enter switches, Esc closes.
    pub(super) fn role_pick_intent(&mut self, pick: &mut RolePick, intent: &Intent) -> (bool, Vec<Effect>) {
        match intent {
            Intent::MoveUp => pick.selected = pick.selected.saturating_sub(1),
            Intent::MoveDown => pick.selected = (pick.selected + 1).min(pick.roles.len().saturating_sub(1)),
            Intent::Top => pick.selected = 0,
            Intent::Bottom => pick.selected = pick.roles.len().saturating_sub(1),
            Intent::Activate => {
                let Some(job) = pick.job() else { return (true, Vec::new()) };
                let role = pick.roles.get(pick.selected).cloned().unwrap_or_default();
                self.toast = Some(format!("switching into {} through Identity Center as {role}…", pick.account_name));
                return (true, vec![Effect::Run(job)]);
            }
            Intent::CloseOverlay | Intent::Quit | Intent::ToggleHelp => return (true, Vec::new()),
            _ => {}
        }
        (false, Vec::new())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(id: &str, roles: &[&str], error: Option<&str>) -> PortalAccount {
        PortalAccount {
            account_id: id.into(),
            account_name: id.into(),
            roles: roles.iter().map(|r| Text::from(*r)).collect(),
            error: error.map(Text::from),
        }
    }

    #[test]
    fn a_read_replaces_the_cached_roles_as_it_streams_and_drops_what_it_did_not_list() {
        let mut portal = PortalRoles::default();
        portal.load(&[account("1", &["Old"], None), account("2", &["Gone"], None), account("3", &["Kept"], None)]);
        portal.start();
        portal.found(account("1", &["New"], None));
        assert_eq!(portal.of("1").map(|r| r[0].raw()), Some("New"), "merged as it arrives");
        assert_eq!(portal.reached(), 3);
        portal.found(account("4", &[], None));
        assert_eq!(portal.reached(), 3, "an account with no role reaches nothing");
        assert_eq!(portal.of("2").map(|r| r[0].raw()), Some("Gone"), "the rest stays until the end");
        portal.found(account("3", &[], Some("InternalServerException")));
        portal.done(Ok(()));
        assert_eq!(portal.of("2"), None, "not listed any more");
        assert_eq!(portal.reached(), 2, "the count follows: 1 and 3");
        assert_eq!(portal.of("3").map(|r| r[0].raw()), Some("Kept"), "a failed account keeps what was known");
        assert!(portal.errors.contains_key("3"));
        portal.start();
        portal.done(Err("not signed in".into()));
        assert_eq!(portal.of("1").map(|r| r[0].raw()), Some("New"), "a failed read keeps the screen");
        assert_eq!(portal.error.as_deref(), Some("not signed in"));
    }
}
