//! `orgscope permission-sets [--format text|json|csv]`: one row per permission set — its level
//! and why, its policies, in how many accounts it is assigned, provisioned out of date and unused
//! for 90 days, and how many users and groups hold it.

use std::collections::BTreeSet;
use std::sync::Arc;

use serde::Serialize;

use super::args::AccessFormat;
use super::context::Context;
use super::failure::Failure;
use crate::model::identity::{IdentityCenter, UNUSED_DAYS};
use crate::model::{Level, Text};
use crate::probe::ProbeTarget;

/// The contract's `permission-sets` row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PermissionSetRow {
    pub arn: Text,
    pub name: Text,
    pub level: Level,
    pub managed_policies: Vec<Text>,
    pub customer_managed_policies: Vec<Text>,
    pub inline: bool,
    pub boundary: Option<Text>,
    pub session_duration: Option<Text>,
    /// Accounts it is assigned in.
    pub accounts: usize,
    /// Users and groups it is assigned to.
    pub holders: usize,
    /// Accounts where it is provisioned but not at its latest version.
    pub stale_accounts: usize,
    /// Beyond the contract's keys, after them: why its level (the action that decided it, or
    /// what could not be read).
    pub level_why: Text,
    /// Accounts where its role was not used in 90 days, or never (of those whose roles were read).
    pub unused_accounts: usize,
}

pub async fn run(cx: &Context, format: AccessFormat) -> Result<u8, Failure> {
    let source = cx.source().await?;
    let org = source.discover(Arc::new(|_| {})).await?;
    let targets = ProbeTarget::all(&org);
    let map = super::access::read_map(cx, &source, &org, &targets, None).await?;
    let rows = rows(&map, chrono::Utc::now());
    let text = match format {
        AccessFormat::Json => serde_json::to_string_pretty(&rows).map_err(Failure::runtime)? + "\n",
        AccessFormat::Csv => render_csv(&rows).map_err(Failure::runtime)?,
        AccessFormat::Text => render_text(&rows),
    };
    super::print(&text)
}

/// One row per permission set, most reach first, then by name.
pub fn rows(map: &IdentityCenter, now: chrono::DateTime<chrono::Utc>) -> Vec<PermissionSetRow> {
    let since = now - chrono::TimeDelta::days(UNUSED_DAYS);
    let mut rows: Vec<PermissionSetRow> = map
        .permission_sets
        .iter()
        .map(|set| {
            let arn = set.arn.raw();
            let assigned = map.assignments.iter().filter(|a| a.permission_set_arn == arn);
            let accounts: BTreeSet<&str> = assigned.clone().map(|a| a.account_id.raw()).collect();
            let holders: BTreeSet<&str> = assigned.map(|a| a.principal_id.raw()).collect();
            let stale = map.provisioned.iter().filter(|p| p.permission_set_arn == arn && !p.current).count();
            let unused = map.usage.iter().filter(|u| u.permission_set_arn == arn && u.unused_since(since)).count();
            let policies = set.policies.clone().unwrap_or_default();
            PermissionSetRow {
                arn: set.arn.clone(),
                name: set.name.clone().unwrap_or_else(|| set.arn.clone()),
                level: set.level.unwrap_or(Level::Unknown),
                managed_policies: policies.managed,
                customer_managed_policies: policies.customer_managed,
                inline: policies.inline.is_some(),
                boundary: policies.boundary,
                session_duration: policies.session_duration,
                accounts: accounts.len(),
                holders: holders.len(),
                stale_accounts: stale,
                level_why: set.level_why.clone().unwrap_or_else(|| Text::from("its policies were not read")),
                unused_accounts: unused,
            }
        })
        .collect();
    let rank = |l: Level| Level::ALL.iter().position(|x| *x == l).unwrap_or(usize::MAX);
    rows.sort_by_key(|r| (rank(r.level), r.name.raw().to_lowercase()));
    rows
}

pub const CSV_COLUMNS: [&str; 13] = [
    "arn",
    "name",
    "level",
    "managed_policies",
    "customer_managed_policies",
    "inline",
    "boundary",
    "session_duration",
    "accounts",
    "holders",
    "stale_accounts",
    "level_why",
    "unused_accounts",
];

fn render_csv(rows: &[PermissionSetRow]) -> Result<String, csv::Error> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(CSV_COLUMNS)?;
    let joined = |items: &[Text]| items.iter().map(Text::raw).collect::<Vec<_>>().join(" ");
    for r in rows {
        let cells = [
            r.arn.raw().to_string(),
            r.name.raw().to_string(),
            r.level.code().to_string(),
            joined(&r.managed_policies),
            joined(&r.customer_managed_policies),
            r.inline.to_string(),
            r.boundary.as_ref().map(|b| b.raw().to_string()).unwrap_or_default(),
            r.session_duration.as_ref().map(|d| d.raw().to_string()).unwrap_or_default(),
            r.accounts.to_string(),
            r.holders.to_string(),
            r.stale_accounts.to_string(),
            r.level_why.raw().to_string(),
            r.unused_accounts.to_string(),
        ];
        writer.write_record(cells.iter().map(|c| crate::text::csv_cell(c).into_owned()))?;
    }
    let bytes = writer.into_inner().map_err(|err| csv::Error::from(err.into_error()))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// `AdminAccess  admin  allows every action on every resource` and what it is made of.
fn render_text(rows: &[PermissionSetRow]) -> String {
    let mut out = String::new();
    for r in rows {
        out.push_str(&format!("{}  [{}]  {}\n", r.name, r.level, r.level_why));
        let mut made_of: Vec<String> = r.managed_policies.iter().map(|p| p.to_string()).collect();
        made_of.extend(r.customer_managed_policies.iter().map(|p| format!("customer-managed {p}")));
        if r.inline {
            made_of.push("an inline policy".into());
        }
        if let Some(boundary) = &r.boundary {
            made_of.push(format!("boundary {boundary}"));
        }
        if !made_of.is_empty() {
            out.push_str(&format!("    {}\n", made_of.join(", ")));
        }
        out.push_str(&format!(
            "    {} accounts, {} holders, {} provisioned out of date, {} unused for {UNUSED_DAYS} days\n",
            r.accounts, r.holders, r.stale_accounts, r.unused_accounts
        ));
    }
    if rows.is_empty() {
        out.push_str("no permission sets\n");
    }
    out
}
