//! Where the organization comes from: AWS through the SDK ([`aws::AwsSource`]), or a saved
//! snapshot / the embedded demo ([`snapshot::SnapshotSource`]). Nothing else touches the AWS SDK.

pub mod aws;
pub mod snapshot;

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;

use crate::model::{Org, ProbeOutcome, Snapshot};

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
    async fn account_tags(&self, account_id: &str) -> Result<BTreeMap<String, String>, SourceError>;

    /// Probe outcomes the source already holds (a snapshot's); empty for a live source.
    fn saved_access(&self) -> BTreeMap<String, ProbeOutcome> {
        BTreeMap::new()
    }

    /// The whole saved run, for sources that are one.
    fn saved_snapshot(&self) -> Option<&Snapshot> {
        None
    }
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
    CredentialsUnavailable(String),
    #[error(
        "the AWS credentials have expired or are not valid ({code}: {message}): log in again (for example `aws sso login`), pick another profile with --profile, or try --demo"
    )]
    CredentialsExpired { code: String, message: String },
    #[error(
        "account {account} is not a member of an AWS organization: pick a profile for the management account or a delegated administrator with --profile, or try --demo"
    )]
    NotInOrganization { account: String },
    #[error(
        "{arn} may not call {action} ({message}): use the management account or a delegated administrator with --profile, or try --demo"
    )]
    AccessDenied { arn: String, action: &'static str, message: String },
    #[error("{action} failed: {code}: {message}")]
    Service { action: &'static str, code: String, message: String },
    #[error("{action} could not reach AWS: {message}")]
    Network { action: &'static str, message: String },
    #[error("{0}")]
    Snapshot(#[from] crate::model::SnapshotError),
    #[error("could not read {path}: {message}")]
    Io { path: String, message: String },
}
