//! One Identity Center `CreateAccountAssignment` attempt and what became of it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The contract's `assignments` row, plus the raw CloudTrail event for the detail view.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AssignmentAttempt {
    pub event_id: String,
    pub event_time: Option<DateTime<Utc>>,
    pub actor: Option<String>,
    pub request_id: Option<String>,
    pub instance_arn: Option<String>,
    pub account_id: Option<String>,
    pub account_name: Option<String>,
    pub permission_set_arn: Option<String>,
    pub permission_set_name: Option<String>,
    pub principal_type: Option<String>,
    pub principal_id: Option<String>,
    /// The user's or group's name from the Identity Store, when the caller may read it. Not part
    /// of the `assignments` JSON contract; shown in the text output and the TUI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub principal_name: Option<String>,
    pub status: AssignmentStatus,
    pub failure_reason: Option<String>,
    pub error_code: Option<String>,
    pub hint: Option<String>,
    /// The event as CloudTrail stored it; kept so an unparseable event can still be read.
    #[serde(default)]
    pub raw_event: Option<String>,
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
