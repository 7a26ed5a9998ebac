//! Identity Center as read for the access map: permission sets, where each is provisioned (and
//! whether at its latest version), the account assignments, and the Identity Store's users,
//! groups and memberships. [`IdentityCenter::rows`] turns it into the contract's `access` rows,
//! a user's effective access through groups included.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::{Deserialize, Serialize};

pub use super::meaning::{PolicyDocument, SetPolicies, UNUSED_DAYS, Usage};
use crate::model::Level;
use crate::text::Text;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PermissionSet {
    pub arn: Text,
    pub name: Option<Text>,
    /// Its policies, as read (None: not read, or not readable).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policies: Option<SetPolicies>,
    /// Its level and why (None: not decided; a row then says `unknown`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<Level>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level_why: Option<Text>,
}

impl PermissionSet {
    pub fn new(arn: impl Into<Text>, name: Option<Text>) -> PermissionSet {
        PermissionSet { arn: arn.into(), name, policies: None, level: None, level_why: None }
    }
}

/// Who an assignment is for: AWS knows these two and nothing else, so a snapshot holding
/// anything else is refused when it is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum PrincipalKind {
    #[serde(rename = "USER")]
    User,
    #[serde(rename = "GROUP")]
    Group,
}

impl PrincipalKind {
    /// `USER` or `GROUP`, as AWS writes it.
    pub fn code(self) -> &'static str {
        match self {
            PrincipalKind::User => "USER",
            PrincipalKind::Group => "GROUP",
        }
    }

    /// `user` or `group`, for a person.
    pub fn word(self) -> &'static str {
        match self {
            PrincipalKind::User => "user",
            PrincipalKind::Group => "group",
        }
    }

    /// AWS's `USER` or `GROUP`; None for anything else.
    pub fn parse(code: &str) -> Option<PrincipalKind> {
        match code {
            "USER" => Some(PrincipalKind::User),
            "GROUP" => Some(PrincipalKind::Group),
            _ => None,
        }
    }
}

impl std::fmt::Display for PrincipalKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

/// One account assignment as AWS holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assignment {
    pub account_id: Text,
    pub permission_set_arn: Text,
    pub principal_type: PrincipalKind,
    pub principal_id: Text,
}

/// A permission set provisioned to an account: `current` when at its latest version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Provisioned {
    pub account_id: Text,
    pub permission_set_arn: Text,
    pub current: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub id: Text,
    pub user_name: Option<Text>,
    pub display_name: Option<Text>,
    #[serde(default)]
    pub emails: Vec<Text>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group {
    pub id: Text,
    pub display_name: Option<Text>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Membership {
    pub group_id: Text,
    pub user_id: Text,
    /// The Identity Store's id of the membership: a `DeleteGroupMembership` names only this.
    #[serde(default)]
    pub membership_id: Option<Text>,
}

/// Everything the access map is made of, and what could not be read (shown, never fatal).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct IdentityCenter {
    pub permission_sets: Vec<PermissionSet>,
    pub provisioned: Vec<Provisioned>,
    pub assignments: Vec<Assignment>,
    pub users: Vec<User>,
    pub groups: Vec<Group>,
    pub memberships: Vec<Membership>,
    /// One sentence per listing that failed (an account's assignments, the Identity Store…).
    #[serde(default)]
    pub unavailable: Vec<Text>,
    /// When this was read from AWS (the start of the read): a refresh asks CloudTrail what
    /// changed since.
    #[serde(default)]
    pub read_at: Option<chrono::DateTime<chrono::Utc>>,
    /// True when every user and group was listed: an assignment whose principal is in neither
    /// list is then orphaned.
    #[serde(default)]
    pub store_listed: bool,
    /// AWS-managed policy documents, kept with the map so that each is read once per version.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub documents: Vec<PolicyDocument>,
    /// When each provisioned pair's role was last used.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub usage: Vec<Usage>,
    /// What this account cannot see, said once (a delegated administrator does not see the
    /// management account's assignments). Not a failure: the map is complete otherwise.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unseen: Vec<Text>,
}

/// The group that brings a user's access.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ViaGroup {
    pub id: Text,
    pub name: Text,
}

/// The contract's `access` row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccessRow {
    pub account_id: Text,
    pub account_name: Text,
    pub ou_path: Vec<Text>,
    pub permission_set_arn: Text,
    pub permission_set_name: Text,
    pub principal_type: PrincipalKind,
    pub principal_id: Text,
    pub principal_name: Text,
    pub via_group: Option<ViaGroup>,
    /// `current` or `stale`.
    pub provisioning: &'static str,
    pub level: Level,
    /// When the permission set's role in the account was last used (None: never, or unreadable).
    pub last_used: Option<chrono::DateTime<chrono::Utc>>,
    /// `iam` (read from the role) or `unreadable`.
    pub last_used_source: &'static str,
    /// The principal no longer exists in the Identity Store.
    pub orphaned: bool,
}

impl AccessRow {
    /// Not used since `since` (or never), as far as IAM says: a use that could not be read is not
    /// known to be unused.
    pub fn unused_since(&self, since: chrono::DateTime<chrono::Utc>) -> bool {
        self.last_used_source == "iam" && self.last_used.is_none_or(|used| used < since)
    }
}

/// Where an account is: its name and OU path (names from the root down), None outside the tree.
pub type Place<'a> = dyn Fn(&str) -> Option<(Text, Vec<Text>)> + 'a;

/// A user or a group, found by `--principal`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    User(User),
    Group(Group),
}

impl Principal {
    pub fn id(&self) -> &Text {
        match self {
            Principal::User(user) => &user.id,
            Principal::Group(group) => &group.id,
        }
    }

    /// `user jane` or `group Admins`, in the visible form.
    pub fn label(&self) -> String {
        match self {
            Principal::User(user) => format!("user {}", user.name()),
            Principal::Group(group) => format!("group {}", group.name()),
        }
    }

    /// Every name it is known by, for a search: a user's user name, display name and emails, a
    /// group's display name, and the id.
    pub fn names(&self) -> Vec<&Text> {
        match self {
            Principal::User(u) => {
                std::iter::once(&u.id).chain(&u.user_name).chain(&u.display_name).chain(&u.emails).collect()
            }
            Principal::Group(g) => std::iter::once(&g.id).chain(&g.display_name).collect(),
        }
    }
}

impl User {
    /// The contract's name for a user: `UserName`, else the id.
    pub fn name(&self) -> Text {
        self.user_name.clone().unwrap_or_else(|| self.id.clone())
    }
}

impl Group {
    /// The contract's name for a group: `DisplayName`, else the id.
    pub fn name(&self) -> Text {
        self.display_name.clone().unwrap_or_else(|| self.id.clone())
    }
}

impl IdentityCenter {
    /// One order for everything (listings finish in any order), each item once, so that two
    /// reads of the same Identity Center compare equal.
    pub fn normalize(&mut self) {
        fn by<T, K: Ord>(items: &mut Vec<T>, key: impl Fn(&T) -> K) {
            items.sort_by_key(|item| key(item));
            items.dedup_by(|a, b| key(a) == key(b));
        }
        by(&mut self.permission_sets, |p| p.arn.raw().to_string());
        by(&mut self.provisioned, |p| (p.account_id.raw().to_string(), p.permission_set_arn.raw().to_string()));
        by(&mut self.assignments, |a| {
            (a.account_id.raw().to_string(), a.permission_set_arn.raw().to_string(), a.principal_id.raw().to_string())
        });
        by(&mut self.users, |u| u.id.raw().to_string());
        by(&mut self.groups, |g| g.id.raw().to_string());
        by(&mut self.memberships, |m| (m.group_id.raw().to_string(), m.user_id.raw().to_string()));
        self.unavailable.sort();
        self.unavailable.dedup();
    }

    /// The user or group `wanted` names: an id, a user's user name, display name or email, a
    /// group's display name (case-insensitive). `Err` holds the closest names (visible form).
    pub fn find_principal(&self, wanted: &str) -> Result<Principal, Vec<String>> {
        let lower = wanted.to_lowercase();
        let same = |t: &Option<Text>| t.as_ref().is_some_and(|t| t.raw().to_lowercase() == lower);
        if let Some(user) = self.users.iter().find(|u| {
            u.id == wanted
                || same(&u.user_name)
                || same(&u.display_name)
                || u.emails.iter().any(|e| e.raw().to_lowercase() == lower)
        }) {
            return Ok(Principal::User(user.clone()));
        }
        if let Some(group) = self.groups.iter().find(|g| g.id == wanted || same(&g.display_name)) {
            return Ok(Principal::Group(group.clone()));
        }
        // Each principal is scored by the best of its names (a user's local part of an email too)
        // and shown by its contract name.
        let best = |names: Vec<&str>| names.into_iter().map(|n| crate::similar::score(wanted, n)).fold(0.0, f64::max);
        let users = self.users.iter().map(|u| {
            let mut names: Vec<&str> = vec![u.id.raw()];
            names.extend(u.user_name.iter().chain(u.display_name.iter()).chain(u.emails.iter()).map(Text::raw));
            names.extend(u.user_name.iter().filter_map(|n| n.raw().split('@').next()));
            (best(names), u.name())
        });
        let groups = self.groups.iter().map(|g| (best(g.display_name.iter().map(Text::raw).collect()), g.name()));
        Err(crate::similar::closest(users.chain(groups).collect()).iter().map(Text::to_string).collect())
    }

    /// The rows for `principal` (effective access for a user: own assignments and every group's,
    /// `via_group` naming the group), or every assignment as AWS holds it; `place` gives an
    /// account's name and OU path (None: not in the tree, the id stands for the name).
    pub fn rows(&self, principal: Option<&Principal>, place: &Place<'_>) -> Vec<AccessRow> {
        let set_names: HashMap<&str, Text> = self
            .permission_sets
            .iter()
            .map(|p| (p.arn.raw(), p.name.clone().unwrap_or_else(|| Text::from(tail(p.arn.raw())))))
            .collect();
        let stale: HashSet<(&str, &str)> = self
            .provisioned
            .iter()
            .filter(|p| !p.current)
            .map(|p| (p.account_id.raw(), p.permission_set_arn.raw()))
            .collect();
        let levels: HashMap<&str, Level> =
            self.permission_sets.iter().map(|p| (p.arn.raw(), p.level.unwrap_or(Level::Unknown))).collect();
        let usage: HashMap<(&str, &str), &Usage> =
            self.usage.iter().map(|u| ((u.account_id.raw(), u.permission_set_arn.raw()), u)).collect();
        let users: HashMap<&str, &User> = self.users.iter().map(|u| (u.id.raw(), u)).collect();
        let groups: HashMap<&str, &Group> = self.groups.iter().map(|g| (g.id.raw(), g)).collect();
        let principal_name = |kind: PrincipalKind, id: &Text| -> Text {
            let found = if kind == PrincipalKind::Group {
                groups.get(id.raw()).map(|g| g.name())
            } else {
                users.get(id.raw()).map(|u| u.name())
            };
            found.unwrap_or_else(|| id.clone())
        };
        // (assignment, the row's principal, via which group)
        let mut picked: Vec<(&Assignment, PrincipalKind, Text, Option<ViaGroup>)> = Vec::new();
        match principal {
            None => {
                for a in &self.assignments {
                    picked.push((a, a.principal_type, a.principal_id.clone(), None));
                }
            }
            Some(Principal::Group(group)) => {
                for a in self
                    .assignments
                    .iter()
                    .filter(|a| a.principal_type == PrincipalKind::Group && a.principal_id == group.id)
                {
                    picked.push((a, a.principal_type, a.principal_id.clone(), None));
                }
            }
            Some(Principal::User(user)) => {
                for a in self
                    .assignments
                    .iter()
                    .filter(|a| a.principal_type == PrincipalKind::User && a.principal_id == user.id)
                {
                    picked.push((a, PrincipalKind::User, user.id.clone(), None));
                }
                let member_of: BTreeMap<&str, ViaGroup> = self
                    .memberships
                    .iter()
                    .filter(|m| m.user_id == user.id)
                    .map(|m| {
                        let name = principal_name(PrincipalKind::Group, &m.group_id);
                        (m.group_id.raw(), ViaGroup { id: m.group_id.clone(), name })
                    })
                    .collect();
                for a in self.assignments.iter().filter(|a| a.principal_type == PrincipalKind::Group) {
                    if let Some(via) = member_of.get(a.principal_id.raw()) {
                        picked.push((a, PrincipalKind::User, user.id.clone(), Some(via.clone())));
                    }
                }
            }
        }
        let mut rows: Vec<AccessRow> = picked
            .into_iter()
            .map(|(a, kind, id, via_group)| {
                let (account_name, ou_path) =
                    place(a.account_id.raw()).unwrap_or_else(|| (a.account_id.clone(), Vec::new()));
                let pair = (a.account_id.raw(), a.permission_set_arn.raw());
                let stale = stale.contains(&pair);
                let used = usage.get(&pair).filter(|u| u.readable);
                let orphaned = self.store_listed
                    && match a.principal_type {
                        PrincipalKind::User => !users.contains_key(a.principal_id.raw()),
                        PrincipalKind::Group => !groups.contains_key(a.principal_id.raw()),
                    };
                AccessRow {
                    account_id: a.account_id.clone(),
                    account_name,
                    ou_path,
                    permission_set_arn: a.permission_set_arn.clone(),
                    permission_set_name: set_names
                        .get(a.permission_set_arn.raw())
                        .cloned()
                        .unwrap_or_else(|| Text::from(tail(a.permission_set_arn.raw()))),
                    principal_name: principal_name(kind, &id),
                    principal_type: kind,
                    principal_id: id,
                    via_group,
                    provisioning: if stale { "stale" } else { "current" },
                    level: levels.get(a.permission_set_arn.raw()).copied().unwrap_or(Level::Unknown),
                    last_used: used.and_then(|u| u.last_used),
                    last_used_source: if used.is_some() { "iam" } else { "unreadable" },
                    orphaned,
                }
            })
            .collect();
        let key = |r: &AccessRow| {
            (
                r.account_name.raw().to_lowercase(),
                r.permission_set_name.raw().to_lowercase(),
                r.principal_name.raw().to_lowercase(),
                r.via_group.as_ref().map(|v| v.name.raw().to_lowercase()),
            )
        };
        rows.sort_by_key(key);
        rows.dedup();
        rows
    }
}

/// The last part of an ARN (`ps-1` of `…/ps-1`).
fn tail(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap_or(arn)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map() -> IdentityCenter {
        let ps = |n: &str| PermissionSet::new(format!("arn:aws:sso:::permissionSet/i/{n}"), Some(n.into()));
        let assign = |account: &str, ps: &str, kind: &str, id: &str| Assignment {
            account_id: account.into(),
            permission_set_arn: format!("arn:aws:sso:::permissionSet/i/{ps}").into(),
            principal_type: PrincipalKind::parse(kind).expect("USER or GROUP"),
            principal_id: id.into(),
        };
        IdentityCenter {
            permission_sets: vec![ps("Admin"), ps("ReadOnly")],
            provisioned: vec![Provisioned {
                account_id: "2".into(),
                permission_set_arn: "arn:aws:sso:::permissionSet/i/ReadOnly".into(),
                current: false,
            }],
            assignments: vec![
                assign("1", "Admin", "USER", "u-1"),
                assign("1", "Admin", "GROUP", "g-1"),
                assign("2", "ReadOnly", "GROUP", "g-2"),
                assign("3", "ReadOnly", "GROUP", "g-3"),
            ],
            users: vec![User {
                id: "u-1".into(),
                user_name: Some("jane".into()),
                display_name: Some("Jane Doe".into()),
                emails: vec!["jane@example.com".into()],
            }],
            groups: vec![
                Group { id: "g-1".into(), display_name: Some("Admins".into()) },
                Group { id: "g-2".into(), display_name: Some("Readers".into()) },
                Group { id: "g-3".into(), display_name: None },
            ],
            memberships: vec![
                Membership { group_id: "g-1".into(), user_id: "u-1".into(), membership_id: None },
                Membership { group_id: "g-2".into(), user_id: "u-1".into(), membership_id: None },
            ],
            unavailable: Vec::new(),
            read_at: None,
            ..IdentityCenter::default()
        }
    }

    fn place(id: &str) -> Option<(Text, Vec<Text>)> {
        (id != "3").then(|| (format!("acct-{id}").into(), vec!["Root".into()]))
    }

    #[test]
    fn a_user_reaches_through_her_own_assignment_and_every_group() {
        let map = map();
        let jane = map.find_principal("JANE@example.com").expect("found by email");
        let rows = map.rows(Some(&jane), &place);
        let routes: Vec<(&str, &str, Option<&str>)> = rows
            .iter()
            .map(|r| (r.account_id.raw(), r.permission_set_name.raw(), r.via_group.as_ref().map(|v| v.name.raw())))
            .collect();
        assert_eq!(routes, [("1", "Admin", None), ("1", "Admin", Some("Admins")), ("2", "ReadOnly", Some("Readers"))]);
        assert!(rows.iter().all(|r| r.principal_name == "jane" && r.principal_type == PrincipalKind::User));
        assert_eq!(rows[2].provisioning, "stale");
        assert_eq!(rows[0].provisioning, "current");
    }

    #[test]
    fn without_a_principal_every_assignment_is_a_row_and_missing_names_are_ids() {
        let rows = map().rows(None, &place);
        assert_eq!(rows.len(), 4);
        assert!(rows.iter().all(|r| r.via_group.is_none()));
        let nameless = rows.iter().find(|r| r.principal_id == "g-3").expect("g-3's row");
        assert_eq!(nameless.principal_name, "g-3");
        assert_eq!(nameless.account_name, "3", "an account outside the tree is named by its id");
    }

    #[test]
    fn principals_are_found_by_every_name_and_unknown_ones_get_close_matches() {
        let map = map();
        for name in ["u-1", "jane", "Jane Doe"] {
            assert!(matches!(map.find_principal(name), Ok(Principal::User(_))), "{name}");
        }
        assert!(matches!(map.find_principal("admins"), Ok(Principal::Group(_))));
        assert_eq!(map.find_principal("Admns").err(), Some(vec!["Admins".to_string()]));
    }
}
