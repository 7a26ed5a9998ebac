//! Where the organization comes from: AWS through the SDK ([`aws::AwsSource`]), or a saved
//! snapshot / the embedded demo ([`snapshot::SnapshotSource`]). Nothing else touches the AWS SDK.

pub mod aws;
pub mod event;
pub mod portal;
pub mod snapshot;

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;

use crate::model::AttachedPolicy;
use crate::model::{AssignmentAttempt, Operation, Org, ProbeOutcome, Reason, Snapshot, TempCredentials, Text};

/// How far discovery has got, reported as pages arrive.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DiscoveryProgress {
    /// OUs (and roots) whose listing has finished, successfully or not.
    pub parents_listed: usize,
    /// OUs (and roots) known so far.
    pub parents_known: usize,
    pub accounts_found: usize,
    /// Throttled calls so far (each one retried after a backoff).
    pub throttled: u64,
}

pub type ProgressFn = Arc<dyn Fn(DiscoveryProgress) + Send + Sync>;

/// Which Identity Center requests to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssignmentQuery {
    pub start: chrono::DateTime<chrono::Utc>,
    pub end: chrono::DateTime<chrono::Utc>,
    /// Identity Center's region; None: the profile's `sso_region`, else the source's region.
    pub sso_region: Option<String>,
    /// Where final statuses are cached between runs; None: no cache.
    pub cache_path: Option<std::path::PathBuf>,
    /// The operations to read; empty: all three.
    pub only: Vec<Operation>,
}

impl AssignmentQuery {
    /// Every operation in the window, no cache, the default region.
    pub fn new(start: chrono::DateTime<chrono::Utc>, end: chrono::DateTime<chrono::Utc>) -> AssignmentQuery {
        AssignmentQuery { start, end, sso_region: None, cache_path: None, only: Vec::new() }
    }

    /// The operations asked for, in the contract's order, each once.
    pub fn operations(&self) -> Vec<Operation> {
        Operation::ALL.into_iter().filter(|op| self.only.is_empty() || self.only.contains(op)).collect()
    }
}

/// How to read Identity Center's access map.
#[derive(Clone, Default)]
pub struct AccessQuery {
    /// Identity Center's region; None: the profile's `sso_region`, else the source's region.
    pub sso_region: Option<String>,
    /// Where the map is kept between runs, to be refreshed from CloudTrail instead of read whole;
    /// None: read it whole and keep nothing.
    pub cache_path: Option<std::path::PathBuf>,
    /// Ways into member accounts, to read customer-managed policies and when each permission
    /// set's role was last used; None: neither is read (levels of sets without customer-managed
    /// policies are still decided).
    pub footholds: Option<Arc<dyn Footholds>>,
}

impl std::fmt::Debug for AccessQuery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessQuery")
            .field("sso_region", &self.sso_region)
            .field("cache_path", &self.cache_path)
            .field("footholds", &self.footholds.is_some())
            .finish()
    }
}

impl PartialEq for AccessQuery {
    fn eq(&self, other: &AccessQuery) -> bool {
        let same_footholds = match (&self.footholds, &other.footholds) {
            (Some(a), Some(b)) => Arc::ptr_eq(a, b),
            (a, b) => a.is_none() && b.is_none(),
        };
        self.sso_region == other.sso_region && self.cache_path == other.cache_path && same_footholds
    }
}

impl AccessQuery {
    /// A whole read in `sso_region`, no cache.
    pub fn region(sso_region: Option<&str>) -> AccessQuery {
        AccessQuery { sso_region: sso_region.map(str::to_string), ..AccessQuery::default() }
    }
}

/// How to read IAM inside a member account.
#[derive(Clone)]
pub enum Way {
    /// The account is your own: your own credentials.
    Own,
    /// A role there: the probe's, or one of your Identity Center sign-in.
    Role(TempCredentials),
}

/// Ways into member accounts, found by whoever holds them (the probe).
#[async_trait]
pub trait Footholds: Send + Sync {
    /// A way into `account_id`, None when there is none.
    async fn way_in(&self, account_id: &str) -> Option<Way>;
}

/// What reading the requests gave: the rows, and a sentence for each record that could not be read
/// (CloudTrail, the status APIs) while the other still answered.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AssignmentsRead {
    pub attempts: Vec<AssignmentAttempt>,
    pub unavailable: Vec<Text>,
}

/// How far reading assignments has got.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AssignmentProgress {
    pub pages: usize,
    pub events: usize,
    pub to_describe: usize,
    pub described: usize,
    pub throttled: u64,
}

pub type AssignmentProgressFn = Arc<dyn Fn(AssignmentProgress) + Send + Sync>;

/// One `sts:AssumeRole` call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssumeRequest {
    pub account_id: String,
    pub role_arn: String,
    pub session_name: String,
    pub external_id: Option<String>,
    pub duration_seconds: i32,
    /// MFA device serial and the current code.
    pub mfa: Option<(String, String)>,
}

/// Why an `sts:AssumeRole` call failed: the contract's reason, AWS's code and exact message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssumeFailure {
    pub reason: Reason,
    pub code: String,
    pub message: crate::text::Text,
    /// The policy type AWS named in an access-denied message.
    pub policy_type: Option<String>,
}

/// A source of organization data.
#[async_trait]
pub trait Source: Send + Sync {
    /// One line for the status bar: where the data comes from.
    fn label(&self) -> String;

    /// The region the run works in, when one applies.
    fn region(&self) -> Option<String>;

    /// Reads the whole organization tree.
    async fn discover(&self, progress: ProgressFn) -> Result<Org, SourceError>;

    /// The tags of one account.
    async fn account_tags(&self, account_id: &str) -> Result<BTreeMap<Text, Text>, SourceError>;

    /// Identity Center requests in the window (assignments created and deleted, permission sets
    /// provisioned), newest first, each with its outcome. Account names and hints are left to the
    /// caller (from the tree and `remedy`).
    async fn assignments(
        &self,
        query: &AssignmentQuery,
        progress: AssignmentProgressFn,
    ) -> Result<AssignmentsRead, SourceError>;

    /// Identity Center's access map: permission sets and where each is provisioned, every account
    /// assignment, and the Identity Store's users, groups and memberships.
    async fn identity_center(&self, query: &AccessQuery)
    -> Result<crate::model::identity::IdentityCenter, SourceError>;
    /// What one user or group (`wanted`: a name or an id) reaches, read without the whole map
    /// where the source can: the principal, a user's groups and their assignments, the names and
    /// provisioning of what those name. When nothing matches, the map holds every user and group
    /// (for the close matches).
    async fn principal_access(
        &self,
        query: &AccessQuery,
        _wanted: &str,
    ) -> Result<crate::model::identity::IdentityCenter, SourceError> {
        self.identity_center(query).await
    }

    /// One request by its id, with its parameters and status; `None` when Identity Center does
    /// not know it.
    async fn assignment_request(
        &self,
        sso_region: Option<&str>,
        request_id: &str,
    ) -> Result<Option<AssignmentAttempt>, SourceError>;

    /// The one write: sends a FAILED request again with the same parameters and follows the new
    /// request to its final status. Callers ask the user first.
    async fn retry_assignment(
        &self,
        sso_region: Option<&str>,
        attempt: &AssignmentAttempt,
    ) -> Result<AssignmentAttempt, SourceError>;

    /// Who is calling: the caller's ARN, as cheaply as the source can tell (one
    /// `sts:GetCallerIdentity` for AWS), for switching role without reading the organization.
    async fn caller_arn(&self) -> Result<String, SourceError> {
        Ok(self.discover(Arc::new(|_| {})).await?.caller.arn)
    }

    /// The organization's management account, as cheaply as the source can tell.
    async fn management_account_id(&self) -> Result<String, SourceError> {
        Ok(self.discover(Arc::new(|_| {})).await?.organization.management_account_id)
    }

    /// Assumes a role. Throttling is retried inside; what comes back is final.
    async fn assume(&self, request: &AssumeRequest) -> Result<TempCredentials, AssumeFailure>;

    /// The service control policies attached to each of `targets` (`(id, name)` of the root, the
    /// OUs and the account), FullAWSAccess left out. Best effort: a target that cannot be read is
    /// left out.
    /// The control policies of `kind` attached to `target` (a root, OU or account id) with their
    /// documents, each read once per run; Err says why they could not be read.
    async fn control_policies(
        &self,
        _kind: crate::model::ControlKind,
        _target: &str,
    ) -> Result<Vec<crate::model::ControlPolicy>, String> {
        Err("a saved run holds no policy documents".into())
    }

    /// The trust policy of `role` in the account `via` stands in (a foothold's credentials),
    /// decoded; Ok(None) when the role does not exist; Err says why it could not be read.
    async fn trust_policy(&self, _via: &TempCredentials, _role: &str) -> Result<Option<String>, String> {
        Err("a saved run cannot read roles".into())
    }

    /// `fix`'s first repair: creates `role` in the account `via` stands in, trusting `trust`,
    /// with `policy_arn` attached.
    async fn create_role(
        &self,
        _via: &TempCredentials,
        _role: &str,
        _trust: &str,
        _policy_arn: &str,
    ) -> Result<(), String> {
        Err("a saved run cannot be changed".into())
    }

    /// What the caller's own IAM policies decide for `sts:AssumeRole` on `role_arn`
    /// (`iam:SimulatePrincipalPolicy` on the caller's own user or role).
    async fn simulate_caller(&self, _caller_arn: &str, _role_arn: &str) -> Result<CallerVerdict, String> {
        Err("a saved run cannot read policies".into())
    }

    /// `fix --stackset`: the StackSet installing `deployment.role` in its accounts, followed to the
    /// end (`progress` hears each step); every account's result.
    async fn deploy_access_role(
        &self,
        _deployment: &Deployment,
        _progress: &(dyn Fn(String) + Send + Sync),
    ) -> Result<Vec<InstanceResult>, String> {
        Err("a saved run cannot be changed".into())
    }

    /// `fix`'s second repair: replaces `role`'s trust policy with `trust`.
    async fn update_trust(&self, _via: &TempCredentials, _role: &str, _trust: &str) -> Result<(), String> {
        Err("a saved run cannot be changed".into())
    }

    async fn attached_scps(&self, _targets: &[(String, crate::model::Text)]) -> Vec<AttachedPolicy> {
        Vec::new()
    }

    /// Why this source cannot reach AWS, naming it ("snapshot org.json"), for sources that hold a
    /// saved run: switching role, probing again and fixing need AWS and refuse in one sentence.
    /// None for a live source and for the demo, which plays those parts itself.
    fn saved_run(&self) -> Option<String> {
        None
    }

    /// The saved verdict on an account, for sources that replay one instead of calling AWS.
    fn saved_outcome(&self, _account_id: &str) -> Option<ProbeOutcome> {
        None
    }

    /// Probe outcomes the source already holds (a snapshot's); empty for a live source.
    fn saved_access(&self) -> BTreeMap<String, ProbeOutcome> {
        BTreeMap::new()
    }

    /// The whole saved run, for sources that are one.
    fn saved_snapshot(&self) -> Option<&Snapshot> {
        None
    }

    /// The run before this one, when the source ships one (the demo's, to show what changed).
    fn previous_snapshot(&self) -> Option<Snapshot> {
        None
    }
}

/// What `fix --stackset` deploys: `role` trusting `trusted_account`, in `accounts` (`(account id,
/// parent OU or root id)`), through one region's StackSet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deployment {
    pub role: String,
    pub trusted_account: String,
    pub region: String,
    pub accounts: Vec<(String, String)>,
}

/// What the caller's own policies decide for one action on one resource
/// (`iam:SimulatePrincipalPolicy`): `allowed`, `explicitDeny` or `implicitDeny`, and the policy
/// whose statement decided (None for an implicit deny).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallerVerdict {
    pub decision: String,
    pub policy_id: Option<String>,
    pub policy_type: Option<String>,
}

/// One account's stack instance after the deployment: installed, or CloudFormation's reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceResult {
    pub account_id: String,
    pub result: Result<(), String>,
}

/// Failures that stop a whole command. Each message says what to do next.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error(
        "no AWS credentials were found: log in (for example `aws sso login`), pick a profile with --profile, or try orgscope on its demo organization with --demo"
    )]
    NoCredentials,
    #[error(
        "the AWS credentials could not be loaded ({0}): log in again (for example `aws sso login`), pick another profile with --profile, or try --demo"
    )]
    CredentialsUnavailable(crate::text::Text),
    #[error("the profile {} does not exist in {files}: {}", crate::text::visible(name), known_profiles(known))]
    UnknownProfile { name: String, files: String, known: Vec<String> },
    #[error(
        "the AWS credentials have expired or are not valid ({code}: {message}): log in again (for example `aws sso login`), pick another profile with --profile, or try --demo"
    )]
    CredentialsExpired { code: String, message: crate::text::Text },
    #[error(
        "account {account} is not a member of an AWS organization: pick a profile for the management account or a delegated administrator with --profile, or try --demo"
    )]
    NotInOrganization { account: String },
    #[error(
        "{arn} may not call {action} ({message}): use the management account or a delegated administrator with --profile, or try --demo"
    )]
    AccessDenied { arn: String, action: &'static str, message: crate::text::Text },
    #[error("{action} failed: {code}: {message}")]
    Service { action: &'static str, code: crate::text::Text, message: crate::text::Text },
    #[error("{action} could not reach AWS: {message}")]
    Network { action: &'static str, message: crate::text::Text },
    #[error("{0}")]
    Snapshot(#[from] crate::model::SnapshotError),
    #[error("could not read {path}: {message}")]
    Io { path: String, message: String },
    /// The source will not do what was asked (a retry from a snapshot, of a request that cannot
    /// be sent again); the sentence says why.
    #[error("{0}")]
    Refused(String),
}

/// The profiles that exist, for an unknown one's message.
fn known_profiles(known: &[String]) -> String {
    if known.is_empty() {
        return "no profile is defined there; run `aws configure` (or `aws configure sso`), or try --demo".to_string();
    }
    let names: Vec<String> = known.iter().map(|n| crate::text::visible(n).into_owned()).collect();
    format!("the profiles that exist are {}; pick one with --profile", names.join(", "))
}
