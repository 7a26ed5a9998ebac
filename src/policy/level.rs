//! A permission set's level from its policies, as AWS would let them act (README, "How levels are
//! decided"):
//! - an action counts when an `Allow` names it (`Action` or `NotAction`, wildcards expanded
//!   against the Service Authorization Reference's actions, [`super::actions`]) and no
//!   unconditional `Deny` on every resource takes it away; a permissions boundary must allow it too.
//!   An allow's conditions narrow *when*, not *what*: it still counts. One exception, AWS's own:
//!   `s3express:CreateSession` held to `s3express:SessionMode` `ReadOnly` creates a session that
//!   only reads, and counts as a read.
//! - `admin`: every action on every resource (`"Resource": "*"`).
//! - `privileged`: a change (not List or Read) to IAM, Identity Center (`sso`, `sso-directory`),
//!   the Identity Store or Organizations, role trust included, or `iam:PassRole` on every role.
//! - `write`: any other change (Write, Permissions management, Tagging).
//! - `read`: List and Read actions only (and the few AWS's own read-only policies grant that the
//!   reference files elsewhere, the table's `!` line).
//!
//! An action the reference does not know is not counted: it is retired (AWS's ReadOnlyAccess still
//! names `deepcomposer:GetComposition`) or newer than the data, which `scripts/iam-levels.js`
//! regenerates. Wildcards reach the actions the reference knows.

use super::actions::{Actions, Table};
use super::document::{Policy, Statement};
use crate::model::Level;

/// The level and why, in a clause ("allows iam:CreateRole").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Classified {
    pub level: Level,
    pub why: String,
}

/// Services whose changes are privileged: who may do what, and who is who.
const GUARDING: [&str; 5] = ["iam", "sso", "sso-directory", "identitystore", "organizations"];

/// What a set of policies allows: on some resource, and on every resource.
struct Reach {
    any: Actions,
    every: Actions,
}

fn covers_everything(resources: &Option<Vec<String>>, not_resource: bool) -> bool {
    match resources {
        None => true,
        Some(list) if not_resource => list.is_empty(),
        Some(list) => list.iter().any(|r| r.chars().all(|c| c == '*')),
    }
}

/// An allow held to `s3express:SessionMode` `ReadOnly`: the session it creates can only read.
fn read_only_session(s: &Statement) -> bool {
    s.conditions.iter().any(|c| {
        matches!(c.operator.as_str(), "StringEquals" | "StringLike")
            && c.key.eq_ignore_ascii_case("s3express:SessionMode")
            && !c.values.is_empty()
            && c.values.iter().all(|v| v == "ReadOnly")
    })
}

fn statement_actions(table: &Table, s: &Statement) -> Actions {
    let mut set = Actions::none(table);
    for pattern in &s.actions {
        set.union(&table.matching(pattern));
    }
    if s.not_action {
        set.complement(table);
    }
    set
}

fn reach(table: &Table, policies: &[&Policy]) -> Reach {
    let mut reach = Reach { any: Actions::none(table), every: Actions::none(table) };
    let mut denied = Actions::none(table);
    for s in policies.iter().flat_map(|p| &p.statements) {
        let mut actions = statement_actions(table, s);
        if s.allow && read_only_session(s) {
            // AWS's read-only S3 Express session (ReadOnlyAccess grants it this way): it reads.
            if let Some(i) = table.find("s3express:CreateSession") {
                let mut session = Actions::none(table);
                session.insert(i);
                actions.remove_all(&session);
            }
        }
        if s.allow {
            reach.any.union(&actions);
            if covers_everything(&s.resources, s.not_resource) {
                reach.every.union(&actions);
            }
        } else if s.conditions.is_empty() && covers_everything(&s.resources, s.not_resource) {
            denied.union(&actions);
        }
    }
    reach.any.remove_all(&denied);
    reach.every.remove_all(&denied);
    reach
}

/// The level of a permission set whose policies are `identity` (managed, customer-managed,
/// inline), under `boundary` when it has one.
pub fn classify(identity: &[&Policy], boundary: Option<&Policy>) -> Classified {
    let table = Table::get();
    let mut reach = reach(table, identity);
    if let Some(boundary) = boundary {
        let limit = self::reach(table, &[boundary]);
        reach.any.intersect(&limit.any);
        reach.every.intersect(&limit.every);
    }
    let said = |level: Level, why: String| Classified { level, why };
    if reach.every == Actions::all(table) {
        return said(Level::Admin, "allows every action on every resource".into());
    }
    let pass_role = table.find("iam:PassRole");
    if let Some(i) = pass_role.filter(|&i| reach.every.contains(i)) {
        return said(Level::Privileged, format!("allows {} on every role", table.actions[i].name));
    }
    let change = |i: &usize| !table.reads(*i);
    if let Some(i) =
        reach.any.iter().filter(change).find(|&i| Some(i) != pass_role && GUARDING.contains(&table.prefix_of(i)))
    {
        return said(Level::Privileged, format!("allows {}", table.actions[i].name));
    }
    if let Some(i) = reach.any.iter().find(change) {
        return said(Level::Write, format!("allows {}", table.actions[i].name));
    }
    let count = reach.any.iter().count();
    said(Level::Read, format!("allows only List and Read actions ({count})"))
}

/// `unknown`, with why.
pub fn unreadable(why: impl Into<String>) -> Classified {
    Classified { level: Level::Unknown, why: why.into() }
}
