//! One Identity Center request — an account assignment created or deleted, a permission set
//! provisioned — and what became of it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::text::Text;

/// Which Identity Center write a row is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Operation {
    /// `CreateAccountAssignment` (what every earlier snapshot holds).
    #[default]
    Create,
    /// `DeleteAccountAssignment`.
    Delete,
    /// `ProvisionPermissionSet`.
    Provision,
}

impl Operation {
    pub const ALL: [Operation; 3] = [Operation::Create, Operation::Delete, Operation::Provision];

    /// `create`, `delete`, `provision`: the contract's word.
    pub fn code(self) -> &'static str {
        match self {
            Operation::Create => "create",
            Operation::Delete => "delete",
            Operation::Provision => "provision",
        }
    }

    /// The API call (and CloudTrail event name) that makes such a request.
    pub fn api(self) -> &'static str {
        match self {
            Operation::Create => "CreateAccountAssignment",
            Operation::Delete => "DeleteAccountAssignment",
            Operation::Provision => "ProvisionPermissionSet",
        }
    }

    pub fn from_api(name: &str) -> Option<Operation> {
        Operation::ALL.into_iter().find(|op| op.api() == name)
    }

    pub fn from_code(code: &str) -> Option<Operation> {
        Operation::ALL.into_iter().find(|op| op.code() == code)
    }
}

/// The contract's `assignments` row, plus the raw CloudTrail event for the detail view.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AssignmentAttempt {
    /// CloudTrail's event id; None for a request only Identity Center's status APIs listed.
    pub event_id: Option<Text>,
    /// When the request was made: CloudTrail's event time, else the status API's `CreatedDate`.
    pub event_time: Option<DateTime<Utc>>,
    #[serde(default)]
    pub operation: Operation,
    pub actor: Option<Text>,
    pub request_id: Option<Text>,
    pub instance_arn: Option<Text>,
    pub account_id: Option<Text>,
    pub account_name: Option<Text>,
    pub permission_set_arn: Option<Text>,
    pub permission_set_name: Option<Text>,
    pub principal_type: Option<Text>,
    pub principal_id: Option<Text>,
    /// The user's (`UserName`) or group's (`DisplayName`) name from the Identity Store, when the
    /// caller may read it.
    #[serde(default)]
    pub principal_name: Option<Text>,
    pub status: AssignmentStatus,
    pub failure_reason: Option<Text>,
    pub error_code: Option<Text>,
    pub hint: Option<Text>,
    /// `AWS_ACCOUNT`, or `ALL_PROVISIONED_ACCOUNTS` for a provisioning of every account; what a
    /// retry sends again. Not in the `assignments` JSON contract.
    #[serde(default)]
    pub target_type: Option<Text>,
    /// The event as CloudTrail stored it; kept so an unparseable event can still be read.
    #[serde(default)]
    pub raw_event: Option<Text>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AssignmentStatus {
    Succeeded,
    Failed,
    InProgress,
    ApiError,
    Unknown,
}

impl AssignmentStatus {
    /// FAILED, API_ERROR and UNKNOWN: what `--failed`, `f` and `C` keep.
    pub fn is_failure(self) -> bool {
        matches!(self, AssignmentStatus::Failed | AssignmentStatus::ApiError | AssignmentStatus::Unknown)
    }

    pub fn code(self) -> &'static str {
        match self {
            AssignmentStatus::Succeeded => "SUCCEEDED",
            AssignmentStatus::Failed => "FAILED",
            AssignmentStatus::InProgress => "IN_PROGRESS",
            AssignmentStatus::ApiError => "API_ERROR",
            AssignmentStatus::Unknown => "UNKNOWN",
        }
    }
}

/// Names the accounts of `attempts` that have no name yet, from the organization's tree.
pub fn name_accounts(attempts: &mut [AssignmentAttempt], org: &crate::model::Org) {
    use crate::text::RawText;
    let names: std::collections::HashMap<&str, &Text> = org.accounts().map(|a| (a.id.as_str(), &a.name)).collect();
    for attempt in attempts.iter_mut().filter(|a| a.account_name.is_none()) {
        attempt.account_name = attempt.account_id.raw().and_then(|id| names.get(id)).map(|n| (*n).clone());
    }
}

impl AssignmentAttempt {
    /// A row with nothing known but its operation: what parsing and the status APIs fill in.
    pub fn empty(operation: Operation) -> AssignmentAttempt {
        AssignmentAttempt {
            event_id: None,
            event_time: None,
            operation,
            actor: None,
            request_id: None,
            instance_arn: None,
            account_id: None,
            account_name: None,
            permission_set_arn: None,
            permission_set_name: None,
            principal_type: None,
            principal_id: None,
            principal_name: None,
            status: AssignmentStatus::Unknown,
            failure_reason: None,
            error_code: None,
            hint: None,
            target_type: None,
            raw_event: None,
        }
    }

    /// What identifies the row across runs and views: the request id, else the event id.
    pub fn key(&self) -> Option<&Text> {
        self.request_id.as_ref().or(self.event_id.as_ref())
    }

    /// Whether `R` / `assignments retry` can send this request again: a FAILED request whose
    /// parameters are known.
    pub fn retryable(&self) -> Result<(), &'static str> {
        if self.request_id.is_none() {
            return Err(
                "the call itself was refused, so no request exists to retry: fix the caller's permissions and make it again",
            );
        }
        if self.status != AssignmentStatus::Failed {
            return Err("only a FAILED request is retried");
        }
        let assignment = self.operation != Operation::Provision;
        if self.instance_arn.is_none()
            || self.permission_set_arn.is_none()
            || (assignment
                && (self.account_id.is_none() || self.principal_type.is_none() || self.principal_id.is_none()))
        {
            return Err("the request's parameters are not all known, so it cannot be sent again as it was");
        }
        Ok(())
    }
    /// "name (id)", the id alone, or None: the account as a person reads it (visible form).
    pub fn account_label(&self) -> Option<String> {
        match (&self.account_name, &self.account_id) {
            (Some(name), Some(id)) => Some(format!("{name} ({id})")),
            (None, Some(id)) => Some(id.to_string()),
            _ => None,
        }
    }

    /// The permission set's name, else the last part of its ARN (visible form).
    pub fn permission_set_label(&self) -> Option<String> {
        match (&self.permission_set_name, &self.permission_set_arn) {
            (Some(name), _) => Some(name.to_string()),
            (None, Some(arn)) => Some(Text::from(arn.raw().rsplit('/').next().unwrap_or_default()).to_string()),
            _ => None,
        }
    }

    /// "group Admins", "user g-1…": the principal's kind and name (else id), visible form.
    pub fn principal_label(&self) -> Option<String> {
        let kind = self.principal_type.as_ref()?;
        let who = self.principal_name.as_ref().or(self.principal_id.as_ref())?;
        Some(format!("{} {who}", Text::from(kind.raw().to_lowercase())))
    }
}
