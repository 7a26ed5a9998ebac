//! Hints for Identity Center assignment failures, keyed on AWS's own `FailureReason` wording.
//! A reason orgscope does not recognise gets no hint: nothing is invented.

/// Adds the fix to every `FAILED` and `API_ERROR` attempt that has none yet (a saved run keeps the
/// hints it was saved with). `management_account_id` has its own causes.
pub fn explain(attempts: &mut [crate::model::AssignmentAttempt], management_account_id: &str) {
    use crate::model::{AssignmentStatus, RawText};
    for attempt in attempts.iter_mut().filter(|a| a.hint.is_none()) {
        let management = attempt.account_id.raw() == Some(management_account_id);
        let reason = attempt.failure_reason.raw();
        attempt.hint = match attempt.status {
            AssignmentStatus::Failed => reason.and_then(|reason| hint(reason, None, management)),
            AssignmentStatus::ApiError => hint(reason.unwrap_or_default(), attempt.error_code.raw(), management),
            _ => None,
        }
        .map(crate::model::Text::from);
    }
}

/// The hint for a `FAILED` status's reason, or for an `API_ERROR`'s error code and message.
pub fn hint(failure_reason: &str, error_code: Option<&str>, target_is_management: bool) -> Option<String> {
    let reason = failure_reason.to_lowercase();
    if let Some(code) = error_code {
        return match code {
            "AccessDeniedException" => Some(
                "The call itself was refused: the caller lacks sso:CreateAccountAssignment (and the iam:/sso: \
                 actions it needs) for this permission set."
                    .to_string(),
            ),
            "ThrottlingException" => Some("Identity Center throttled the call: retry it more slowly.".to_string()),
            "ConflictException" => Some(
                "Another operation on this permission set or account was still running: wait for it and retry."
                    .to_string(),
            ),
            "ValidationException" => Some(
                "AWS refused the request as malformed: check the instance, permission set, principal and target ids."
                    .to_string(),
            ),
            _ => None,
        };
    }
    if reason.contains("number of attached policies") && reason.contains("iam limit") {
        return Some(
            "Roles can have 10 managed policies attached by default (25 after a Service Quotas increase). Merge \
             managed policies, move some permissions into the permission set's inline policy or a customer \
             managed policy, or raise the 'Managed policies per role' quota in every target account, then retry."
                .to_string(),
        );
    }
    if reason.contains("access denied by iam") {
        return Some(if target_is_management {
            "In the management account Identity Center acts with the caller's own IAM permissions: give the \
             identity that made the assignment iam:CreateRole, iam:AttachRolePolicy, iam:PutRolePolicy and \
             iam:UpdateSAMLProvider there, then retry."
                .to_string()
        } else {
            "IAM in the target account refused Identity Center: check SCPs and permissions boundaries that deny \
             iam:CreateRole or iam:UpdateSAMLProvider to the AWSServiceRoleForSSO role, then retry."
                .to_string()
        });
    }
    if let Some(policy) = missing_policy(failure_reason) {
        return Some(format!(
            "The permission set references the customer managed policy {policy}, which this account does not have. \
             Create it with exactly that name and path (a StackSet keeps every account in step), then retry the \
             assignment."
        ));
    }
    if reason.contains("unexpected internal service exception") || reason.contains("internal failure") {
        return Some(
            "A transient fault inside Identity Center: retry the assignment. If it keeps failing, open a case with \
             AWS Support quoting the request id."
                .to_string(),
        );
    }
    if reason.contains("rolesperaccount") || (reason.contains("quota") && reason.contains("role")) {
        return Some(
            "The account has reached its IAM roles quota (1,000 by default): delete unused roles or raise the \
             'Roles per account' quota, then retry."
                .to_string(),
        );
    }
    if reason.contains("rate exceeded") || reason.contains("throttl") {
        return Some("Identity Center or IAM throttled the provisioning: retry it later.".to_string());
    }
    None
}

/// `BoundaryPolicy-Data in path /` from "Policy name: BoundaryPolicy-Data does not exist for account … in
/// path /. …".
fn missing_policy(reason: &str) -> Option<String> {
    let rest = &reason[reason.find("Policy name: ")? + "Policy name: ".len()..];
    let (name, rest) = rest.split_once(" does not exist")?;
    let path = rest.split(" in path ").nth(1).map(|p| p.split(". ").next().unwrap_or(p).trim_end_matches('.'));
    Some(match path {
        Some(path) => format!("{name} in path {path}"),
        None => name.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_reasons_get_their_fix() {
        let iam = "Received a 402 status error: Number of attached policies to role AWSReservedSSO_X_1 for account 2 has exceeded the IAM limit. Please contact support to increase the limit.";
        assert!(hint(iam, None, false).is_some_and(|h| h.contains("10 managed policies")));
        let missing = "Received a 400 status error: Policy name: BoundaryPolicy-Data does not exist for account 3 in path /. Please create the policy in the account before assigning the permission set.";
        assert!(hint(missing, None, false).is_some_and(|h| h.contains("BoundaryPolicy-Data in path /,")));
        let denied = "Access denied by IAM. Please check that the caller has the iam:CreateRole and iam:UpdateSAMLProvider permissions.";
        assert!(hint(denied, None, true).is_some_and(|h| h.starts_with("In the management account")));
        assert!(hint(denied, None, false).is_some_and(|h| h.contains("SCPs")));
        assert!(hint("An unexpected internal service exception occurred.", None, false).is_some());
        assert!(hint("Cannot exceed quota for RolesPerAccount: 1000", None, false).is_some());
        assert!(hint("Rate exceeded", None, false).is_some());
        assert!(hint("x", Some("AccessDeniedException"), false).is_some());
    }

    #[test]
    fn unknown_reasons_get_no_invented_hint() {
        assert_eq!(hint("Something nobody has seen before", None, false), None);
        assert_eq!(hint("", Some("SomeNewException"), false), None);
    }
}
