//! One Identity Center `CreateAccountAssignment` attempt and what became of it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::text::Text;

/// The contract's `assignments` row, plus the raw CloudTrail event for the detail view.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AssignmentAttempt {
    pub event_id: Text,
    pub event_time: Option<DateTime<Utc>>,
    pub actor: Option<Text>,
    pub request_id: Option<Text>,
    pub instance_arn: Option<Text>,
    pub account_id: Option<Text>,
    pub account_name: Option<Text>,
    pub permission_set_arn: Option<Text>,
    pub permission_set_name: Option<Text>,
    pub principal_type: Option<Text>,
    pub principal_id: Option<Text>,
    /// The user's or group's name from the Identity Store, when the caller may read it. Not part
    /// of the `assignments` JSON contract; shown in the text output and the TUI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub principal_name: Option<Text>,
    pub status: AssignmentStatus,
    pub failure_reason: Option<Text>,
    pub error_code: Option<Text>,
    pub hint: Option<Text>,
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
