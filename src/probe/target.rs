//! What the probe works on: one account and where it sits ([`ProbeTarget`]), how to probe it
//! ([`ProbeSettings`]: the candidate roles and external IDs, nearest setting first), and who is
//! probing ([`CallerContext`]: the session name and the partition).

use std::collections::BTreeMap;

use crate::model::{Account, Org, Text};
use crate::remedy;

/// One account to probe, with where it sits: `(id, name)` from the root down to its parent.
#[derive(Debug, Clone, PartialEq)]
pub struct ProbeTarget {
    pub account: Account,
    pub path: Vec<(String, Text)>,
}

impl ProbeTarget {
    /// Every account of `org` with its path.
    pub fn all(org: &Org) -> Vec<ProbeTarget> {
        let mut out = Vec::new();
        org.walk(|path, node| {
            if let crate::model::Node::Account(account) = node {
                let path = path.iter().map(|p| (p.id.to_string(), p.name.clone())).collect();
                out.push(ProbeTarget { account: account.clone(), path });
            }
        });
        out
    }

    /// The account `wanted` names among `targets`: its id, or a name no other account shares
    /// (in any case). See [`crate::model::lookup`].
    pub fn find<'a>(
        targets: &'a [ProbeTarget],
        wanted: &str,
    ) -> Result<&'a ProbeTarget, crate::model::lookup::LookupError> {
        crate::model::lookup::find_account(targets, wanted, |t| t.account.id.as_str(), |t| &t.account.name)
    }

    /// OU names from the root down (the contract's `ou_path`).
    pub fn ou_path(&self) -> Vec<Text> {
        self.path.iter().map(|(_, name)| name.clone()).collect()
    }
}

/// How to probe: the candidate roles and external IDs, globally and per account or OU.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeSettings {
    /// Candidate roles, tried in order.
    pub roles: Vec<String>,
    pub external_id: Option<String>,
    /// External IDs by account id or OU id (the nearest wins), from the config file.
    pub external_ids: BTreeMap<String, String>,
    /// Candidate roles by account id or OU id (the nearest wins), from the config file.
    pub roles_for: BTreeMap<String, Vec<String>>,
    /// Blocked on purpose, by account id or OU id (the nearest wins): the config's reason.
    pub expected: BTreeMap<String, String>,
    pub concurrency: usize,
    /// The region STS is called in, for hints.
    pub region: Option<String>,
}

impl Default for ProbeSettings {
    fn default() -> Self {
        ProbeSettings {
            roles: remedy::default_roles(),
            external_id: None,
            external_ids: BTreeMap::new(),
            roles_for: BTreeMap::new(),
            expected: BTreeMap::new(),
            concurrency: 64,
            region: None,
        }
    }
}

impl ProbeSettings {
    /// The nearest setting for `target` in `map`: the account's own, else its OUs' from the
    /// innermost out.
    pub(super) fn nearest<'a, T>(map: &'a BTreeMap<String, T>, target: &ProbeTarget) -> Option<&'a T> {
        map.get(&target.account.id).or_else(|| target.path.iter().rev().find_map(|(id, _)| map.get(id)))
    }

    pub fn roles_for(&self, target: &ProbeTarget) -> Vec<String> {
        Self::nearest(&self.roles_for, target).cloned().unwrap_or_else(|| self.roles.clone())
    }

    pub fn external_id_for(&self, target: &ProbeTarget) -> Option<String> {
        Self::nearest(&self.external_ids, target).cloned().or_else(|| self.external_id.clone())
    }

    /// Why `target` is blocked on purpose, when the config says it is.
    pub fn expected_for(&self, target: &ProbeTarget) -> Option<&str> {
        Self::nearest(&self.expected, target).map(String::as_str)
    }
}

/// Who is probing: the session name and the partition come from the caller's ARN.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CallerContext {
    pub account: String,
    pub arn: String,
    pub management_account_id: String,
    /// The organization's id (`aws:PrincipalOrgID`); empty when not known.
    pub organization_id: String,
    /// The caller's own account's path, ids from the root down to the account; empty when the
    /// organization was not read.
    pub path: Vec<String>,
}

impl CallerContext {
    pub fn of(org: &Org) -> CallerContext {
        let mut path = Vec::new();
        org.walk(|ancestors, node| {
            if let crate::model::Node::Account(account) = node
                && account.id == org.caller.account
            {
                path = ancestors.iter().map(|p| p.id.to_string()).chain([account.id.clone()]).collect();
            }
        });
        CallerContext {
            account: org.caller.account.clone(),
            arn: org.caller.arn.clone(),
            management_account_id: org.organization.management_account_id.clone(),
            organization_id: org.organization.id.clone(),
            path,
        }
    }

    /// Whether the caller stands in the management account (which no SCP limits).
    pub fn in_management(&self) -> bool {
        !self.account.is_empty() && self.account == self.management_account_id
    }

    /// `aws`, `aws-cn`, `aws-us-gov`…
    pub fn partition(&self) -> &str {
        self.arn.split(':').nth(1).filter(|p| !p.is_empty()).unwrap_or("aws")
    }

    pub fn role_arn(&self, account_id: &str, role: &str) -> String {
        format!("arn:{}:iam::{account_id}:role/{role}", self.partition())
    }

    /// `orgscope-<user>`: identifies the tool and the person in the target account's CloudTrail.
    pub fn session_name(&self) -> String {
        session_name(&self.arn)
    }
}

/// A role session name (2–64 characters of `[\w+=,.@-]`) naming orgscope and the user in `arn`.
pub fn session_name(arn: &str) -> String {
    let user = arn.rsplit(['/', ':']).next().unwrap_or_default();
    let cleaned: String =
        user.chars().filter(|c| c.is_ascii_alphanumeric() || "+=,.@-_".contains(*c)).take(64 - 9).collect();
    if cleaned.is_empty() { "orgscope".to_string() } else { format!("orgscope-{cleaned}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_names_identify_orgscope_and_the_user_within_sts_limits() {
        assert_eq!(
            session_name("arn:aws:sts::111111111111:assumed-role/AWSReservedSSO_Admin_0123/jane.doe@example.com"),
            "orgscope-jane.doe@example.com"
        );
        assert_eq!(session_name("arn:aws:iam::111111111111:user/ops/bob"), "orgscope-bob");
        assert_eq!(session_name(""), "orgscope");
        let long = session_name(&format!("arn:aws:iam::1:user/{}", "x".repeat(200)));
        assert!(long.len() <= 64 && long.starts_with("orgscope-"), "{long}");
        assert_eq!(session_name("arn:aws:iam::1:user/a b!c"), "orgscope-abc");
    }

    #[test]
    fn the_nearest_setting_wins() {
        let target = ProbeTarget {
            account: Account::fixture("222", "a"),
            path: vec![("r-1".into(), "Root".into()), ("ou-1".into(), "Prod".into()), ("ou-2".into(), "Pay".into())],
        };
        let mut settings = ProbeSettings { external_id: Some("global".into()), ..ProbeSettings::default() };
        assert_eq!(settings.external_id_for(&target).as_deref(), Some("global"));
        settings.external_ids.insert("ou-1".into(), "prod".into());
        assert_eq!(settings.external_id_for(&target).as_deref(), Some("prod"));
        settings.external_ids.insert("ou-2".into(), "pay".into());
        assert_eq!(settings.external_id_for(&target).as_deref(), Some("pay"));
        settings.external_ids.insert("222".into(), "own".into());
        assert_eq!(settings.external_id_for(&target).as_deref(), Some("own"));
        assert_eq!(settings.roles_for(&target), remedy::default_roles());
    }

    #[test]
    fn the_partition_follows_the_caller() {
        let caller = CallerContext {
            account: "1".into(),
            arn: "arn:aws-cn:iam::1:user/x".into(),
            management_account_id: "1".into(),
            ..CallerContext::default()
        };
        assert_eq!(caller.role_arn("2", "R"), "arn:aws-cn:iam::2:role/R");
    }
}
