//! What the access means, as read with the map: what each permission set is made of, the policy
//! documents read for it, and when each provisioned role was last used. Plain data; the level is
//! decided in `crate::policy::level`, the reads are in `crate::source::aws::identity::meaning`.

use serde::{Deserialize, Serialize};

use crate::text::Text;

/// Unused means not used in this long (`u` in the TUI, `permission-sets`' `unused_accounts`).
pub const UNUSED_DAYS: i64 = 90;

/// What a permission set is made of: AWS-managed policies (ARNs), customer-managed policies
/// (path and name, read in each account), the inline policy, the permissions boundary.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SetPolicies {
    pub managed: Vec<Text>,
    pub customer_managed: Vec<Text>,
    pub inline: Option<Text>,
    /// An AWS-managed policy's ARN or a customer-managed policy's path and name.
    pub boundary: Option<Text>,
    /// ISO 8601 (`PT8H`).
    pub session_duration: Option<Text>,
    /// Why the boundary could not be read: the level is then decided without it (a boundary
    /// only narrows, so it is the most the set can do) and says so.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub boundary_unread: Option<Text>,
}

/// A policy document read by its ARN, at a version (AWS-managed ones are read once per version).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyDocument {
    pub arn: Text,
    pub version: Text,
    pub document: Text,
}

/// When a permission set's role in an account (`AWSReservedSSO_<name>_<hex>`) was last used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    pub account_id: Text,
    pub permission_set_arn: Text,
    /// None: never used (when `readable`), or not known.
    pub last_used: Option<chrono::DateTime<chrono::Utc>>,
    /// False when the account's roles could not be read.
    pub readable: bool,
    pub read_at: chrono::DateTime<chrono::Utc>,
}

impl Usage {
    /// Read, and not used since `since` (or never).
    pub fn unused_since(&self, since: chrono::DateTime<chrono::Utc>) -> bool {
        self.readable && self.last_used.is_none_or(|used| used < since)
    }
}
