//! A saved run served as a source: `--snapshot FILE`, or the demo organization embedded from
//! `assets/demo.json` (`--demo`). Neither makes an AWS call.

use std::collections::BTreeMap;

use async_trait::async_trait;

use super::{
    AssignmentProgress, AssignmentProgressFn, AssignmentQuery, AssignmentsRead, AssumeFailure, AssumeRequest,
    DiscoveryProgress, ProgressFn, Source, SourceError,
};
use crate::model::{
    AssignmentAttempt, Org, ProbeOutcome, ProbeStatus, Reason, Secret, Snapshot, TempCredentials, Text,
};

/// The demo organization, compiled into the binary.
pub const DEMO_JSON: &str = include_str!("../../assets/demo.json");
/// The demo's run a week earlier (`scripts/demo_previous.py`), so `--demo` shows what changed.
pub const DEMO_PREVIOUS_JSON: &str = include_str!("../../assets/demo-previous.json");

pub struct SnapshotSource {
    label: String,
    snapshot: Snapshot,
    /// The demo hands out made-up credentials; a saved snapshot cannot switch role.
    demo: bool,
    /// How far the demo's times were moved (its run a week earlier moves as far).
    shifted: chrono::Duration,
    /// Accounts the demo's `fix` repaired in this run: reachable from then on (in memory only).
    fixed: std::sync::Mutex<std::collections::HashSet<String>>,
}

impl SnapshotSource {
    /// The demo, its times moved with the clock: saved a minute ago.
    pub fn demo() -> Result<SnapshotSource, SourceError> {
        SnapshotSource::demo_at(chrono::Utc::now())
    }

    /// The demo with the times its file holds (for views that must stay the same from day to day).
    pub fn demo_as_recorded() -> Result<SnapshotSource, SourceError> {
        let saved = Snapshot::from_json(DEMO_JSON, "the demo")?.saved_at;
        SnapshotSource::demo_at(saved + chrono::Duration::minutes(1))
    }

    /// The demo as if it ran at `now` (the tests pin the clock so that its views stay the same).
    pub fn demo_at(now: chrono::DateTime<chrono::Utc>) -> Result<SnapshotSource, SourceError> {
        let mut snapshot = Snapshot::from_json(DEMO_JSON, "the demo")?;
        let shifted = demo_clock(&snapshot, now);
        shift_times(&mut snapshot, shifted);
        advise(&mut snapshot);
        Ok(SnapshotSource {
            label: "demo organization".to_string(),
            snapshot,
            demo: true,
            shifted,
            fixed: std::sync::Mutex::default(),
        })
    }

    /// A saved run: as untrusted as AWS (it may come from someone else), so bounded in size and
    /// checked field by field before anything of it is shown.
    pub fn from_file(path: &std::path::Path) -> Result<SnapshotSource, SourceError> {
        let mut snapshot = Snapshot::from_file(path)?;
        advise(&mut snapshot);
        Ok(SnapshotSource {
            label: format!("snapshot {}", path.display()),
            snapshot,
            demo: false,
            shifted: chrono::Duration::zero(),
            fixed: std::sync::Mutex::default(),
        })
    }
}

impl SnapshotSource {
    fn fixed_in_demo(&self, account_id: &str) -> bool {
        self.demo && self.fixed.lock().is_ok_and(|fixed| fixed.contains(account_id))
    }

    /// The demo's `fix`: the account is repaired for the rest of this run. A saved run is
    /// someone's record and is never changed.
    fn repair_in_demo(&self, account_id: &str) -> Result<(), String> {
        if !self.demo {
            return Err(format!("{} is a saved run: run orgscope without --snapshot to fix accounts", self.label));
        }
        if let Ok(mut fixed) = self.fixed.lock() {
            fixed.insert(account_id.to_string());
        }
        Ok(())
    }
}

#[async_trait]
impl Source for SnapshotSource {
    fn label(&self) -> String {
        self.label.clone()
    }

    fn region(&self) -> Option<String> {
        self.snapshot.region.clone()
    }

    async fn discover(&self, progress: ProgressFn) -> Result<Org, SourceError> {
        let org = self.snapshot.org.clone();
        let accounts = org.accounts().count();
        let parents = org.ou_count() + org.roots.len();
        progress(DiscoveryProgress {
            parents_listed: parents,
            parents_known: parents,
            accounts_found: accounts,
            throttled: 0,
        });
        Ok(org)
    }

    async fn account_tags(&self, account_id: &str) -> Result<BTreeMap<Text, Text>, SourceError> {
        Ok(self.snapshot.org.accounts().find(|a| a.id == account_id).and_then(|a| a.tags.clone()).unwrap_or_default())
    }

    /// A saved run's requests in the window. (The demo's dates move with the clock, so its
    /// requests stay inside the windows a user asks for.)
    async fn assignments(
        &self,
        query: &AssignmentQuery,
        progress: AssignmentProgressFn,
    ) -> Result<AssignmentsRead, SourceError> {
        let operations = query.operations();
        // A saved run's requests inside the window asked for (a request without a time is kept).
        let inside = |a: &&AssignmentAttempt| a.event_time.is_none_or(|t| query.start <= t && t <= query.end);
        let mut attempts: Vec<AssignmentAttempt> = self
            .snapshot
            .assignments
            .iter()
            .filter(|a| operations.contains(&a.operation))
            .filter(inside)
            .cloned()
            .collect();
        attempts.sort_by_key(|a| std::cmp::Reverse(a.event_time));
        progress(AssignmentProgress { pages: 1, events: attempts.len(), to_describe: 0, described: 0, throttled: 0 });
        Ok(AssignmentsRead { attempts, unavailable: Vec::new() })
    }

    async fn identity_center(
        &self,
        _query: &super::AccessQuery,
    ) -> Result<crate::model::identity::IdentityCenter, SourceError> {
        self.snapshot.identity_center.clone().ok_or_else(|| {
            SourceError::Refused(format!(
                "{} holds no Identity Center access map: save the run again with `orgscope snapshot -o FILE`",
                self.label
            ))
        })
    }

    async fn assignment_request(
        &self,
        _sso_region: Option<&str>,
        request_id: &str,
    ) -> Result<Option<AssignmentAttempt>, SourceError> {
        Ok(self.snapshot.assignments.iter().find(|a| a.request_id.as_ref().is_some_and(|r| r == request_id)).cloned())
    }

    /// The demo plays the fix as made: the retry succeeds after a moment. A saved snapshot is a
    /// record, and refuses.
    async fn retry_assignment(
        &self,
        _sso_region: Option<&str>,
        attempt: &AssignmentAttempt,
    ) -> Result<AssignmentAttempt, SourceError> {
        if !self.demo {
            return Err(SourceError::Refused(format!(
                "{} is a saved snapshot: run orgscope without --snapshot to retry a request",
                self.label
            )));
        }
        attempt.retryable().map_err(|why| SourceError::Refused(why.to_string()))?;
        tokio::time::sleep(std::time::Duration::from_millis(400)).await;
        let mut row = attempt.clone();
        let old = attempt.request_id.as_ref().map(|r| r.raw().to_string()).unwrap_or_default();
        row.request_id = Some(format!("demo-retry-{}", old.get(..8).unwrap_or(&old)).into());
        row.event_id = None;
        row.actor = None;
        row.raw_event = None;
        row.event_time = Some(chrono::Utc::now());
        row.status = crate::model::AssignmentStatus::Succeeded;
        row.failure_reason = None;
        row.error_code = None;
        row.hint = None;
        Ok(row)
    }

    async fn assume(&self, request: &AssumeRequest) -> Result<TempCredentials, AssumeFailure> {
        if self.fixed_in_demo(&request.account_id) {
            return Ok(demo_credentials(request));
        }
        let saved = self.snapshot.access.get(&request.account_id);
        if let Some(outcome) = saved.filter(|o| o.status != ProbeStatus::Reachable) {
            let reason = outcome.reason.unwrap_or(Reason::AccessDenied);
            return Err(AssumeFailure {
                reason,
                code: "Saved".to_string(),
                message: outcome.message.clone().unwrap_or_else(|| reason.code().into()),
                policy_type: None,
            });
        }
        if !self.demo {
            return Err(AssumeFailure::new(
                Reason::Network,
                "Offline",
                format!("{} is a saved snapshot: run orgscope without --snapshot to switch role", self.label),
            ));
        }
        Ok(demo_credentials(request))
    }

    /// The demo's roles as its verdicts describe them: missing where the cause says so, trusting
    /// someone else where it says that, else trusting the management account.
    async fn trust_policy(&self, via: &TempCredentials, _role: &str) -> Result<Option<String>, String> {
        if !self.demo {
            return Err(format!("{} is a saved run: it holds no roles", self.label));
        }
        let cause = self.snapshot.access.get(&via.account_id).and_then(|o| o.cause);
        let trusted = match cause {
            Some(crate::model::Cause::RoleMissing) => return Ok(None),
            Some(crate::model::Cause::TrustExcludesCaller) => "999999999999".to_string(),
            _ => self.snapshot.org.organization.management_account_id.clone(),
        };
        Ok(Some(crate::remedy::repair::new_trust("aws", &trusted)))
    }

    async fn create_role(&self, via: &TempCredentials, _role: &str, _trust: &str, _policy: &str) -> Result<(), String> {
        self.repair_in_demo(&via.account_id)
    }

    async fn update_trust(&self, via: &TempCredentials, _role: &str, _trust: &str) -> Result<(), String> {
        self.repair_in_demo(&via.account_id)
    }

    /// The demo's StackSet: every account it names gets the role (the demo's own state).
    async fn deploy_access_role(
        &self,
        deployment: &crate::source::Deployment,
        progress: &(dyn Fn(String) + Send + Sync),
    ) -> Result<Vec<crate::source::InstanceResult>, String> {
        progress(format!(
            "the demo deploys {} to {} account(s) in its own state",
            deployment.role,
            deployment.accounts.len()
        ));
        let mut results = Vec::new();
        for (account_id, _) in &deployment.accounts {
            let result = self.repair_in_demo(account_id);
            results.push(crate::source::InstanceResult { account_id: account_id.clone(), result });
        }
        Ok(results)
    }

    fn saved_run(&self) -> Option<String> {
        (!self.demo).then(|| self.label.clone())
    }

    /// A saved file's verdict, or for an account it holds none of, `skipped`: a saved run is never
    /// probed again. The demo has a verdict for every account.
    fn saved_outcome(&self, account_id: &str) -> Option<ProbeOutcome> {
        if self.fixed_in_demo(account_id) {
            return None;
        }
        if let Some(saved) = self.snapshot.access.get(account_id) {
            return Some(saved.clone());
        }
        if self.demo {
            return None;
        }
        // What needs no call is known from the tree itself; the rest was not probed.
        let org = &self.snapshot.org;
        let quiet = |status, reason| ProbeOutcome {
            status,
            reason: Some(reason),
            role_arn: None,
            message: None,
            hint: None,
            ..ProbeOutcome::default()
        };
        Some(match org.accounts().find(|a| a.id == account_id) {
            _ if org.caller.account == account_id => quiet(ProbeStatus::Reachable, Reason::CallerAccount),
            Some(account) if account.is_suspended() => quiet(ProbeStatus::Skipped, Reason::AccountSuspended),
            _ => ProbeOutcome {
                status: ProbeStatus::Skipped,
                reason: None,
                role_arn: None,
                message: None,
                hint: Some(
                    "The snapshot holds no verdict for this account: run orgscope without --snapshot to probe it."
                        .into(),
                ),
                ..ProbeOutcome::default()
            },
        })
    }

    fn saved_access(&self) -> BTreeMap<String, ProbeOutcome> {
        self.snapshot.access.clone()
    }

    fn previous_snapshot(&self) -> Option<Snapshot> {
        let mut previous =
            Snapshot::from_json(DEMO_PREVIOUS_JSON, "the demo's previous run").ok().filter(|_| self.demo)?;
        shift_times(&mut previous, self.shifted);
        Some(previous)
    }

    fn saved_snapshot(&self) -> Option<&Snapshot> {
        Some(&self.snapshot)
    }
}

/// A snapshot's stored hints are someone else's words, never orgscope's advice: each is
/// recomputed here from the saved reason (a verdict's) or failure reason (a request's).
fn advise(snapshot: &mut Snapshot) {
    use crate::model::Account;
    // Levels, like hints, are this build's: decided again from the policies the run holds.
    if let Some(map) = &mut snapshot.identity_center {
        for set in map.permission_sets.iter_mut().filter(|p| p.policies.is_some()) {
            set.level = None;
        }
        crate::policy::level::decide(map);
    }
    let org = &snapshot.org;
    let accounts: BTreeMap<&str, &Account> = org.accounts().map(|a| (a.id.as_str(), a)).collect();
    let management = org.organization.management_account_id.as_str();
    for (id, outcome) in &mut snapshot.access {
        let role = outcome.role_arn.as_deref().and_then(|arn| arn.rsplit_once(":role/")).map(|(_, role)| role);
        let message = outcome.message.as_ref().map(|m| m.raw().to_string()).unwrap_or_default();
        let denying = super::aws::classify::denying_policy(&message);
        let context = crate::remedy::Context {
            role_name: role.and_then(|r| r.rsplit('/').next()).unwrap_or_default(),
            management_account_id: management,
            caller_arn: &org.caller.arn,
            region: snapshot.region.as_deref(),
            policy_type: denying.as_ref().map(|d| d.policy_type.as_str()),
            ..crate::remedy::Context::default()
        };
        let account = accounts.get(id.as_str());
        let specific = match (outcome.cause, account) {
            (Some(cause), Some(account)) => crate::remedy::cause::hint(cause, outcome.evidence.as_deref(), account),
            _ => None,
        };
        outcome.hint = match (specific, outcome.reason, account) {
            (Some(specific), _, _) => Some(specific.into()),
            (None, Some(reason), Some(account)) => Some(crate::remedy::hint(account, reason, &context).into()),
            _ => None,
        };
    }
    for attempt in &mut snapshot.assignments {
        attempt.hint = None;
    }
    crate::remedy::assignment::explain(&mut snapshot.assignments, management);
}

/// How far the demo's times move so that it was saved a minute ago: its requests are always
/// within the last week, whenever the demo runs.
fn demo_clock(snapshot: &Snapshot, now: chrono::DateTime<chrono::Utc>) -> chrono::Duration {
    let by = (now - chrono::Duration::minutes(1)) - snapshot.saved_at;
    // Whole minutes, so that the demo's times read as round as the generator wrote them.
    chrono::Duration::minutes(by.num_minutes())
}

/// Moves every time of a run's own (when it was saved and read, each request's time, in its
/// CloudTrail event too) by `by`. Dates the organization holds (when an account joined) stay.
fn shift_times(snapshot: &mut Snapshot, by: chrono::Duration) {
    snapshot.saved_at += by;
    if let Some(identity) = &mut snapshot.identity_center {
        identity.read_at = identity.read_at.map(|t| t + by);
        for usage in &mut identity.usage {
            usage.read_at += by;
            usage.last_used = usage.last_used.map(|t| t + by);
        }
    }
    for attempt in &mut snapshot.assignments {
        attempt.event_time = attempt.event_time.map(|t| t + by);
        if let Some(raw) = &mut attempt.raw_event {
            *raw = shift_event_time(raw.raw(), by).into();
        }
    }
}

/// `raw` (a CloudTrail event's JSON, perhaps cut short) with its `"eventTime":"…"` moved by `by`.
fn shift_event_time(raw: &str, by: chrono::Duration) -> String {
    const KEY: &str = "\"eventTime\":\"";
    let Some(at) = raw.find(KEY).map(|i| i + KEY.len()) else { return raw.to_string() };
    let Some(len) = raw[at..].find('"') else { return raw.to_string() };
    match chrono::DateTime::parse_from_rfc3339(&raw[at..at + len]) {
        Ok(time) => {
            let moved = (time.with_timezone(&chrono::Utc) + by).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
            format!("{}{moved}{}", &raw[..at], &raw[at + len..])
        }
        Err(_) => raw.to_string(),
    }
}

/// Obviously fake credentials, labelled demo in every field.
fn demo_credentials(request: &AssumeRequest) -> TempCredentials {
    let digits: String = request.account_id.chars().filter(char::is_ascii_digit).collect();
    TempCredentials {
        account_id: request.account_id.clone(),
        role_arn: request.role_arn.clone(),
        access_key_id: format!("ASIADEMO{digits:0>12}"),
        secret_access_key: Secret::new(format!("demo-secret-for-{}-not-a-real-key", request.account_id)),
        session_token: Secret::new(format!("demo-session-token-for-{}-not-valid-anywhere", request.account_id)),
        expiration: chrono::Utc::now() + chrono::Duration::seconds(i64::from(request.duration_seconds)),
        chained: false,
        demo: true,
        sso_role: None,
    }
}

/// The demo's own Identity Center sign-in: you are signed in as [`DEMO_USER`], and the portal
/// offers you what the demo's access map gives her (her assignments and her groups'), each
/// permission set a role. Its credentials are as made up as the demo's others.
pub struct DemoPortal {
    accounts: Vec<crate::model::portal::PortalAccount>,
}

/// The user the demo is signed in as.
pub const DEMO_USER: &str = "alex.kim@example.com";

impl DemoPortal {
    pub fn new() -> Result<DemoPortal, SourceError> {
        let snapshot = Snapshot::from_json(DEMO_JSON, "the demo")?;
        let Some(identity) = &snapshot.identity_center else { return Ok(DemoPortal { accounts: Vec::new() }) };
        let names: BTreeMap<String, Text> = snapshot.org.accounts().map(|a| (a.id.clone(), a.name.clone())).collect();
        let place = |id: &str| names.get(id).map(|name| (name.clone(), Vec::new()));
        let principal = identity.find_principal(DEMO_USER).ok();
        let mut roles: BTreeMap<String, Vec<Text>> = BTreeMap::new();
        for row in identity.rows(principal.as_ref(), &place) {
            roles.entry(row.account_id.raw().to_string()).or_default().push(row.permission_set_name.clone());
        }
        let accounts = roles
            .into_iter()
            .map(|(account_id, mut roles)| {
                roles.sort();
                roles.dedup();
                let account_name = names.get(&account_id).cloned().unwrap_or_else(|| Text::from(account_id.as_str()));
                crate::model::portal::PortalAccount { account_id, account_name, roles, error: None }
            })
            .collect();
        Ok(DemoPortal { accounts })
    }
}

#[async_trait]
impl super::portal::Portal for DemoPortal {
    fn label(&self) -> String {
        format!("{DEMO_USER}, the demo's sign-in")
    }

    fn sign_in(&self) -> super::portal::SignIn {
        super::portal::SignIn {
            session: Some("orgscope-demo".into()),
            profile: "default".into(),
            start_url: "https://orgscope-demo.awsapps.com/start".into(),
            region: "us-east-1".into(),
            scopes: vec![super::portal::DEFAULT_SCOPE.into()],
        }
    }

    async fn account_list(&self) -> Result<Vec<(String, Text)>, super::portal::PortalError> {
        Ok(self.accounts.iter().map(|a| (a.account_id.clone(), a.account_name.clone())).collect())
    }

    async fn roles(&self, account_id: &str) -> Result<Vec<Text>, super::portal::PortalError> {
        Ok(self.accounts.iter().find(|a| a.account_id == account_id).map(|a| a.roles.clone()).unwrap_or_default())
    }

    async fn accounts(
        &self,
        found: super::portal::PortalFn,
    ) -> Result<Vec<crate::model::portal::PortalAccount>, super::portal::PortalError> {
        for account in &self.accounts {
            found(account);
        }
        Ok(self.accounts.clone())
    }

    async fn credentials(&self, account_id: &str, role: &str) -> Result<TempCredentials, super::portal::PortalError> {
        let offered = self
            .accounts
            .iter()
            .find(|a| a.account_id == account_id)
            .is_some_and(|a| a.roles.iter().any(|r| r.raw() == role));
        if !offered {
            return Err(super::portal::PortalError::Choice(format!(
                "the demo's sign-in holds no role {} in {account_id}",
                crate::text::visible(role)
            )));
        }
        let request = AssumeRequest {
            account_id: account_id.to_string(),
            role_arn: format!(
                "arn:aws:sts::{account_id}:assumed-role/AWSReservedSSO_{role}_0123456789abcdef/{DEMO_USER}"
            ),
            session_name: DEMO_USER.to_string(),
            external_id: None,
            duration_seconds: 3600,
            mfa: None,
        };
        let mut credentials = demo_credentials(&request);
        credentials.sso_role = Some(role.to_string());
        Ok(credentials)
    }
}
