//! Why a blocked account is blocked, exactly, when something orgscope can read tells: the
//! contract's `cause` and its `evidence` (which policy, which statement, read how).

use serde::{Deserialize, Serialize};

use crate::text::Text;

/// The exact cause of a block.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Cause {
    /// The role does not exist in the account.
    RoleMissing,
    /// The role's trust policy trusts someone else.
    TrustExcludesCaller,
    /// The trust wants an external ID and none was sent.
    ExternalIdRequired,
    /// An external ID was sent; the trust wants another.
    ExternalIdMismatch,
    /// The trust wants MFA.
    MfaRequired,
    /// Another condition of the trust policy is not met.
    TrustCondition,
    /// A service control policy on the caller's path denies (or does not allow) `sts:AssumeRole`.
    ScpDeny,
    /// A resource control policy on the account's path denies it.
    RcpDeny,
    /// The caller's own policies do not allow `sts:AssumeRole` on the role.
    CallerPolicy,
    /// Nothing orgscope could read tells (the evidence says what would).
    Unknown,
}

impl Cause {
    pub fn code(self) -> &'static str {
        match self {
            Cause::RoleMissing => "role_missing",
            Cause::TrustExcludesCaller => "trust_excludes_caller",
            Cause::ExternalIdRequired => "external_id_required",
            Cause::ExternalIdMismatch => "external_id_mismatch",
            Cause::MfaRequired => "mfa_required",
            Cause::TrustCondition => "trust_condition",
            Cause::ScpDeny => "scp_deny",
            Cause::RcpDeny => "rcp_deny",
            Cause::CallerPolicy => "caller_policy",
            Cause::Unknown => "unknown",
        }
    }
}

impl std::fmt::Display for Cause {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

/// Where the evidence was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EvidenceSource {
    Role,
    TrustPolicy,
    Scp,
    Rcp,
    CallerPolicy,
}

/// What shows the cause: the policy and its statement, where it is attached, and how it was read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    pub source: Option<EvidenceSource>,
    pub policy_id: Option<Text>,
    pub policy_name: Option<Text>,
    /// The root, OU or account id the policy is attached to (None for a trust policy).
    pub attached_to: Option<String>,
    /// The statement's `Sid`, else its index from 0.
    pub statement: Option<Text>,
    /// `management`, the ARN of the role the foothold used, or `sso:<role name>`.
    pub read_via: Option<Text>,
    /// For `unknown`: what would tell, in a sentence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub missing: Option<String>,
}

/// The two kinds of control policy that can stop `sts:AssumeRole`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ControlKind {
    /// Service control policies: they limit the principals of the accounts below them (the caller).
    Scp,
    /// Resource control policies: they limit the resources of the accounts below them (the role).
    Rcp,
}

impl ControlKind {
    pub fn evidence_source(self) -> EvidenceSource {
        match self {
            ControlKind::Scp => EvidenceSource::Scp,
            ControlKind::Rcp => EvidenceSource::Rcp,
        }
    }
}

/// A control policy attached to a root, OU or account, with its document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ControlPolicy {
    pub id: String,
    pub name: Text,
    /// The policy's JSON, as Organizations returns it (untrusted: parsed, never shown raw).
    pub document: String,
}
