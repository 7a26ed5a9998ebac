//! `orgscope fix --stackset`: a role of its own for the accounts a new role cures — its role is
//! missing, trusts someone else, or cannot be read at all (no foothold needed: the StackSet
//! deploys from the management account) — installed by the service-managed StackSet
//! `orgscope-access-role` under a name AWS never creates (`OrgscopeAccessRole`, or the first
//! `--role` that is not `OrganizationAccountAccessRole`), so it deploys in created and invited
//! accounts alike and in accounts created later. An external ID, MFA or other condition, a control
//! policy and your own policies are not worked around: those rows say what to change.

use std::io::Write;
use std::sync::Arc;

use super::context::Context;
use super::failure::Failure;
use super::fix::{FixRow, Options};
use crate::model::{Cause, Org, ProbeOutcome, ProbeStatus, Text};
use crate::probe::{CallerContext, ProbeTarget, Prober};
use crate::remedy::repair::{self, Action};
use crate::source::Deployment;

/// Whether a role of its own cures `cause`.
fn cured(cause: Option<Cause>) -> bool {
    matches!(cause, Some(Cause::RoleMissing | Cause::TrustExcludesCaller | Cause::Unknown))
}

pub async fn run(
    cx: &Context,
    prober: &Prober,
    caller: &CallerContext,
    org: &Org,
    probed: Vec<(ProbeTarget, ProbeOutcome)>,
    options: Options,
) -> Result<Vec<FixRow>, Failure> {
    let role = cx
        .flags
        .roles
        .iter()
        .find(|r| r.as_str() != crate::remedy::DEFAULT_ROLE)
        .cloned()
        .unwrap_or_else(|| crate::remedy::STACKSET_ROLE.to_string());
    let management = org.organization.management_account_id.clone();
    // The rows come back in the order the accounts were named.
    let order: Vec<String> = probed.iter().map(|(t, _)| t.account.id.clone()).collect();
    let position = |row: &FixRow| order.iter().position(|id| *id == row.account_id).unwrap_or(usize::MAX);
    let region = prober.source.region().unwrap_or_else(|| crate::source::aws::FALLBACK_REGION.to_string());
    let (deploy, refused): (Vec<_>, Vec<_>) =
        probed.into_iter().partition(|(_, o)| o.status == ProbeStatus::Blocked && cured(o.cause));
    let mut rows: Vec<FixRow> = refused.iter().map(|(t, o)| refused_row(t, o)).collect();
    let mut plan = format!(
        "StackSet orgscope-access-role (service-managed, automatic deployment, {region}): install {role}, trusting \
         the management account {management}, with {}, in\n",
        repair::ACCESS_POLICY_ARN
    );
    for (target, outcome) in &deploy {
        let cause = outcome.cause.map(Cause::code).unwrap_or_default();
        plan.push_str(&format!("  {} ({}): {cause}\n", target.account.name, target.account.id));
    }
    for row in &rows {
        plan.push_str(&format!("{} ({}): nothing to write: {}\n", row.account_name, row.account_id, row.detail));
    }
    let _ = std::io::stderr().write_all(plan.as_bytes());
    let planned = |(target, outcome): &(ProbeTarget, ProbeOutcome), result, detail: String, after| FixRow {
        account_id: target.account.id.clone(),
        account_name: target.account.name.clone(),
        cause: outcome.cause,
        action: Action::StackInstance,
        result,
        detail: Text::from(detail),
        status_after: after,
    };
    let detail = format!("a stack instance of orgscope-access-role installs {role}");
    if options.dry_run || deploy.is_empty() {
        rows.extend(deploy.iter().map(|p| planned(p, "planned", detail.clone(), None)));
        rows.sort_by_key(position);
        return Ok(rows);
    }
    if !options.yes && !super::confirm(&format!("Deploy to {} account(s)? [y/N] ", deploy.len()))? {
        return Err(Failure::usage("not deployed; nothing was written"));
    }
    let deployment = Deployment {
        role: role.clone(),
        trusted_account: management,
        region,
        accounts: deploy
            .iter()
            .map(|(t, _)| (t.account.id.clone(), t.path.last().map(|(id, _)| id.clone()).unwrap_or_default()))
            .collect(),
    };
    let progress = |line: String| {
        let _ = writeln!(std::io::stderr(), "{}", crate::text::visible(&line));
    };
    let results = prober.source.deploy_access_role(&deployment, &progress).await.map_err(Failure::runtime)?;
    // The accounts are probed again with the role installed among the candidates.
    let mut settings = prober.settings.clone();
    if !settings.roles.contains(&role) {
        settings.roles.push(role.clone());
    }
    settings.roles_for.clear();
    let again = Prober::new(Arc::clone(&prober.source), settings);
    for probed in &deploy {
        let result = results.iter().find(|r| r.account_id == probed.0.account.id).map(|r| r.result.clone());
        rows.push(match result {
            Some(Ok(())) => {
                let after = crate::probe::fix::probe_again(&again, caller, &probed.0).await;
                let result = if after.status == ProbeStatus::Reachable { "fixed" } else { "failed" };
                planned(probed, result, detail.clone(), Some(after.status))
            }
            Some(Err(why)) => planned(probed, "failed", why, Some(probed.1.status)),
            None => planned(probed, "failed", "CloudFormation said nothing of it".into(), Some(probed.1.status)),
        });
    }
    rows.sort_by_key(position);
    Ok(rows)
}

/// A row for an account the StackSet does not cure: why, from its cause.
fn refused_row(target: &ProbeTarget, outcome: &ProbeOutcome) -> FixRow {
    let why = match (outcome.status, outcome.cause) {
        (ProbeStatus::Reachable, _) => "reachable already: nothing to fix".to_string(),
        // Only the causes a role of its own does not cure come here: each has its refusal.
        (ProbeStatus::Blocked, Some(cause)) => repair::refusal(cause, outcome.evidence.as_deref()).unwrap_or_default(),
        (status, _) => format!("{}: nothing a role of its own changes", status.code()),
    };
    FixRow {
        account_id: target.account.id.clone(),
        account_name: target.account.name.clone(),
        cause: outcome.cause,
        action: Action::None,
        result: "skipped",
        detail: Text::from(why),
        status_after: Some(outcome.status),
    }
}
