//! The access probe: every ACTIVE member account tried with `sts:AssumeRole` into each candidate
//! role in order, under a concurrency bound, results streamed as they arrive. Suspended accounts and
//! the account the caller already stands in get their verdict without a call. Credentials the probe
//! obtains are kept (in memory only) for switch-role while they have life left.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use chrono::Utc;
use futures::StreamExt;

use crate::model::AttachedPolicy;
use crate::model::{Account, Org, ProbeOutcome, ProbeStatus, Reason, TempCredentials, Text};
use crate::remedy;
use crate::source::{AssumeFailure, AssumeRequest, Source};

/// Probe sessions last 15 minutes, the shortest STS allows.
pub const PROBE_SESSION_SECONDS: i32 = 900;

/// Switch-role reuses the probe's credentials only with at least this much life left.
pub const SWITCH_MIN_SECONDS: i64 = 600;

/// Switch-role sessions last an hour unless `--duration` says otherwise.
pub const SWITCH_SESSION_SECONDS: i32 = 3600;

/// One account to probe, with where it sits: `(id, name)` from the root down to its parent.
#[derive(Debug, Clone, PartialEq)]
pub struct ProbeTarget {
    pub account: Account,
    pub path: Vec<(String, Text)>,
}

impl ProbeTarget {
    /// Every account of `org` with its path.
    pub fn all(org: &Org) -> Vec<ProbeTarget> {
        let mut out = Vec::new();
        org.walk(|path, node| {
            if let crate::model::Node::Account(account) = node {
                let path = path.iter().map(|p| (p.id.to_string(), p.name.clone())).collect();
                out.push(ProbeTarget { account: account.clone(), path });
            }
        });
        out
    }

    /// The account `wanted` names among `targets`: its id, or a name no other account shares
    /// (in any case). See [`crate::model::lookup`].
    pub fn find<'a>(
        targets: &'a [ProbeTarget],
        wanted: &str,
    ) -> Result<&'a ProbeTarget, crate::model::lookup::LookupError> {
        crate::model::lookup::find_account(targets, wanted, |t| t.account.id.as_str(), |t| &t.account.name)
    }

    /// OU names from the root down (the contract's `ou_path`).
    pub fn ou_path(&self) -> Vec<Text> {
        self.path.iter().map(|(_, name)| name.clone()).collect()
    }
}

/// How to probe: the candidate roles and external IDs, globally and per account or OU.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeSettings {
    /// Candidate roles, tried in order.
    pub roles: Vec<String>,
    pub external_id: Option<String>,
    /// External IDs by account id or OU id (the nearest wins), from the config file.
    pub external_ids: BTreeMap<String, String>,
    /// Candidate roles by account id or OU id (the nearest wins), from the config file.
    pub roles_for: BTreeMap<String, Vec<String>>,
    pub concurrency: usize,
    /// The region STS is called in, for hints.
    pub region: Option<String>,
}

impl Default for ProbeSettings {
    fn default() -> Self {
        ProbeSettings {
            roles: vec![remedy::DEFAULT_ROLE.to_string()],
            external_id: None,
            external_ids: BTreeMap::new(),
            roles_for: BTreeMap::new(),
            concurrency: 64,
            region: None,
        }
    }
}

impl ProbeSettings {
    /// The nearest setting for `target` in `map`: the account's own, else its OUs' from the
    /// innermost out.
    fn nearest<'a, T>(map: &'a BTreeMap<String, T>, target: &ProbeTarget) -> Option<&'a T> {
        map.get(&target.account.id).or_else(|| target.path.iter().rev().find_map(|(id, _)| map.get(id)))
    }

    pub fn roles_for(&self, target: &ProbeTarget) -> Vec<String> {
        Self::nearest(&self.roles_for, target).cloned().unwrap_or_else(|| self.roles.clone())
    }

    pub fn external_id_for(&self, target: &ProbeTarget) -> Option<String> {
        Self::nearest(&self.external_ids, target).cloned().or_else(|| self.external_id.clone())
    }
}

/// Who is probing: the session name and the partition come from the caller's ARN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallerContext {
    pub account: String,
    pub arn: String,
    pub management_account_id: String,
}

impl CallerContext {
    pub fn of(org: &Org) -> CallerContext {
        CallerContext {
            account: org.caller.account.clone(),
            arn: org.caller.arn.clone(),
            management_account_id: org.organization.management_account_id.clone(),
        }
    }

    /// `aws`, `aws-cn`, `aws-us-gov`…
    pub fn partition(&self) -> &str {
        self.arn.split(':').nth(1).filter(|p| !p.is_empty()).unwrap_or("aws")
    }

    pub fn role_arn(&self, account_id: &str, role: &str) -> String {
        format!("arn:{}:iam::{account_id}:role/{role}", self.partition())
    }

    /// `orgscope-<user>`: identifies the tool and the person in the target account's CloudTrail.
    pub fn session_name(&self) -> String {
        session_name(&self.arn)
    }
}

/// A role session name (2–64 characters of `[\w+=,.@-]`) naming orgscope and the user in `arn`.
pub fn session_name(arn: &str) -> String {
    let user = arn.rsplit(['/', ':']).next().unwrap_or_default();
    let cleaned: String =
        user.chars().filter(|c| c.is_ascii_alphanumeric() || "+=,.@-_".contains(*c)).take(64 - 9).collect();
    if cleaned.is_empty() { "orgscope".to_string() } else { format!("orgscope-{cleaned}") }
}

/// Credentials kept in memory for switch-role, by role ARN. Never written anywhere.
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
}

impl Prober {
    pub fn new(source: Arc<dyn Source>, settings: ProbeSettings) -> Prober {
        Prober { source, settings, credentials: CredentialCache::default(), portal: None }
    }

    /// The same prober, switching role through `portal` too.
    pub fn with_portal(mut self, portal: Option<Arc<dyn crate::source::portal::Portal>>) -> Prober {
        self.portal = portal;
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
                    message: None,
                    hint: None,
                }
            }
            Err(outcome) => outcome,
        }
    }

    /// Credentials for switching role into `target`: the probe's when they have at least
    /// [`SWITCH_MIN_SECONDS`] left (and no MFA was asked for), else a fresh `AssumeRole` for
    /// `duration_seconds`. An account that cannot be entered answers with its verdict.
    pub async fn switch_role(
        &self,
        target: &ProbeTarget,
        caller: &CallerContext,
        duration_seconds: i32,
        mfa: Option<(String, String)>,
    ) -> Result<TempCredentials, ProbeOutcome> {
        if mfa.is_none()
            && let Some(credentials) = self.credentials.get(&target.account.id, SWITCH_MIN_SECONDS)
        {
            return Ok(credentials);
        }
        let nearby = std::collections::HashSet::new();
        let request = Attempt { duration_seconds, mfa, nearby: &nearby };
        let credentials = self.attempt(target, caller, &request).await?;
        self.credentials.insert(credentials.clone());
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
        let context = remedy::Context {
            role_name: &role,
            management_account_id: &caller.management_account_id,
            caller_arn: &caller.arn,
            region: region.as_deref(),
            external_id_given: external_id.is_some(),
            external_id_used_nearby: external_id.is_none()
                && target.path.last().is_some_and(|(parent, _)| attempt.nearby.contains(parent)),
            policy_type: failure.policy_type.as_deref(),
            scps: &scps,
        };
        let mut hint = remedy::hint(account, failure.reason, &context);
        if roles.len() > 1 {
            hint.push_str(&format!(" Also tried: {}.", roles[1..].join(", ")));
        }
        Err(ProbeOutcome {
            status: status_of(failure.reason),
            reason: Some(failure.reason),
            role_arn: Some(role_arn),
            message: Some(failure.message),
            hint: Some(hint.into()),
        })
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_names_identify_orgscope_and_the_user_within_sts_limits() {
        assert_eq!(
            session_name("arn:aws:sts::111111111111:assumed-role/AWSReservedSSO_Admin_0123/jane.doe@example.com"),
            "orgscope-jane.doe@example.com"
        );
        assert_eq!(session_name("arn:aws:iam::111111111111:user/ops/bob"), "orgscope-bob");
        assert_eq!(session_name(""), "orgscope");
        let long = session_name(&format!("arn:aws:iam::1:user/{}", "x".repeat(200)));
        assert!(long.len() <= 64 && long.starts_with("orgscope-"), "{long}");
        assert_eq!(session_name("arn:aws:iam::1:user/a b!c"), "orgscope-abc");
    }

    #[test]
    fn the_nearest_setting_wins() {
        let target = ProbeTarget {
            account: Account::fixture("222", "a"),
            path: vec![("r-1".into(), "Root".into()), ("ou-1".into(), "Prod".into()), ("ou-2".into(), "Pay".into())],
        };
        let mut settings = ProbeSettings { external_id: Some("global".into()), ..ProbeSettings::default() };
        assert_eq!(settings.external_id_for(&target).as_deref(), Some("global"));
        settings.external_ids.insert("ou-1".into(), "prod".into());
        assert_eq!(settings.external_id_for(&target).as_deref(), Some("prod"));
        settings.external_ids.insert("ou-2".into(), "pay".into());
        assert_eq!(settings.external_id_for(&target).as_deref(), Some("pay"));
        settings.external_ids.insert("222".into(), "own".into());
        assert_eq!(settings.external_id_for(&target).as_deref(), Some("own"));
        assert_eq!(settings.roles_for(&target), vec![remedy::DEFAULT_ROLE.to_string()]);
    }

    #[test]
    fn the_partition_follows_the_caller() {
        let caller = CallerContext {
            account: "1".into(),
            arn: "arn:aws-cn:iam::1:user/x".into(),
            management_account_id: "1".into(),
        };
        assert_eq!(caller.role_arn("2", "R"), "arn:aws-cn:iam::2:role/R");
    }
}
