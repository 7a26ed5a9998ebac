//! The access probe: every ACTIVE member account tried with `sts:AssumeRole` into each candidate
//! role in order, under a concurrency bound, results streamed as they arrive. Suspended accounts and
//! the account the caller already stands in get their verdict without a call. The probe's own
//! short sessions stay in memory; switching role asks for a fresh session of its own duration,
//! kept in the credential cache ([`crate::cache`]) when one is given.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::Utc;
use futures::StreamExt;

mod cause;
pub mod fix;
mod footholds;
mod keeping;
mod target;

pub use footholds::AccountFootholds;
pub use keeping::{Keeping, Switch, portal_credentials};
pub use target::{CallerContext, ProbeSettings, ProbeTarget, session_name};

use crate::model::AttachedPolicy;
use crate::model::{ProbeOutcome, ProbeStatus, Reason, TempCredentials, Text};
use crate::remedy;
use crate::source::{AssumeFailure, AssumeRequest, Source};

/// Probe sessions last 15 minutes, the shortest STS allows.
pub const PROBE_SESSION_SECONDS: i32 = 900;

/// Switch-role sessions last an hour unless `--duration` (or the config's `duration`) says otherwise.
pub const SWITCH_SESSION_SECONDS: i32 = 3600;

/// The probe's own sessions, kept in memory by role ARN. Never written anywhere, never handed out.
#[derive(Debug, Default)]
pub struct CredentialCache {
    entries: Mutex<HashMap<String, TempCredentials>>,
}

impl CredentialCache {
    pub fn insert(&self, credentials: TempCredentials) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.insert(credentials.role_arn.clone(), credentials);
        }
    }

    /// Credentials for `account_id` with at least `min_seconds` of life left.
    pub fn get(&self, account_id: &str, min_seconds: i64) -> Option<TempCredentials> {
        let now = Utc::now();
        let entries = self.entries.lock().ok()?;
        entries.values().find(|c| c.account_id == account_id && c.seconds_left(now) >= min_seconds).cloned()
    }
}

/// Probes accounts against a source, keeping what it gets for later.
pub struct Prober {
    pub source: Arc<dyn Source>,
    pub settings: ProbeSettings,
    pub credentials: CredentialCache,
    /// Your own Identity Center sign-in, when one is available.
    pub portal: Option<Arc<dyn crate::source::portal::Portal>>,
    /// The credential cache switching role reads and writes; None: `--no-cache`.
    pub keeping: Option<Keeping>,
    /// Footholds found by this prober, by account (in memory only): a cause read and the repair
    /// after it go in through the same session.
    footholds: Mutex<HashMap<String, (TempCredentials, String)>>,
}

impl Prober {
    pub fn new(source: Arc<dyn Source>, settings: ProbeSettings) -> Prober {
        Prober {
            source,
            settings,
            credentials: CredentialCache::default(),
            portal: None,
            keeping: None,
            footholds: Mutex::default(),
        }
    }

    /// The same prober, switching role through `portal` too.
    pub fn with_portal(mut self, portal: Option<Arc<dyn crate::source::portal::Portal>>) -> Prober {
        self.portal = portal;
        self
    }

    /// The same prober, keeping switched-role sessions in `keeping`.
    pub fn with_keeping(mut self, keeping: Option<Keeping>) -> Prober {
        self.keeping = keeping;
        self
    }

    /// Probes `targets`, calling `on_result` for each as soon as it is known.
    pub async fn probe_all(
        &self,
        targets: Vec<ProbeTarget>,
        caller: &CallerContext,
        on_result: impl Fn(&ProbeTarget, ProbeOutcome),
    ) {
        let nearby = external_ids_nearby(&targets, &self.settings);
        let concurrency = self.settings.concurrency.max(1);
        let mut results = futures::stream::iter(targets.into_iter().map(|target| {
            let nearby = &nearby;
            async move {
                let outcome = self.probe_one(&target, caller, nearby).await;
                let outcome = self.mark_expected(&target, outcome);
                (target, outcome)
            }
        }))
        .buffer_unordered(concurrency);
        while let Some((target, outcome)) = results.next().await {
            on_result(&target, outcome);
        }
    }

    /// Probes `targets` and returns the outcomes in the order given.
    pub async fn probe_collect(
        &self,
        targets: Vec<ProbeTarget>,
        caller: &CallerContext,
    ) -> Vec<(ProbeTarget, ProbeOutcome)> {
        let order: HashMap<String, usize> =
            targets.iter().enumerate().map(|(i, t)| (t.account.id.clone(), i)).collect();
        let collected = Mutex::new(Vec::with_capacity(targets.len()));
        self.probe_all(targets, caller, |target, outcome| {
            if let Ok(mut collected) = collected.lock() {
                collected.push((target.clone(), outcome));
            }
        })
        .await;
        let mut collected = collected.into_inner().unwrap_or_default();
        collected.sort_by_key(|(t, _)| order.get(&t.account.id).copied().unwrap_or(usize::MAX));
        collected
    }

    /// A way into `account_id` to read its roles with: a role of your Identity Center sign-in there
    /// (its credentials, and `sso:<role>` to say so). None without a sign-in or a role there.
    pub async fn foothold(&self, account_id: &str) -> Option<(TempCredentials, String)> {
        let portal = self.portal.as_ref()?;
        let kept = self.footholds.lock().ok().and_then(|f| f.get(account_id).cloned());
        if let Some(kept) = kept.filter(|(c, _)| c.seconds_left(Utc::now()) >= 300) {
            return Some(kept);
        }
        let roles = portal.roles(account_id).await.ok()?;
        let role = roles.first()?.raw().to_string();
        // Read with, never handed out: not kept in the credential cache, only in this prober.
        let credentials = portal.foothold_credentials(account_id, &role).await.ok()?;
        let found = (credentials, format!("sso:{role}"));
        if let Ok(mut footholds) = self.footholds.lock() {
            footholds.insert(account_id.to_string(), found.clone());
        }
        Some(found)
    }

    /// `outcome` marked blocked on purpose when it is blocked and the config says so (a saved
    /// run's own mark stays when the config says nothing).
    fn mark_expected(&self, target: &ProbeTarget, mut outcome: ProbeOutcome) -> ProbeOutcome {
        if outcome.status != ProbeStatus::Blocked {
            outcome.expected = None;
        } else if let Some(reason) = self.settings.expected_for(target) {
            outcome.expected = Some(reason.into());
        }
        outcome
    }

    async fn probe_one(
        &self,
        target: &ProbeTarget,
        caller: &CallerContext,
        nearby: &std::collections::HashSet<String>,
    ) -> ProbeOutcome {
        // A saved run's verdict is shown as it was saved, never tried again.
        if let Some(saved) = self.source.saved_outcome(&target.account.id) {
            return saved;
        }
        let request = Attempt { duration_seconds: PROBE_SESSION_SECONDS, mfa: None, nearby };
        match self.attempt(target, caller, &request).await {
            Ok(credentials) => {
                let role_arn = credentials.role_arn.clone();
                self.credentials.insert(credentials);
                ProbeOutcome {
                    status: ProbeStatus::Reachable,
                    reason: None,
                    role_arn: Some(role_arn),
                    ..ProbeOutcome::default()
                }
            }
            Err(outcome) => outcome,
        }
    }

    /// A fresh session in `target` for switching role, of `switch`'s duration: a kept one while it
    /// has more than `refresh_before` left, else `AssumeRole` (then kept). The probe's short
    /// sessions are never handed out. An account that cannot be entered answers with its verdict.
    pub async fn switch_role(
        &self,
        target: &ProbeTarget,
        caller: &CallerContext,
        switch: &Switch,
    ) -> Result<TempCredentials, ProbeOutcome> {
        if let Some(kept) = self.keeping.as_ref().and_then(|k| k.role(&self.settings, target, switch)) {
            return Ok(kept);
        }
        let nearby = std::collections::HashSet::new();
        let request = Attempt { duration_seconds: switch.duration_seconds, mfa: switch.mfa.clone(), nearby: &nearby };
        let credentials = self.attempt(target, caller, &request).await?;
        if let Some(keeping) = &self.keeping {
            let role = credentials.role_arn.rsplit('/').next().unwrap_or_default();
            keeping.store.put(&keeping.role_key(&self.settings, target, role, switch), &credentials);
        }
        Ok(credentials)
    }

    /// Tries the candidate roles in order; the first that works gives the credentials, else the
    /// verdict with its diagnosis.
    async fn attempt(
        &self,
        target: &ProbeTarget,
        caller: &CallerContext,
        attempt: &Attempt<'_>,
    ) -> Result<TempCredentials, ProbeOutcome> {
        let account = &target.account;
        let quiet = |status, reason: Reason| ProbeOutcome {
            status,
            reason: Some(reason),
            role_arn: None,
            message: None,
            hint: Some(remedy::hint(account, reason, &remedy::Context::default()).into()),
            ..ProbeOutcome::default()
        };
        if account.is_suspended() {
            return Err(quiet(ProbeStatus::Skipped, Reason::AccountSuspended));
        }
        if account.id == caller.account {
            return Err(quiet(ProbeStatus::Reachable, Reason::CallerAccount));
        }
        let external_id = self.settings.external_id_for(target);
        let roles = self.settings.roles_for(target);
        let request_for = |role_arn: String| AssumeRequest {
            account_id: account.id.clone(),
            role_arn,
            session_name: caller.session_name(),
            external_id: external_id.clone(),
            duration_seconds: attempt.duration_seconds,
            mfa: attempt.mfa.clone(),
        };
        if let Some(saved) = self.source.saved_outcome(&account.id) {
            // A replayed verdict; a reachable one still yields (demo) credentials.
            return match (saved.status, &saved.role_arn) {
                (ProbeStatus::Reachable, Some(role_arn)) => {
                    self.source.assume(&request_for(role_arn.clone())).await.map_err(|failure| ProbeOutcome {
                        status: status_of(failure.reason),
                        reason: Some(failure.reason),
                        role_arn: Some(role_arn.clone()),
                        message: Some(failure.message),
                        hint: saved.hint.clone(),
                        ..ProbeOutcome::default()
                    })
                }
                _ => Err(saved),
            };
        }
        let mut first_failure: Option<(String, String, AssumeFailure)> = None;
        for role in &roles {
            let role_arn = caller.role_arn(&account.id, role);
            match self.source.assume(&request_for(role_arn.clone())).await {
                Ok(credentials) => return Ok(credentials),
                Err(failure) => {
                    let account_level = matches!(failure.reason, Reason::AccessDenied | Reason::ExplicitDeny);
                    first_failure.get_or_insert((role.clone(), role_arn, failure));
                    if !account_level {
                        break;
                    }
                }
            }
        }
        let Some((role, role_arn, failure)) = first_failure else {
            return Err(quiet(ProbeStatus::Error, Reason::AccessDenied));
        };
        let external_id_used_nearby =
            external_id.is_none() && target.path.last().is_some_and(|(parent, _)| attempt.nearby.contains(parent));
        Err(self.diagnose(target, caller, Denied { role, role_arn, failure }, external_id_used_nearby).await)
    }

    /// The verdict on a refused account, with its diagnosis and fix: the SCPs along its path read
    /// when AWS named a control policy.
    async fn diagnose(
        &self,
        target: &ProbeTarget,
        caller: &CallerContext,
        denied: Denied,
        external_id_used_nearby: bool,
    ) -> ProbeOutcome {
        let Denied { role, role_arn, failure } = denied;
        let account = &target.account;
        let scps = if failure.reason == Reason::ExplicitDeny
            && failure.policy_type.as_deref().is_some_and(|t| t.contains("control policy"))
        {
            let mut path = target.path.clone();
            path.push((account.id.clone(), account.name.clone()));
            self.source.attached_scps(&path).await
        } else {
            Vec::<AttachedPolicy>::new()
        };
        let region = self.settings.region.clone().or_else(|| self.source.region());
        let external_id = self.settings.external_id_for(target);
        let context = remedy::Context {
            role_name: &role,
            management_account_id: &caller.management_account_id,
            caller_arn: &caller.arn,
            region: region.as_deref(),
            external_id_given: external_id.is_some(),
            external_id_used_nearby,
            policy_type: failure.policy_type.as_deref(),
            scps: &scps,
        };
        let mut hint = remedy::hint(account, failure.reason, &context);
        let roles = self.settings.roles_for(target);
        if roles.len() > 1 {
            hint.push_str(&format!(" Also tried: {}.", roles[1..].join(", ")));
        }
        let status = status_of(failure.reason);
        let (cause, evidence) = if status == ProbeStatus::Blocked && failure.reason != Reason::RegionDisabled {
            let refusal = cause::Refusal {
                target,
                caller,
                role_arn: &role_arn,
                reason: failure.reason,
                message: failure.message.raw(),
                external_id: external_id.as_deref(),
            };
            let (mut cause, mut evidence) = cause::find(self.source.as_ref(), &refusal).await;
            if cause == crate::model::Cause::Unknown
                && let Some((via, read_via)) = self.foothold(&target.account.id).await
            {
                (cause, evidence) = cause::through_role(self.source.as_ref(), &via, &read_via, &refusal).await;
            }
            if let Some(specific) = remedy::cause::hint(cause, Some(&evidence), account) {
                hint = specific;
            }
            (Some(cause), Some(Box::new(evidence)))
        } else {
            (None, None)
        };
        ProbeOutcome {
            status,
            reason: Some(failure.reason),
            role_arn: Some(role_arn),
            message: Some(failure.message),
            hint: Some(hint.into()),
            cause,
            evidence,
            ..ProbeOutcome::default()
        }
    }

    /// `outcome`, a refusal found for `target` known by less (its id alone), explained again now
    /// that more is known of it and of the organization (`caller`'s management account): no call
    /// to STS is made again.
    pub async fn explain(&self, target: &ProbeTarget, caller: &CallerContext, outcome: ProbeOutcome) -> ProbeOutcome {
        if target.account.is_suspended() {
            let hint = remedy::hint(&target.account, Reason::AccountSuspended, &remedy::Context::default());
            return ProbeOutcome {
                status: ProbeStatus::Skipped,
                reason: Some(Reason::AccountSuspended),
                hint: Some(hint.into()),
                ..ProbeOutcome::default()
            };
        }
        let (Some(reason), Some(role_arn), Some(message)) = (outcome.reason, &outcome.role_arn, &outcome.message)
        else {
            return outcome;
        };
        let policy_type = crate::source::aws::classify::denying_policy(message.raw()).map(|p| p.policy_type);
        let failure = AssumeFailure { reason, code: String::new(), message: message.clone(), policy_type };
        let role = role_arn.rsplit('/').next().unwrap_or_default().to_string();
        let denied = Denied { role, role_arn: role_arn.clone(), failure };
        self.diagnose(target, caller, denied, false).await
    }
}

/// A role that refused, and how.
struct Denied {
    role: String,
    role_arn: String,
    failure: AssumeFailure,
}

/// How one attempt to get in is made.
struct Attempt<'a> {
    duration_seconds: i32,
    mfa: Option<(String, String)>,
    /// Parents holding accounts configured with an external ID (for the hint).
    nearby: &'a std::collections::HashSet<String>,
}

/// Whether a failure says something about the account (blocked) or only about this run (error).
pub fn status_of(reason: Reason) -> ProbeStatus {
    match reason {
        Reason::AccessDenied | Reason::ExplicitDeny | Reason::CallerNotPermitted | Reason::RegionDisabled => {
            ProbeStatus::Blocked
        }
        Reason::AccountSuspended => ProbeStatus::Skipped,
        Reason::CallerAccount => ProbeStatus::Reachable,
        Reason::CallerTokenExpired | Reason::CallerTokenInvalid | Reason::Throttled | Reason::Network => {
            ProbeStatus::Error
        }
    }
}

/// Parents (OU or root ids) holding an account that is configured with its own external ID.
fn external_ids_nearby(targets: &[ProbeTarget], settings: &ProbeSettings) -> std::collections::HashSet<String> {
    targets
        .iter()
        .filter(|t| ProbeSettings::nearest(&settings.external_ids, t).is_some())
        .filter_map(|t| t.path.last().map(|(id, _)| id.clone()))
        .collect()
}

impl AssumeFailure {
    pub fn new(reason: Reason, code: impl Into<String>, message: impl Into<String>) -> AssumeFailure {
        AssumeFailure { reason, code: code.into(), message: Text::from(message.into()), policy_type: None }
    }
}
