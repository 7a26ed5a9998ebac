//! A cause and its evidence in one sentence, for the text output and the detail pane.

use crate::model::{Cause, Evidence};

/// `cause` said with what shows it: the policy, where it is attached, the statement and how it
/// was read. Every name in it is untrusted text, shown through its visible rendering.
pub fn describe(cause: Cause, evidence: Option<&Evidence>) -> String {
    let mut sentence = match cause {
        Cause::RoleMissing => "the role does not exist in the account".to_string(),
        Cause::TrustExcludesCaller => "the role's trust policy does not trust you".to_string(),
        Cause::ExternalIdRequired => "the role's trust policy wants an external ID and none was sent".to_string(),
        Cause::ExternalIdMismatch => "the role's trust policy wants another external ID".to_string(),
        Cause::MfaRequired => "the role's trust policy wants MFA".to_string(),
        Cause::TrustCondition => "a condition of the role's trust policy is not met".to_string(),
        Cause::ScpDeny => "a service control policy denies sts:AssumeRole".to_string(),
        Cause::RcpDeny => "a resource control policy denies sts:AssumeRole".to_string(),
        Cause::CallerPolicy => "your own policies do not allow sts:AssumeRole on the role".to_string(),
        Cause::Unknown => "not known".to_string(),
    };
    let Some(evidence) = evidence else { return sentence };
    if let Some(policy) = policy_named(evidence) {
        sentence.push_str(&format!(": {policy}"));
    }
    if let Some(attached) = &evidence.attached_to {
        sentence.push_str(&format!(", attached to {}", crate::text::visible(attached)));
    }
    if let Some(statement) = &evidence.statement {
        sentence.push_str(&format!(", statement {statement}"));
    }
    if let Some(via) = &evidence.read_via {
        sentence.push_str(&format!(" (read via {via})"));
    }
    if let Some(missing) = &evidence.missing {
        sentence.push_str(&format!(": {}", crate::text::visible(missing)));
    }
    sentence
}

/// The fix for a known cause, specific to it (None for `unknown`: the reason's own hint stays).
pub fn hint(cause: Cause, evidence: Option<&Evidence>, account: &crate::model::Account) -> Option<String> {
    let account_id = &account.id;
    let via = evidence.and_then(|e| e.read_via.as_ref()).map(|v| format!(" through {v}")).unwrap_or_default();
    let named = evidence.is_some_and(|e| e.policy_id.is_some() || e.policy_name.is_some() || e.attached_to.is_some());
    let mut sentence = match cause {
        Cause::Unknown => return None,
        // AWS named the kind but not which: the reason's own hint lists what is attached.
        Cause::ScpDeny | Cause::RcpDeny if !named => return None,
        Cause::RoleMissing if account.is_invited() => format!(
            "Invited accounts never get {}: AWS creates it only in accounts the organization creates, and no one \
             created it here. `orgscope fix {account_id}` creates it{via}, trusting your account (or create it \
             from `orgscope template trust-policy`, or everywhere with `orgscope template stackset`)",
            super::DEFAULT_ROLE
        ),
        Cause::RoleMissing => format!(
            "The role does not exist in this account: `orgscope fix {account_id}` creates it{via}, trusting your \
             account (or create it from `orgscope template trust-policy`)"
        ),
        Cause::TrustExcludesCaller => format!(
            "The role's trust policy does not name your account: `orgscope fix {account_id}` adds a statement for \
             it{via} (or edit it from `orgscope template trust-policy`)"
        ),
        other => super::repair::refusal(other, evidence)?,
    };
    if let Some(first) = sentence.get(..1) {
        sentence = first.to_uppercase() + &sentence[1..];
    }
    sentence.push('.');
    Some(sentence)
}

/// The policy by name and id, when the evidence names one.
fn policy_named(evidence: &Evidence) -> Option<String> {
    match (&evidence.policy_name, &evidence.policy_id) {
        (Some(name), Some(id)) => Some(format!("{name} ({id})")),
        (Some(name), None) => Some(name.to_string()),
        (None, Some(id)) => Some(id.to_string()),
        (None, None) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::EvidenceSource;

    #[test]
    fn names_the_policy_where_it_is_attached_and_the_statement_inertly() {
        let evidence = Evidence {
            source: Some(EvidenceSource::Scp),
            policy_id: Some("p-1".into()),
            policy_name: Some("deny\u{1b}[2J".into()),
            attached_to: Some("ou-ab12-cdef3456".into()),
            statement: Some("DenyAssume".into()),
            read_via: Some("management".into()),
            missing: None,
        };
        let said = describe(Cause::ScpDeny, Some(&evidence));
        assert_eq!(
            said,
            "a service control policy denies sts:AssumeRole: deny\\e[2J (p-1), attached to ou-ab12-cdef3456, \
             statement DenyAssume (read via management)"
        );
        let unknown = Evidence { missing: Some("a role that works in the account".into()), ..Evidence::default() };
        assert_eq!(describe(Cause::Unknown, Some(&unknown)), "not known: a role that works in the account");
    }
}
