//! The live source: the official AWS SDK for Rust, configured through `aws-config`'s default chain.

mod assignments;
pub(crate) mod classify;
mod discovery;
pub mod errors;
mod iam;
pub mod identity;
pub mod pace;
mod paging;
mod policies;
pub mod portal;
pub mod retry;
pub mod shared_config;
mod stackset;
mod sts;

use std::collections::BTreeMap;
use std::time::Duration;

use async_trait::async_trait;
use aws_config::meta::region::RegionProviderChain;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::provider::ProvideCredentials;
use aws_credential_types::provider::error::CredentialsError;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use self::pace::Api;
use self::retry::{CallStats, Caller, RetryPolicy};
use super::{
    AccessQuery, AssignmentProgressFn, AssignmentQuery, AssignmentsRead, AssumeFailure, AssumeRequest, ProgressFn,
    Source, SourceError,
};
use crate::model::AttachedPolicy;
use crate::model::identity::IdentityCenter;
use crate::model::{AssignmentAttempt, ListingError, Org, TempCredentials, Text};

/// Organizations is a global service homed in us-east-1; used when no region is configured.
pub const FALLBACK_REGION: &str = "us-east-1";

/// How to reach AWS, from the global flags.
#[derive(Debug, Clone, Default)]
pub struct AwsOptions {
    pub profile: Option<String>,
    pub region: Option<String>,
    pub endpoint_url: Option<String>,
    pub concurrency: usize,
    pub retry: RetryPolicy,
    /// Explicit credentials instead of the default chain (tests and benchmarks use this).
    pub credentials: Option<aws_credential_types::Credentials>,
    /// How long one attempt may take before it is abandoned and retried (default 30 s).
    pub attempt_timeout: Option<Duration>,
}

pub struct AwsSource {
    profile: Option<String>,
    region: String,
    /// The loaded configuration, for clients in other regions (Identity Center's).
    config: SdkConfig,
    /// `sso_region` of the profile (or of its `sso-session`), Identity Center's default region.
    profile_sso_region: Option<String>,
    organizations: aws_sdk_organizations::Client,
    sts: aws_sdk_sts::Client,
    calls: Caller,
    /// The caller's ARN, read once (by discovery, or by the first AssumeRole).
    caller_arn: tokio::sync::OnceCell<String>,
    /// Control policies and their documents, for causes.
    policies: policies::PolicyCache,
}

impl AwsSource {
    /// Loads the configuration and checks that credentials resolve, so that a missing login is one
    /// clear sentence instead of an error from the first call.
    pub async fn connect(options: AwsOptions) -> Result<AwsSource, SourceError> {
        check_profile(options.profile.as_deref())?;
        let config = load_config(&options).await;
        check_credentials(&config).await?;
        let region = config.region().map(|r| r.to_string()).unwrap_or_else(|| FALLBACK_REGION.to_string());
        let profile_sso_region = profile_sso_region(options.profile.as_deref());
        Ok(AwsSource {
            profile: options.profile,
            region,
            profile_sso_region,
            organizations: aws_sdk_organizations::Client::new(&config),
            sts: aws_sdk_sts::Client::new(&config),
            calls: Caller::new(options.concurrency, options.retry),
            caller_arn: tokio::sync::OnceCell::new(),
            policies: policies::PolicyCache::default(),
            config,
        })
    }

    /// The caller's ARN, asked of STS once (empty when it cannot be read).
    async fn known_caller_arn(&self) -> &str {
        self.caller_arn
            .get_or_init(|| async {
                match self.calls.call(Api::Sts, || self.sts.get_caller_identity().send()).await {
                    Ok(identity) => identity.arn().unwrap_or_default().to_string(),
                    Err(_) => String::new(),
                }
            })
            .await
    }

    /// True when the caller is itself a role session, so AssumeRole is role chaining (capped at
    /// one hour by AWS).
    async fn caller_is_role_session(&self) -> bool {
        self.known_caller_arn().await.contains(":assumed-role/")
    }

    /// The caller's account id.
    async fn caller_account(&self) -> Option<String> {
        self.known_caller_arn().await.split(':').nth(4).filter(|a| !a.is_empty()).map(str::to_string)
    }

    pub fn stats(&self) -> &std::sync::Arc<CallStats> {
        self.calls.stats()
    }
}

/// The `sso_region` of `profile` (or `AWS_PROFILE`, else `default`) in the shared config file,
/// directly or through its `sso_session`.
fn profile_sso_region(profile: Option<&str>) -> Option<String> {
    shared_config::SharedConfig::load().0.sso_region(&shared_config::profile_name(profile))
}

/// The SDK's own retries are off: [`Caller`] retries with jitter and counts every attempt, so
/// throttling is handled once, in one place.
pub(crate) async fn load_config(options: &AwsOptions) -> SdkConfig {
    let region = RegionProviderChain::first_try(options.region.clone().map(Region::new))
        .or_default_provider()
        .or_else(Region::from_static(FALLBACK_REGION));
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .region(region)
        .retry_config(RetryConfig::standard().with_max_attempts(1))
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(5))
                .read_timeout(options.attempt_timeout.unwrap_or(Duration::from_secs(20)))
                .operation_attempt_timeout(options.attempt_timeout.unwrap_or(Duration::from_secs(30)))
                .build(),
        );
    if let Some(profile) = &options.profile {
        loader = loader.profile_name(profile);
    }
    if let Some(credentials) = &options.credentials {
        loader = loader.credentials_provider(credentials.clone());
    }
    if let Some(url) = &options.endpoint_url {
        loader = loader.endpoint_url(url);
    }
    loader.load().await
}

/// A profile named by `--profile` (or `AWS_PROFILE`) that neither file defines: said as such,
/// with the ones that exist, before the SDK's chain turns it into something vaguer.
fn check_profile(flag: Option<&str>) -> Result<(), SourceError> {
    let named = flag.map(str::to_string).or_else(|| std::env::var("AWS_PROFILE").ok().filter(|p| !p.is_empty()));
    let Some(name) = named else { return Ok(()) };
    let (known, files) = shared_config::profile_names();
    if known.contains(&name) {
        return Ok(());
    }
    let files = files.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(" or ");
    Err(SourceError::UnknownProfile { name, files, known })
}

async fn check_credentials(config: &SdkConfig) -> Result<(), SourceError> {
    let Some(provider) = config.credentials_provider() else {
        return Err(SourceError::NoCredentials);
    };
    match provider.provide_credentials().await {
        Ok(_) => Ok(()),
        Err(CredentialsError::CredentialsNotLoaded(_)) => Err(SourceError::NoCredentials),
        Err(err) => Err(SourceError::CredentialsUnavailable(crate::source::aws::errors::chain(&err).into())),
    }
}

const EXPIRED_OR_INVALID: &[&str] = &[
    "ExpiredToken",
    "ExpiredTokenException",
    "InvalidClientTokenId",
    "UnrecognizedClientException",
    "SignatureDoesNotMatch",
    "InvalidSignatureException",
];

/// Maps the failure of a call the whole run depends on to one actionable sentence.
fn fatal<E: ProvideErrorMetadata + std::error::Error + 'static>(
    action: &'static str,
    caller_arn: &str,
    err: SdkError<E, HttpResponse>,
) -> SourceError {
    let Some(code) = err.code().map(str::to_string) else {
        return SourceError::Network { action, message: crate::source::aws::errors::chain(&err).into() };
    };
    let message = Text::from(err.message().unwrap_or_default());
    match code.as_str() {
        c if EXPIRED_OR_INVALID.contains(&c) => SourceError::CredentialsExpired { code, message },
        "AWSOrganizationsNotInUseException" => SourceError::NotInOrganization { account: account_of_arn(caller_arn) },
        "AccessDenied" | "AccessDeniedException" => {
            SourceError::AccessDenied { arn: caller_arn.to_string(), action, message }
        }
        _ => SourceError::Service { action, code: code.into(), message },
    }
}

/// The account id inside an ARN (`arn:aws:sts::123456789012:assumed-role/…`).
fn account_of_arn(arn: &str) -> String {
    arn.split(':').nth(4).filter(|a| !a.is_empty()).unwrap_or(arn).to_string()
}

/// How an OU's failed listing is shown in place: AWS's code and message, or the transport fault.
fn listing_error<E: ProvideErrorMetadata + std::error::Error + 'static>(
    err: &SdkError<E, HttpResponse>,
) -> ListingError {
    match err.code() {
        Some(code) => ListingError { code: code.into(), message: err.message().unwrap_or_default().into() },
        None => ListingError { code: "NetworkError".into(), message: crate::source::aws::errors::chain(err).into() },
    }
}

fn to_chrono(t: &aws_smithy_types::DateTime) -> Option<chrono::DateTime<chrono::Utc>> {
    chrono::DateTime::from_timestamp(t.secs(), t.subsec_nanos())
}

#[async_trait]
impl Source for AwsSource {
    fn label(&self) -> String {
        match &self.profile {
            Some(profile) => format!("aws profile {profile}"),
            None => "aws".to_string(),
        }
    }

    fn region(&self) -> Option<String> {
        Some(self.region.clone())
    }

    async fn discover(&self, progress: ProgressFn) -> Result<Org, SourceError> {
        discovery::discover(self, progress).await
    }

    async fn assignments(
        &self,
        query: &AssignmentQuery,
        progress: AssignmentProgressFn,
    ) -> Result<AssignmentsRead, SourceError> {
        assignments::assignments(self, query, progress).await
    }

    async fn identity_center(&self, query: &AccessQuery) -> Result<IdentityCenter, SourceError> {
        identity::identity_center(self, query).await
    }

    async fn principal_access(&self, query: &AccessQuery, wanted: &str) -> Result<IdentityCenter, SourceError> {
        identity::principal(self, query, wanted).await
    }

    async fn assignment_request(
        &self,
        sso_region: Option<&str>,
        request_id: &str,
    ) -> Result<Option<AssignmentAttempt>, SourceError> {
        self.find_request(sso_region, request_id).await
    }

    async fn retry_assignment(
        &self,
        sso_region: Option<&str>,
        attempt: &AssignmentAttempt,
    ) -> Result<AssignmentAttempt, SourceError> {
        self.retry_request(sso_region, attempt).await
    }

    async fn management_account_id(&self) -> Result<String, SourceError> {
        let organization = self
            .calls
            .call(Api::Organizations, || self.organizations.describe_organization().send())
            .await
            .map_err(|err| fatal("organizations:DescribeOrganization", "", err))?;
        Ok(organization.organization().and_then(|o| o.master_account_id()).unwrap_or_default().to_string())
    }

    async fn caller_arn(&self) -> Result<String, SourceError> {
        if let Some(arn) = self.caller_arn.get().filter(|arn| !arn.is_empty()) {
            return Ok(arn.clone());
        }
        let identity = self
            .calls
            .call(Api::Sts, || self.sts.get_caller_identity().send())
            .await
            .map_err(|err| fatal("sts:GetCallerIdentity", "", err))?;
        let arn = identity.arn().unwrap_or_default().to_string();
        let _ = self.caller_arn.set(arn.clone());
        Ok(arn)
    }

    async fn assume(&self, request: &AssumeRequest) -> Result<TempCredentials, AssumeFailure> {
        sts::assume(self, request).await
    }

    async fn attached_scps(&self, targets: &[(String, crate::model::Text)]) -> Vec<AttachedPolicy> {
        sts::attached_scps(self, targets).await
    }

    async fn trust_policy(&self, via: &TempCredentials, role: &str) -> Result<Option<String>, String> {
        iam::trust_policy(self, via, role).await
    }

    async fn create_role(
        &self,
        via: &TempCredentials,
        role: &str,
        trust: &str,
        policy_arn: &str,
    ) -> Result<(), String> {
        iam::create_role(self, via, role, trust, policy_arn).await
    }

    async fn update_trust(&self, via: &TempCredentials, role: &str, trust: &str) -> Result<(), String> {
        iam::update_trust(self, via, role, trust).await
    }

    async fn simulate_caller(&self, caller_arn: &str, role_arn: &str) -> Result<crate::source::CallerVerdict, String> {
        iam::simulate_caller(self, caller_arn, role_arn).await
    }

    async fn deploy_access_role(
        &self,
        deployment: &crate::source::Deployment,
        progress: &(dyn Fn(String) + Send + Sync),
    ) -> Result<Vec<crate::source::InstanceResult>, String> {
        stackset::deploy(self, deployment, progress).await
    }

    async fn control_policies(
        &self,
        kind: crate::model::ControlKind,
        target: &str,
    ) -> Result<Vec<crate::model::ControlPolicy>, String> {
        policies::with_documents(self, kind, target).await
    }

    async fn account_tags(&self, account_id: &str) -> Result<BTreeMap<Text, Text>, SourceError> {
        let tags = paging::collect(|token| async move {
            let page = self
                .calls
                .call(Api::Organizations, || {
                    self.organizations
                        .list_tags_for_resource()
                        .resource_id(account_id)
                        .set_next_token(token.clone())
                        .send()
                })
                .await?;
            let tags = page.tags().iter().map(|t| (Text::from(t.key()), Text::from(t.value())));
            Ok((tags.collect(), page.next_token().map(str::to_string)))
        })
        .await
        .map_err(|err| {
            err.into_source("organizations:ListTagsForResource", |err| {
                fatal("organizations:ListTagsForResource", "", err)
            })
        })?;
        Ok(tags.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_is_read_from_the_caller_arn() {
        assert_eq!(account_of_arn("arn:aws:sts::123456789012:assumed-role/Admin/me"), "123456789012");
        assert_eq!(account_of_arn("not-an-arn"), "not-an-arn");
    }
}
