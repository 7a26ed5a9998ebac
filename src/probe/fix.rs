//! The repair of a blocked account, shared by `orgscope fix` and the TUI's `F`: the plan from the
//! probe's cause (read through a foothold: a role of your Identity Center sign-in in the account),
//! the one write it needs, and a probe of the account after. What is written is decided in
//! [`crate::remedy::repair`]; this is where it meets AWS.

use crate::model::{Cause, ProbeOutcome, ProbeStatus, RawText, TempCredentials};
use crate::remedy::repair::{self, Action, Repair};

use super::{CallerContext, ProbeTarget, Prober};

/// One account's repair, planned and not written yet.
#[derive(Debug, Clone)]
pub struct Planned {
    pub target: ProbeTarget,
    /// The probe's verdict, with its cause.
    pub outcome: ProbeOutcome,
    pub repair: Repair,
    /// The foothold the write goes through.
    via: Option<TempCredentials>,
}

/// What writing a plan came to.
#[derive(Debug, Clone, PartialEq)]
pub enum Applied {
    /// Nothing to write (the plan refused).
    Skipped,
    /// The write failed: AWS's words.
    Failed(String),
    /// Written, and the account probed again: its verdict now.
    Written(ProbeOutcome),
}

impl Planned {
    /// The role's name (the last part of the ARN the probe tried).
    pub fn role(&self) -> &str {
        self.outcome.role_arn.as_deref().and_then(|arn| arn.rsplit('/').next()).unwrap_or_default()
    }
}

/// The repair for `target`, whose probe gave `outcome`: read through a foothold where the cause
/// can be repaired (a trust policy is read again to widen it), refused with the reason otherwise.
pub async fn plan(prober: &Prober, caller: &CallerContext, target: ProbeTarget, outcome: ProbeOutcome) -> Planned {
    let refuse = |why: &str| Repair::Refuse(why.to_string());
    let Some(cause) = outcome.cause.filter(|_| outcome.status == ProbeStatus::Blocked) else {
        let why = match outcome.status {
            ProbeStatus::Reachable => "reachable already: nothing to fix".to_string(),
            status => format!("{}: {}", status.code(), outcome.hint.raw().unwrap_or("nothing fix can change")),
        };
        return Planned { target, outcome, repair: refuse(&why), via: None };
    };
    let via = if repair::action_for(cause) != Action::None {
        prober.foothold(&target.account.id).await.map(|(via, _)| via)
    } else {
        None
    };
    let mut planned = Planned { target, outcome, repair: refuse(""), via };
    let trust = match (&planned.via, cause) {
        (Some(via), Cause::TrustExcludesCaller) => prober.source.trust_policy(via, planned.role()).await.ok().flatten(),
        _ => None,
    };
    let evidence = planned.outcome.evidence.as_deref();
    planned.repair = repair::plan(cause, evidence, trust.as_deref(), caller.partition(), &caller.account);
    if planned.repair.action() != Action::None && planned.via.is_none() {
        planned.repair = refuse(
            "the way in that found the cause is gone (your Identity Center sign-in holds no role there now): `orgscope fix --stackset` needs none",
        );
    }
    planned
}

/// Writes `planned` and probes the account again. IAM takes a few seconds before a new role or
/// trust can be used: a refusal right after the write is tried again, for up to 15 seconds.
pub async fn apply(prober: &Prober, caller: &CallerContext, planned: &Planned) -> Applied {
    let role = planned.role();
    let written = match (&planned.repair, &planned.via) {
        (Repair::Create { trust }, Some(via)) => {
            prober.source.create_role(via, role, trust, repair::ACCESS_POLICY_ARN).await
        }
        (Repair::Update { after, .. }, Some(via)) => prober.source.update_trust(via, role, after).await,
        _ => return Applied::Skipped,
    };
    if let Err(why) = written {
        return Applied::Failed(why);
    }
    Applied::Written(probe_again(prober, caller, &planned.target).await)
}

/// `target` probed again after a write: a refusal is tried again for up to 15 seconds (IAM takes
/// a few seconds before a new role or trust can be used).
pub async fn probe_again(prober: &Prober, caller: &CallerContext, target: &ProbeTarget) -> ProbeOutcome {
    let mut outcome = ProbeOutcome::default();
    for attempt in 0..6 {
        if attempt > 0 {
            tokio::time::sleep(std::time::Duration::from_millis(2_500)).await;
        }
        let results = prober.probe_collect(vec![target.clone()], caller).await;
        outcome = results.into_iter().next().map(|(_, o)| o).unwrap_or_default();
        if outcome.status == ProbeStatus::Reachable {
            break;
        }
    }
    outcome
}
