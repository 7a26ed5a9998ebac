//! What changed between two runs: accounts and OUs added, removed, renamed or moved, account status
//! and access changes, and assignment failures new since the older run. Pure: two snapshots in, a
//! sorted list of changes out (`orgscope diff`, and the TUI's marks against the previous run).

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::model::{Node, Org, ProbeOutcome, Snapshot, Text};

/// The contract's change kinds. The Identity Center ones (`assignment_*`, `permission_set_stale`)
/// need snapshots that hold the access map, which snapshots do not carry yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    AccountAdded,
    AccountRemoved,
    AccountRenamed,
    AccountMoved,
    AccountStatus,
    AccessChanged,
    OuAdded,
    OuRemoved,
    OuRenamed,
    OuMoved,
    AssignmentAdded,
    AssignmentRemoved,
    PermissionSetStale,
    PermissionSetLevel,
    FailureNew,
}

impl ChangeKind {
    pub fn code(self) -> &'static str {
        match self {
            ChangeKind::AccountAdded => "account_added",
            ChangeKind::AccountRemoved => "account_removed",
            ChangeKind::AccountRenamed => "account_renamed",
            ChangeKind::AccountMoved => "account_moved",
            ChangeKind::AccountStatus => "account_status",
            ChangeKind::AccessChanged => "access_changed",
            ChangeKind::OuAdded => "ou_added",
            ChangeKind::OuRemoved => "ou_removed",
            ChangeKind::OuRenamed => "ou_renamed",
            ChangeKind::OuMoved => "ou_moved",
            ChangeKind::AssignmentAdded => "assignment_added",
            ChangeKind::AssignmentRemoved => "assignment_removed",
            ChangeKind::PermissionSetStale => "permission_set_stale",
            ChangeKind::PermissionSetLevel => "permission_set_level",
            ChangeKind::FailureNew => "failure_new",
        }
    }
}

/// One change, as `orgscope diff --format json` prints it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    pub kind: ChangeKind,
    pub id: String,
    pub name: Text,
    /// The old value: an OU id for moves, a name for renames, a status or access status.
    pub from: Option<Text>,
    pub to: Option<Text>,
    pub detail: Option<Text>,
}

/// One side of a diff, for the JSON's `old` and `new`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Side {
    pub taken_at: DateTime<Utc>,
    pub organization_id: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diff {
    pub old: Side,
    pub new: Side,
    pub changes: Vec<Change>,
}

#[derive(Debug, thiserror::Error, PartialEq)]
#[error("the two runs are of different organizations ({old} and {new}): diff compares one organization over time")]
pub struct DifferentOrganizations {
    pub old: String,
    pub new: String,
}

/// A root, OU or account as a diff sees it.
struct Entry<'a> {
    name: &'a Text,
    parent: Option<&'a str>,
    /// Names from the root down to the parent.
    path: Vec<&'a Text>,
    status: Option<&'a str>,
    account: bool,
}

fn entries(org: &Org) -> HashMap<&str, Entry<'_>> {
    let mut out = HashMap::new();
    org.walk(|path, node| {
        let (id, name, status, account) = match node {
            Node::Ou(ou) => (ou.id.as_str(), &ou.name, None, false),
            Node::Account(a) => (a.id.as_str(), &a.name, a.status.as_deref(), true),
        };
        let parent = path.last().map(|p| p.id);
        out.insert(id, Entry { name, parent, path: path.iter().map(|p| p.name).collect(), status, account });
    });
    out
}

/// "blocked (access_denied)", "reachable".
fn access(outcome: &ProbeOutcome) -> String {
    match outcome.reason {
        Some(reason) => format!("{} ({reason})", outcome.status.code()),
        None => outcome.status.code().to_string(),
    }
}

fn text(value: impl Into<String>) -> Option<Text> {
    Some(Text::new(value.into()))
}

/// The changes from `old` to `new`, ordered by kind, then name, then id.
pub fn diff(old: &Snapshot, new: &Snapshot) -> Result<Diff, DifferentOrganizations> {
    let (old_id, new_id) = (&old.org.organization.id, &new.org.organization.id);
    if old_id != new_id {
        return Err(DifferentOrganizations { old: old_id.clone(), new: new_id.clone() });
    }
    let (before, after) = (entries(&old.org), entries(&new.org));
    let mut changes = Vec::new();
    let join = |path: &[&Text]| crate::text::join(path.iter().copied(), " / ");
    for (id, now) in &after {
        let Some(was) = before.get(id) else {
            let kind = if now.account { ChangeKind::AccountAdded } else { ChangeKind::OuAdded };
            let detail = format!("in {}", join(&now.path));
            changes.push(Change {
                kind,
                id: id.to_string(),
                name: now.name.clone(),
                from: None,
                to: None,
                detail: text(detail),
            });
            continue;
        };
        let kinds = if now.account {
            (ChangeKind::AccountRenamed, ChangeKind::AccountMoved)
        } else {
            (ChangeKind::OuRenamed, ChangeKind::OuMoved)
        };
        if was.name != now.name {
            changes.push(Change {
                kind: kinds.0,
                id: id.to_string(),
                name: now.name.clone(),
                from: Some(was.name.clone()),
                to: Some(now.name.clone()),
                detail: None,
            });
        }
        if was.parent != now.parent {
            let detail = format!("{} → {}", join(&was.path), join(&now.path));
            changes.push(Change {
                kind: kinds.1,
                id: id.to_string(),
                name: now.name.clone(),
                from: was.parent.and_then(text),
                to: now.parent.and_then(text),
                detail: text(detail),
            });
        }
        if was.status != now.status {
            changes.push(Change {
                kind: ChangeKind::AccountStatus,
                id: id.to_string(),
                name: now.name.clone(),
                from: was.status.and_then(text),
                to: now.status.and_then(text),
                detail: None,
            });
        }
        if let (Some(was_access), Some(now_access)) = (old.access.get(*id), new.access.get(*id))
            && (was_access.status, was_access.reason) != (now_access.status, now_access.reason)
        {
            changes.push(Change {
                kind: ChangeKind::AccessChanged,
                id: id.to_string(),
                name: now.name.clone(),
                from: text(was_access.status.code()),
                to: text(now_access.status.code()),
                detail: text(format!("{} → {}", access(was_access), access(now_access))),
            });
        }
    }
    for (id, was) in &before {
        if !after.contains_key(id) {
            let kind = if was.account { ChangeKind::AccountRemoved } else { ChangeKind::OuRemoved };
            let detail = format!("was in {}", join(&was.path));
            changes.push(Change {
                kind,
                id: id.to_string(),
                name: was.name.clone(),
                from: None,
                to: None,
                detail: text(detail),
            });
        }
    }
    changes.extend(new_failures(old, new));
    changes.extend(level_changes(old, new));
    changes.sort_by(|a, b| (a.kind.code(), a.name.raw(), &a.id).cmp(&(b.kind.code(), b.name.raw(), &b.id)));
    let side = |s: &Snapshot| Side { taken_at: s.saved_at, organization_id: s.org.organization.id.clone() };
    Ok(Diff { old: side(old), new: side(new), changes })
}

/// Assignment failures in `new` that `old` did not have (by request id, else event id).
fn new_failures(old: &Snapshot, new: &Snapshot) -> Vec<Change> {
    let key = |a: &crate::model::AssignmentAttempt| a.key().cloned().unwrap_or_default();
    let seen: HashSet<Text> = old.assignments.iter().map(key).collect();
    new.assignments
        .iter()
        .filter(|a| a.status.is_failure() && !seen.contains(&key(a)))
        .map(|a| Change {
            kind: ChangeKind::FailureNew,
            id: key(a).into_raw(),
            name: a.account_name.clone().or_else(|| a.account_id.clone()).unwrap_or_default(),
            from: None,
            to: text(a.status.code()),
            detail: a.failure_reason.clone(),
        })
        .collect()
}

/// Permission sets whose level changed (rose, or fell), each run's levels decided by this build
/// from the policies it holds.
fn level_changes(old: &Snapshot, new: &Snapshot) -> Vec<Change> {
    use crate::model::Level;
    use crate::model::identity::IdentityCenter;
    let (Some(before), Some(after)) = (&old.identity_center, &new.identity_center) else { return Vec::new() };
    let levels = |map: &IdentityCenter| -> HashMap<String, (Text, Level)> {
        let mut map = map.clone();
        for set in map.permission_sets.iter_mut().filter(|p| p.policies.is_some()) {
            set.level = None;
        }
        crate::policy::level::decide(&mut map);
        map.permission_sets
            .into_iter()
            .filter_map(|p| Some((p.arn.raw().to_string(), (p.name.unwrap_or_else(|| p.arn.clone()), p.level?))))
            .collect()
    };
    let was = levels(before);
    let mut changes = Vec::new();
    for (arn, (name, now)) in levels(after) {
        let Some((_, then)) = was.get(&arn) else { continue };
        if *then == now {
            continue;
        }
        let rose = *then != Level::Unknown && now != Level::Unknown && now > *then;
        changes.push(Change {
            kind: ChangeKind::PermissionSetLevel,
            id: arn,
            name,
            from: text(then.code()),
            to: text(now.code()),
            detail: text(if rose { "its reach rose" } else { "its level changed" }),
        });
    }
    changes
}

/// The changes by the id of what changed, for the TUI's marks and detail pane.
pub fn by_id(changes: Vec<Change>) -> BTreeMap<String, Vec<Change>> {
    let mut out: BTreeMap<String, Vec<Change>> = BTreeMap::new();
    for change in changes {
        out.entry(change.id.clone()).or_default().push(change);
    }
    out
}

/// `orgscope diff`'s text: one line per change, names in their visible form.
pub fn render_text(diff: &Diff) -> String {
    use std::fmt::Write as _;
    let mut out = format!(
        "{} changes in {} from {} to {}\n",
        diff.changes.len(),
        diff.new.organization_id,
        diff.old.taken_at.format("%Y-%m-%d %H:%M UTC"),
        diff.new.taken_at.format("%Y-%m-%d %H:%M UTC")
    );
    for change in &diff.changes {
        let _ = write!(out, "{:<20} {}  {}", change.kind.code(), change.name, change.id);
        match (&change.from, &change.to) {
            (Some(from), Some(to)) => {
                let _ = write!(out, "  {from} → {to}");
            }
            (None, Some(to)) => {
                let _ = write!(out, "  → {to}");
            }
            (Some(from), None) => {
                let _ = write!(out, "  {from} →");
            }
            (None, None) => {}
        }
        if let Some(detail) = &change.detail {
            let _ = write!(out, "  ({detail})");
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Account, AssignmentStatus, ProbeStatus, Reason};

    fn account(id: &str, name: &str) -> Node {
        Node::Account(Account::fixture(id, name))
    }

    fn ou(id: &str, name: &str, children: Vec<Node>) -> Node {
        Node::ou_fixture(id, name, children)
    }

    fn snapshot(org_id: &str, children: Vec<Node>, access: &[(&str, ProbeStatus, Option<Reason>)]) -> Snapshot {
        let mut org = Org::fixture(children);
        org.organization.id = org_id.into();
        let access = access
            .iter()
            .map(|(id, status, reason)| {
                let outcome = ProbeOutcome {
                    status: *status,
                    reason: *reason,
                    role_arn: None,
                    message: None,
                    hint: None,
                    ..ProbeOutcome::default()
                };
                (id.to_string(), outcome)
            })
            .collect();
        Snapshot::new(org, access, Vec::new(), None)
    }

    fn kinds(diff: &Diff) -> Vec<(&'static str, String)> {
        diff.changes.iter().map(|c| (c.kind.code(), c.id.clone())).collect()
    }

    #[test]
    fn every_structural_and_access_change_is_found_and_sorted() {
        use ProbeStatus::{Blocked, Reachable};
        let old = snapshot(
            "o-1",
            vec![
                ou("ou-a", "Apps", vec![account("11", "web"), account("12", "api")]),
                ou("ou-b", "Old name", vec![ou("ou-c", "Team", vec![])]),
                ou("ou-gone", "Gone", vec![]),
                account("13", "legacy"),
                account("14", "shared"),
            ],
            &[("11", Reachable, None), ("14", Blocked, Some(Reason::AccessDenied))],
        );
        let mut suspended = Account::fixture("14", "shared");
        suspended.status = Some("SUSPENDED".into());
        let new = snapshot(
            "o-1",
            vec![
                ou("ou-a", "Apps", vec![account("12", "api-v2")]),
                ou("ou-b", "New name", vec![account("11", "web")]),
                ou("ou-new", "Fresh", vec![ou("ou-c", "Team", vec![]), account("15", "newcomer")]),
                Node::Account(suspended),
            ],
            &[("11", Blocked, Some(Reason::ExplicitDeny)), ("14", Blocked, Some(Reason::ExplicitDeny))],
        );
        let diff = diff(&old, &new).expect("one organization");
        assert_eq!(
            kinds(&diff),
            vec![
                ("access_changed", "14".to_string()),
                ("access_changed", "11".to_string()),
                ("account_added", "15".to_string()),
                ("account_moved", "11".to_string()),
                ("account_removed", "13".to_string()),
                ("account_renamed", "12".to_string()),
                ("account_status", "14".to_string()),
                ("ou_added", "ou-new".to_string()),
                ("ou_moved", "ou-c".to_string()),
                ("ou_removed", "ou-gone".to_string()),
                ("ou_renamed", "ou-b".to_string()),
            ],
            "ordered by kind, then name"
        );
        let moved = diff.changes.iter().find(|c| c.kind == ChangeKind::AccountMoved).expect("moved");
        assert_eq!(
            (moved.from.as_ref().map(Text::raw), moved.to.as_ref().map(Text::raw)),
            (Some("ou-a"), Some("ou-b"))
        );
        assert_eq!(moved.detail.as_ref().map(Text::raw), Some("Root / Apps → Root / New name"));
        let access = diff.changes.iter().find(|c| c.id == "11" && c.kind == ChangeKind::AccessChanged).expect("access");
        assert_eq!(access.detail.as_ref().map(Text::raw), Some("reachable → blocked (explicit_deny)"));
        let renamed = diff.changes.iter().find(|c| c.kind == ChangeKind::OuRenamed).expect("renamed");
        assert_eq!(
            (renamed.from.as_ref().map(Text::raw), renamed.to.as_ref().map(Text::raw)),
            (Some("Old name"), Some("New name"))
        );
    }

    #[test]
    fn a_move_and_a_rename_of_one_account_are_two_changes() {
        let old = snapshot("o-1", vec![ou("ou-a", "A", vec![account("11", "web")]), ou("ou-b", "B", vec![])], &[]);
        let new = snapshot("o-1", vec![ou("ou-a", "A", vec![]), ou("ou-b", "B", vec![account("11", "www")])], &[]);
        assert_eq!(
            kinds(&diff(&old, &new).expect("diff")),
            vec![("account_moved", "11".into()), ("account_renamed", "11".into())]
        );
        assert!(diff(&old, &old).expect("diff").changes.is_empty(), "nothing changed");
    }

    #[test]
    fn two_organizations_are_refused_and_new_failures_are_found() {
        let old = snapshot("o-1", vec![], &[]);
        assert!(diff(&old, &snapshot("o-2", vec![], &[])).is_err());
        let mut new = old.clone();
        let mut failed = crate::source::event::parse("ev-1", None, "{}", crate::model::Operation::Create);
        failed.status = AssignmentStatus::Failed;
        failed.request_id = Some("req-1".into());
        failed.failure_reason = Some("Received a 402 status error".into());
        new.assignments.push(failed.clone());
        let changes = diff(&old, &new).expect("diff").changes;
        assert_eq!(
            changes.iter().map(|c| (c.kind, c.id.as_str())).collect::<Vec<_>>(),
            vec![(ChangeKind::FailureNew, "req-1")]
        );
        let mut older = old.clone();
        older.assignments.push(failed);
        assert!(diff(&older, &new).expect("diff").changes.is_empty(), "a failure both runs saw is not new");
    }
}
