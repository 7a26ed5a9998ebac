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
use crate::model::identity::{IdentityCenter, PolicyDocument, SetPolicies};

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
    // The plainest change to name: a Write, else a Permissions management, else a Tagging one.
    let first =
        |access: super::actions::Access| reach.any.iter().find(|i| table.actions[*i].access == access && change(i));
    let plainest = first(super::actions::Access::Write)
        .or_else(|| first(super::actions::Access::PermissionsManagement))
        .or_else(|| reach.any.iter().find(change));
    if let Some(i) = plainest {
        return said(Level::Write, format!("allows {}", table.actions[i].name));
    }
    let count = reach.any.iter().count();
    said(Level::Read, format!("allows only List and Read actions ({count})"))
}

/// `unknown`, with why.
pub fn unreadable(why: impl Into<String>) -> Classified {
    Classified { level: Level::Unknown, why: why.into() }
}

/// The level of a permission set made of `policies`, from the `documents` held (AWS-managed by
/// ARN; a customer-managed name read in any account of `partition`).
pub fn of_set(policies: &SetPolicies, documents: &[PolicyDocument], partition: &str) -> Classified {
    let find = |arn: &str| documents.iter().find(|d| d.arn == arn).map(|d| d.document.raw().to_string());
    // A customer-managed name is read in some account: any document of that name will do.
    let find_customer = |name: &str| {
        documents
            .iter()
            .find(|d| {
                d.arn.raw().starts_with(&format!("arn:{partition}:iam::"))
                    && d.arn.raw().ends_with(&format!(":policy{name}"))
            })
            .map(|d| d.document.raw().to_string())
    };
    let mut texts: Vec<(String, Option<String>)> = Vec::new();
    for arn in &policies.managed {
        texts.push((arn.raw().to_string(), find(arn.raw())));
    }
    for name in &policies.customer_managed {
        texts.push((name.raw().to_string(), find_customer(name.raw())));
    }
    let boundary_text = policies.boundary.as_ref().map(|b| {
        let text = if b.raw().starts_with("arn:") { find(b.raw()) } else { find_customer(b.raw()) };
        (b.raw().to_string(), text)
    });
    let mut parsed = Vec::new();
    let parse = |name: &str, text: Option<String>| -> Result<Policy, String> {
        let text = text.ok_or_else(|| format!("the policy {name} could not be read"))?;
        Policy::parse(&text).map_err(|err| format!("{name}: {err}"))
    };
    for (name, text) in texts {
        match parse(&name, text) {
            Ok(policy) => parsed.push(policy),
            Err(why) => return unreadable(why),
        }
    }
    if let Some(inline) = &policies.inline {
        match Policy::parse(inline.raw()) {
            Ok(policy) => parsed.push(policy),
            Err(err) => return unreadable(format!("the inline policy: {err}")),
        }
    }
    let boundary = match boundary_text {
        Some((name, text)) => match parse(&name, text) {
            Ok(policy) => Some(policy),
            Err(why) => return unreadable(why),
        },
        None => None,
    };
    let mut classified = classify(&parsed.iter().collect::<Vec<_>>(), boundary.as_ref());
    if let Some(why) = &policies.boundary_unread {
        classified.why = format!("{} (at most: its boundary could not be read, {why})", classified.why);
    }
    classified
}

/// Decides the level of every set of `map` that has its policies and no level yet (a saved run or
/// the demo carries policies and documents; the level is this build's).
pub fn decide(map: &mut IdentityCenter) {
    let documents = std::mem::take(&mut map.documents);
    for set in map.permission_sets.iter_mut().filter(|p| p.level.is_none()) {
        if let Some(policies) = &set.policies {
            let classified = of_set(policies, &documents, crate::export::console::partition_of(set.arn.raw()));
            set.level = Some(classified.level);
            set.level_why = Some(classified.why.into());
        }
    }
    map.documents = documents;
}
