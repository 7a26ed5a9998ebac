//! What the access probe found for an account: the contract's `status` and `reason` codes.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The probe's verdict on one account, as `orgscope probe --format json` reports it
/// (minus the account's own id, name and OU path, which come from the tree).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProbeOutcome {
    pub status: ProbeStatus,
    pub reason: Option<Reason>,
    /// The role tried last (the one that worked, for a reachable account).
    pub role_arn: Option<String>,
    /// AWS's own words, exactly as returned.
    pub message: Option<crate::text::Text>,
    /// The diagnosis and the fix.
    pub hint: Option<crate::text::Text>,
    /// The exact cause of a block, when something orgscope could read tells.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cause: Option<super::cause::Cause>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<Box<super::cause::Evidence>>,
    /// Blocked on purpose: the config's `expected_blocked` reason for the account or its OU.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected: Option<crate::text::Text>,
}

impl Default for ProbeOutcome {
    /// An error with nothing known, to be filled in.
    fn default() -> ProbeOutcome {
        ProbeOutcome {
            status: ProbeStatus::Error,
            reason: None,
            role_arn: None,
            message: None,
            hint: None,
            cause: None,
            evidence: None,
            expected: None,
        }
    }
}

impl ProbeOutcome {
    /// Blocked, and not on purpose: what `n`, the red counts and `--fail-on-blocked` count.
    pub fn unexpectedly_blocked(&self) -> bool {
        self.status == ProbeStatus::Blocked && self.expected.is_none()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProbeStatus {
    Reachable,
    Blocked,
    Skipped,
    Error,
}

/// Why an account is not plainly reachable through a role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    AccessDenied,
    ExplicitDeny,
    CallerNotPermitted,
    RegionDisabled,
    CallerTokenExpired,
    CallerTokenInvalid,
    AccountSuspended,
    Throttled,
    Network,
    CallerAccount,
}

impl Reason {
    pub fn code(self) -> &'static str {
        match self {
            Reason::AccessDenied => "access_denied",
            Reason::ExplicitDeny => "explicit_deny",
            Reason::CallerNotPermitted => "caller_not_permitted",
            Reason::RegionDisabled => "region_disabled",
            Reason::CallerTokenExpired => "caller_token_expired",
            Reason::CallerTokenInvalid => "caller_token_invalid",
            Reason::AccountSuspended => "account_suspended",
            Reason::Throttled => "throttled",
            Reason::Network => "network",
            Reason::CallerAccount => "caller_account",
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl ProbeStatus {
    pub fn code(self) -> &'static str {
        match self {
            ProbeStatus::Reachable => "reachable",
            ProbeStatus::Blocked => "blocked",
            ProbeStatus::Skipped => "skipped",
            ProbeStatus::Error => "error",
        }
    }
}

/// A service control policy attached somewhere on an account's path (for the explicit-deny hint).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachedPolicy {
    pub id: String,
    pub name: crate::text::Text,
    /// The root, OU or account it is attached to (its name).
    pub target: crate::text::Text,
}

/// What the UI knows of an account's access at a moment.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum AccessState {
    /// Not probed (yet).
    #[default]
    Unknown,
    Probing,
    Probed(ProbeOutcome),
}

impl AccessState {
    pub fn is_blocked(&self) -> bool {
        matches!(self, AccessState::Probed(ProbeOutcome { status: ProbeStatus::Blocked, .. }))
    }

    /// Blocked and not on purpose: drawn red, counted on its OUs, what `n`/`N` jump to.
    pub fn is_red(&self) -> bool {
        self.outcome().is_some_and(ProbeOutcome::unexpectedly_blocked)
    }

    /// Blocked on purpose (the config's `expected_blocked`).
    pub fn is_expected_block(&self) -> bool {
        self.is_blocked() && self.outcome().is_some_and(|o| o.expected.is_some())
    }

    pub fn outcome(&self) -> Option<&ProbeOutcome> {
        match self {
            AccessState::Probed(outcome) => Some(outcome),
            _ => None,
        }
    }
}

#[cfg(test)]
impl AccessState {
    /// Blocked with `access_denied` and nothing else known, for tests.
    pub(crate) fn blocked_fixture() -> AccessState {
        AccessState::Probed(ProbeOutcome {
            status: ProbeStatus::Blocked,
            reason: Some(Reason::AccessDenied),
            role_arn: None,
            message: None,
            hint: None,
            ..ProbeOutcome::default()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reason_serializes_as_its_contract_code() {
        for reason in [
            Reason::AccessDenied,
            Reason::ExplicitDeny,
            Reason::CallerNotPermitted,
            Reason::RegionDisabled,
            Reason::CallerTokenExpired,
            Reason::CallerTokenInvalid,
            Reason::AccountSuspended,
            Reason::Throttled,
            Reason::Network,
            Reason::CallerAccount,
        ] {
            assert_eq!(serde_json::to_value(reason).ok(), Some(serde_json::Value::from(reason.code())));
        }
    }
}
