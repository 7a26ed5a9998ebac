//! `orgscope fix ACCOUNT… [--dry-run] [--yes] [--format text|json]`: a blocked account made
//! reachable through a foothold in it (a role of your Identity Center sign-in there). The probe
//! names the cause; a missing role is created (trusting your account, with AdministratorAccess,
//! as AWS creates `OrganizationAccountAccessRole`), a trust policy for someone else gains a
//! statement for your account; nothing else is ever written (an external ID, MFA or another
//! condition, a control policy or your own policy: the row says what to change). The plan is shown
//! on stderr and asked on a terminal; without one and without `--yes`, nothing is read or
//! written (exit 2). Each fixed account is probed again.

use std::io::{IsTerminal, Write};
use std::sync::Arc;

use serde::Serialize;

use super::args::FixFormat;
use super::context::Context;
use super::failure::{Failure, exit};
use crate::model::{Cause, ProbeStatus, Text};
use crate::probe::fix::{self, Applied, Planned};
use crate::probe::{CallerContext, ProbeTarget, Prober};
use crate::remedy::repair::{self, Action, Repair};

/// One row of `fix --format json`.
#[derive(Debug, Clone, Serialize)]
pub struct FixRow {
    pub account_id: String,
    pub account_name: Text,
    pub cause: Option<Cause>,
    pub action: Action,
    /// `fixed`, `failed`, `skipped` or `planned`.
    pub result: &'static str,
    pub detail: Text,
    pub status_after: Option<ProbeStatus>,
}

/// How `fix` was asked to run.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    pub dry_run: bool,
    pub yes: bool,
    pub stackset: bool,
    pub format: FixFormat,
}

pub async fn run(cx: &Context, accounts: &[String], options: Options) -> Result<u8, Failure> {
    let Options { dry_run, yes, stackset, format } = options;
    let interactive = std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
    if !dry_run && !yes && !interactive {
        return Err(Failure::usage(
            "fix writes to AWS and needs a yes: run it on a terminal to be asked, add --yes, or see the plan with \
             --dry-run; nothing was read or written",
        ));
    }
    let source = cx.source().await?;
    let org = source.discover(Arc::new(|_| {})).await?;
    let all = ProbeTarget::all(&org);
    let targets =
        accounts.iter().map(|wanted| ProbeTarget::find(&all, wanted).cloned()).collect::<Result<Vec<_>, _>>()?;
    let caller = CallerContext::of(&org);
    let prober =
        Prober::new(Arc::clone(&source), cx.probe_settings(source.as_ref())).with_portal(cx.optional_portal().await);
    let probed = prober.probe_collect(targets, &caller).await;
    if stackset {
        let rows = super::fix_stackset::run(cx, &prober, &caller, &org, probed, options).await?;
        return finish(&rows, format, dry_run);
    }
    let mut planned = Vec::new();
    for (target, outcome) in probed {
        planned.push(fix::plan(&prober, &caller, target, outcome).await);
    }
    let writes = planned.iter().filter(|p| p.repair.action() != Action::None).count();
    let mut stderr = std::io::stderr();
    let _ = stderr.write_all(describe(&planned).as_bytes());
    let rows = if dry_run || writes == 0 {
        planned
            .iter()
            .map(|p| row(p, if p.repair.action() == Action::None { "skipped" } else { "planned" }, None))
            .collect()
    } else if !yes && !super::confirm(&format!("Make {writes} change(s) in AWS? [y/N] "))? {
        return Err(Failure::usage("not fixed; nothing was written"));
    } else {
        apply(&prober, &caller, planned).await
    };
    finish(&rows, format, dry_run)
}

/// The rows on stdout, and the exit code: 0 when every account named is reachable (or a dry run).
fn finish(rows: &[FixRow], format: FixFormat, dry_run: bool) -> Result<u8, Failure> {
    let text = match format {
        FixFormat::Json => serde_json::to_string_pretty(rows).map_err(Failure::runtime)? + "\n",
        FixFormat::Text => render_text(rows),
    };
    super::print(&text)?;
    let blocked = rows.iter().filter(|r| r.status_after.is_some_and(|s| s != ProbeStatus::Reachable)).count();
    let failed = rows.iter().filter(|r| r.result == "failed").count();
    if dry_run {
        return Ok(exit::OK);
    }
    match (failed, blocked) {
        (0, 0) => Ok(exit::OK),
        _ => Err(Failure::runtime(format!(
            "{} of {} accounts are not reachable yet: the rows above say why and what to change",
            failed.max(blocked),
            rows.len()
        ))),
    }
}

/// The plan, for a person, on stderr: every name in it untrusted text made visible.
fn describe(planned: &[Planned]) -> String {
    let mut out = String::new();
    for p in planned {
        let account = format!("{} ({})", p.target.account.name, p.target.account.id);
        let role = crate::text::visible(p.outcome.role_arn.as_deref().unwrap_or_default());
        match &p.repair {
            Repair::Create { trust } => out.push_str(&format!(
                "{account}: create {role} with this trust policy\n{}\n  and attach {}\n",
                indent(trust),
                repair::ACCESS_POLICY_ARN
            )),
            Repair::Update { before, after } => out.push_str(&format!(
                "{account}: replace the trust policy of {role}\n  before:\n{}\n  after:\n{}\n",
                indent(&crate::text::visible_lines(before)),
                indent(after)
            )),
            Repair::Refuse(why) => {
                out.push_str(&format!("{account}: nothing to write: {}\n", crate::text::visible(why)))
            }
        }
    }
    out
}

fn indent(text: &str) -> String {
    text.lines().map(|l| format!("    {l}")).collect::<Vec<_>>().join("\n")
}

/// Writes every repair and probes the account again.
async fn apply(prober: &Prober, caller: &CallerContext, planned: Vec<Planned>) -> Vec<FixRow> {
    let mut rows = Vec::new();
    for p in planned {
        if p.repair.action() != Action::None {
            let _ = writeln!(std::io::stderr(), "{}: writing, then probing it again…", p.target.account.name);
        }
        rows.push(match fix::apply(prober, caller, &p).await {
            Applied::Skipped => row(&p, "skipped", Some(p.outcome.status)),
            Applied::Failed(why) => FixRow { detail: Text::from(why), ..row(&p, "failed", Some(p.outcome.status)) },
            Applied::Written(after) => {
                let result = if after.status == ProbeStatus::Reachable { "fixed" } else { "failed" };
                row(&p, result, Some(after.status))
            }
        });
    }
    rows
}

pub(super) fn row(p: &Planned, result: &'static str, status_after: Option<ProbeStatus>) -> FixRow {
    let detail = match &p.repair {
        Repair::Create { .. } => format!("create the role with {} attached", repair::ACCESS_POLICY_ARN),
        Repair::Update { .. } => "add a statement for your account to the role's trust policy".to_string(),
        Repair::Refuse(why) => why.clone(),
    };
    FixRow {
        account_id: p.target.account.id.clone(),
        account_name: p.target.account.name.clone(),
        cause: p.outcome.cause,
        action: p.repair.action(),
        result,
        detail: Text::from(detail),
        status_after,
    }
}

pub fn render_text(rows: &[FixRow]) -> String {
    let mut out = String::new();
    for row in rows {
        let cause = row.cause.map(Cause::code).unwrap_or("—");
        let after = row.status_after.map(|s| format!(" → {}", s.code())).unwrap_or_default();
        out.push_str(&format!(
            "{:<8} {}  {}  {}  {cause}{after}\n",
            row.result,
            row.account_id,
            row.account_name,
            row.action.code()
        ));
        out.push_str(&format!("    {}\n", row.detail));
    }
    out
}
