//! What `orgscope fix` would change for a blocked account, decided from its cause alone: create
//! the missing role, add the caller's account to a trust policy that names someone else, or
//! nothing (an external ID, MFA or another condition is the role owner's intent, never removed;
//! a control policy or your own policy is changed by whoever owns it). Pure: no AWS call.

use serde::Serialize;

use crate::model::{Cause, Evidence};

/// The managed policy `OrganizationAccountAccessRole` carries in accounts AWS creates.
pub const ACCESS_POLICY_ARN: &str = "arn:aws:iam::aws:policy/AdministratorAccess";

/// The Sid of the statement `fix` writes.
pub const STATEMENT_SID: &str = "OrgscopeFixTrustsCaller";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    CreateRole,
    UpdateTrust,
    /// A stack instance of `fix --stackset`'s StackSet.
    StackInstance,
    None,
}

/// What `fix` would do for one account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Repair {
    /// Create the role with this trust policy and [`ACCESS_POLICY_ARN`] attached.
    Create { trust: String },
    /// Replace the trust policy `before` with `after`.
    Update { before: String, after: String },
    /// Nothing to write: why, and what to do instead.
    Refuse(String),
}

impl Action {
    pub fn code(self) -> &'static str {
        match self {
            Action::CreateRole => "create_role",
            Action::UpdateTrust => "update_trust",
            Action::StackInstance => "stack_instance",
            Action::None => "none",
        }
    }
}

/// A repair in a few words (a refusal: its reason).
pub fn describe(repair: &Repair) -> String {
    match repair {
        Repair::Create { .. } => "create the role".into(),
        Repair::Update { .. } => "add your account to the role's trust policy".into(),
        Repair::Refuse(why) => why.clone(),
    }
}

impl Repair {
    pub fn action(&self) -> Action {
        match self {
            Repair::Create { .. } => Action::CreateRole,
            Repair::Update { .. } => Action::UpdateTrust,
            Repair::Refuse(_) => Action::None,
        }
    }
}

/// The statement that lets `caller_account` (its root: any principal it allows) assume the role.
fn statement(partition: &str, caller_account: &str) -> serde_json::Value {
    serde_json::json!({
        "Sid": STATEMENT_SID,
        "Effect": "Allow",
        "Principal": {"AWS": format!("arn:{partition}:iam::{caller_account}:root")},
        "Action": "sts:AssumeRole",
    })
}

/// A trust policy of that one statement (what AWS gives `OrganizationAccountAccessRole`).
pub fn new_trust(partition: &str, caller_account: &str) -> String {
    let policy = serde_json::json!({"Version": "2012-10-17", "Statement": [statement(partition, caller_account)]});
    serde_json::to_string_pretty(&policy).unwrap_or_default()
}

/// `before` with the statement for `caller_account` added (its own statements kept as written).
pub fn widened_trust(before: &str, partition: &str, caller_account: &str) -> Result<String, String> {
    let mut policy: serde_json::Value =
        serde_json::from_str(before).map_err(|err| format!("the trust policy is not JSON ({err})"))?;
    let added = statement(partition, caller_account);
    match policy.get_mut("Statement") {
        Some(serde_json::Value::Array(statements)) => statements.push(added),
        Some(one @ serde_json::Value::Object(_)) => *one = serde_json::Value::Array(vec![one.clone(), added]),
        _ => return Err("the trust policy has no Statement".into()),
    }
    serde_json::to_string_pretty(&policy).map_err(|err| err.to_string())
}

/// What `fix` does for `cause`: create the role, widen its trust, or nothing.
pub fn action_for(cause: Cause) -> Action {
    match cause {
        Cause::RoleMissing => Action::CreateRole,
        Cause::TrustExcludesCaller => Action::UpdateTrust,
        _ => Action::None,
    }
}

/// The repair for `cause`: `trust` is the role's current trust policy when one was read.
pub fn plan(
    cause: Cause,
    evidence: Option<&Evidence>,
    trust: Option<&str>,
    partition: &str,
    caller_account: &str,
) -> Repair {
    match cause {
        Cause::RoleMissing => Repair::Create { trust: new_trust(partition, caller_account) },
        Cause::TrustExcludesCaller => match trust.map(|t| widened_trust(t, partition, caller_account)) {
            Some(Ok(after)) => Repair::Update { before: trust.unwrap_or_default().to_string(), after },
            Some(Err(why)) => Repair::Refuse(format!("{why}: edit it by hand (`orgscope template trust-policy`)")),
            None => Repair::Refuse("the trust policy could not be read again: run fix once more".into()),
        },
        other => Repair::Refuse(refusal(other, evidence).unwrap_or_default()),
    }
}

/// Why `fix` writes nothing for `cause`, and what to change instead; None for the two causes it
/// repairs.
pub fn refusal(cause: Cause, evidence: Option<&Evidence>) -> Option<String> {
    let statement = evidence.and_then(|e| e.statement.as_ref()).map(|s| format!("statement {s}"));
    let statement = statement.unwrap_or_else(|| "a statement".into());
    Some(match cause {
        Cause::RoleMissing | Cause::TrustExcludesCaller => return None,
        Cause::ExternalIdRequired | Cause::ExternalIdMismatch => format!(
            "{statement} of the trust policy wants an external ID, which guards this role on purpose: pass the right \
             one (--external-id, or external_id for this account in the config); fix never removes it"
        ),
        Cause::MfaRequired => format!(
            "{statement} of the trust policy wants MFA: switch role with --mfa-serial (one code per session); fix \
             never removes it"
        ),
        Cause::TrustCondition => {
            format!(
                "{statement} of the trust policy sets a condition you do not meet, on purpose: ask the account's owner"
            )
        }
        Cause::ScpDeny => format!(
            "{} stops you: add an exception for your role to it, or work from the management account, which no \
             SCP limits",
            control_policy("service control policy", evidence)
        ),
        Cause::RcpDeny => format!(
            "{} stops you: add an exception for your role to it, or use the role it allows",
            control_policy("resource control policy", evidence)
        ),
        Cause::CallerPolicy => match evidence.and_then(|e| e.policy_id.as_ref()) {
            Some(policy) => format!(
                "your own policy {policy} decides against sts:AssumeRole on this role: change it, or use another \
                 identity (`orgscope template scanner-policy` lists what orgscope needs)"
            ),
            None => "your own identity may not call sts:AssumeRole on this role: add the permission \
                     (`orgscope template scanner-policy`) or use another profile"
                .into(),
        },
        Cause::Unknown => {
            evidence.and_then(|e| e.missing.clone()).unwrap_or_else(|| "the cause is not known".into())
                + ": fix needs a way into the account (a role of your Identity Center sign-in there), or \
                   `orgscope fix --stackset` installs a role of its own from the management account"
        }
    })
}

/// A control policy as far as the evidence knows it: its name, where it is attached, the statement.
fn control_policy(kind: &str, evidence: Option<&Evidence>) -> String {
    let name = evidence.and_then(|e| e.policy_name.as_ref().or(e.policy_id.as_ref()));
    let attached = evidence.and_then(|e| e.attached_to.as_deref());
    let said = evidence.and_then(|e| e.statement.as_ref());
    if name.is_none() && attached.is_none() {
        return format!("a {kind} (AWS says so; which one could not be read)");
    }
    let mut text = format!("the {kind}");
    if let Some(name) = name {
        text.push_str(&format!(" {name}"));
    }
    if let Some(attached) = attached {
        text.push_str(&format!(" attached to {}", crate::text::visible(attached)));
    }
    match (said, name) {
        (Some(said), _) => text.push_str(&format!(" (statement {said})")),
        (None, None) => text.push_str(" (no policy there allows it)"),
        (None, Some(_)) => {}
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_missing_role_or_a_trust_for_someone_else_is_written() {
        let created = plan(Cause::RoleMissing, None, None, "aws", "111111111111");
        let Repair::Create { trust } = &created else { panic!("{created:?}") };
        let parsed: serde_json::Value = serde_json::from_str(trust).expect("JSON");
        assert_eq!(parsed["Statement"][0]["Principal"]["AWS"], "arn:aws:iam::111111111111:root");

        let before = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::999999999999:root"},"Action":"sts:AssumeRole"}}"#;
        let updated = plan(Cause::TrustExcludesCaller, None, Some(before), "aws", "111111111111");
        let Repair::Update { after, .. } = &updated else { panic!("{updated:?}") };
        let after: serde_json::Value = serde_json::from_str(after).expect("JSON");
        assert_eq!(after["Statement"][0]["Principal"]["AWS"], "arn:aws:iam::999999999999:root", "kept");
        assert_eq!(after["Statement"][1]["Sid"], STATEMENT_SID);

        for cause in [
            Cause::ExternalIdRequired,
            Cause::ExternalIdMismatch,
            Cause::MfaRequired,
            Cause::TrustCondition,
            Cause::ScpDeny,
            Cause::RcpDeny,
            Cause::CallerPolicy,
            Cause::Unknown,
        ] {
            assert_eq!(plan(cause, None, Some(before), "aws", "1").action(), Action::None, "{cause}");
        }
        assert!(matches!(plan(Cause::TrustExcludesCaller, None, Some("nope"), "aws", "1"), Repair::Refuse(_)));
    }
}
