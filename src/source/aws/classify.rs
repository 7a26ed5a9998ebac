//! Reads an `sts:AssumeRole` failure — the error code and AWS's exact wording — into the
//! contract's reason codes. AWS's access-denied messages follow one grammar:
//! `User: ARN is not authorized to perform: ACTION on resource: ARN [because no TYPE policy allows
//! the ACTION action | with an explicit deny in a TYPE policy[: POLICY_ARN]]`.

use crate::model::Reason;

/// Which policy AWS named in an access-denied message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DenyingPolicy {
    /// "service control policy", "identity-based policy", "permissions boundary", "session policy",
    /// "resource control policy", …
    pub policy_type: String,
    /// The policy's ARN, which AWS adds within the same account or organization.
    pub policy_arn: Option<String>,
    /// True for "with an explicit deny in …", false for "because no … allows".
    pub explicit: bool,
}

/// The reason for an AssumeRole failure with AWS error `code` and `message`.
pub fn classify(code: &str, message: &str) -> Reason {
    match code {
        "RegionDisabledException" => Reason::RegionDisabled,
        "ExpiredToken" | "ExpiredTokenException" => Reason::CallerTokenExpired,
        "InvalidClientTokenId" | "UnrecognizedClientException" | "SignatureDoesNotMatch" => Reason::CallerTokenInvalid,
        "Throttling" | "ThrottlingException" | "TooManyRequestsException" | "RequestLimitExceeded" => Reason::Throttled,
        _ => match denying_policy(message) {
            Some(policy) if policy.explicit => Reason::ExplicitDeny,
            // No SCP or RCP allows it: the organization's guardrails, not the caller's own policy.
            Some(policy) if policy.policy_type.contains("control policy") => Reason::ExplicitDeny,
            // No resource-based policy allows it: the role's trust policy (or no role at all).
            Some(policy) if policy.policy_type.contains("resource-based") => Reason::AccessDenied,
            Some(_) => Reason::CallerNotPermitted,
            None => Reason::AccessDenied,
        },
    }
}

/// The policy an access-denied message names, if it names one.
pub fn denying_policy(message: &str) -> Option<DenyingPolicy> {
    if let Some(rest) = after(message, "with an explicit deny in ") {
        let (policy_type, policy_arn) = match rest.split_once(": ") {
            Some((kind, arn)) => (kind, Some(arn.trim().trim_end_matches('.').to_string())),
            None => (rest, None),
        };
        return Some(DenyingPolicy { policy_type: strip_article(policy_type), policy_arn, explicit: true });
    }
    let rest = after(message, "because no ")?;
    let policy_type = rest.split(" allows ").next()?;
    let (policy_type, policy_arn) = match policy_type.split_once(": ") {
        Some((kind, arn)) => (kind, Some(arn.trim().to_string())),
        None => (policy_type, None),
    };
    Some(DenyingPolicy { policy_type: strip_article(policy_type), policy_arn, explicit: false })
}

fn after<'a>(message: &'a str, marker: &str) -> Option<&'a str> {
    message.find(marker).map(|i| message[i + marker.len()..].trim_end_matches('.'))
}

fn strip_article(text: &str) -> String {
    let text = text.trim();
    text.strip_prefix("an ").or_else(|| text.strip_prefix("a ")).unwrap_or(text).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    const CALLER: &str = "User: arn:aws:sts::111111111111:assumed-role/Admin/jane is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::222222222222:role/OrganizationAccountAccessRole";

    #[test]
    fn every_aws_wording_maps_to_its_reason() {
        let cases: Vec<(&str, String, Reason)> = vec![
            ("AccessDenied", CALLER.to_string(), Reason::AccessDenied),
            ("AccessDenied", format!("{CALLER}."), Reason::AccessDenied),
            ("AccessDenied", format!("{CALLER} with an explicit deny in a service control policy"), Reason::ExplicitDeny),
            (
                "AccessDenied",
                format!("{CALLER} with an explicit deny in a service control policy: arn:aws:organizations::111111111111:policy/o-abc/service_control_policy/p-1234"),
                Reason::ExplicitDeny,
            ),
            ("AccessDenied", format!("{CALLER} with an explicit deny in an identity-based policy"), Reason::ExplicitDeny),
            ("AccessDenied", format!("{CALLER} with an explicit deny in a permissions boundary"), Reason::ExplicitDeny),
            ("AccessDenied", format!("{CALLER} with an explicit deny in a session policy"), Reason::ExplicitDeny),
            ("AccessDenied", format!("{CALLER} with an explicit deny in a resource control policy"), Reason::ExplicitDeny),
            (
                "AccessDenied",
                format!("{CALLER} because no identity-based policy allows the sts:AssumeRole action"),
                Reason::CallerNotPermitted,
            ),
            (
                "AccessDenied",
                format!("{CALLER} because no permissions boundary allows the sts:AssumeRole action"),
                Reason::CallerNotPermitted,
            ),
            (
                "AccessDenied",
                format!("{CALLER} because no session policy allows the sts:AssumeRole action"),
                Reason::CallerNotPermitted,
            ),
            (
                "AccessDenied",
                format!("{CALLER} because no service control policy allows the sts:AssumeRole action"),
                Reason::ExplicitDeny,
            ),
            (
                "AccessDenied",
                format!("{CALLER} because no resource-based policy allows the sts:AssumeRole action"),
                Reason::AccessDenied,
            ),
            (
                "RegionDisabledException",
                "STS is not activated in this region for account:222222222222. Your account administrator can activate STS in this region using the IAM Console.".to_string(),
                Reason::RegionDisabled,
            ),
            ("ExpiredToken", "The security token included in the request is expired".to_string(), Reason::CallerTokenExpired),
            ("ExpiredTokenException", "The security token included in the request is expired".to_string(), Reason::CallerTokenExpired),
            ("InvalidClientTokenId", "The security token included in the request is invalid.".to_string(), Reason::CallerTokenInvalid),
            ("Throttling", "Rate exceeded".to_string(), Reason::Throttled),
        ];
        for (code, message, expected) in cases {
            assert_eq!(classify(code, &message), expected, "{code}: {message}");
        }
    }

    #[test]
    fn the_denying_policy_type_and_arn_are_read() {
        let message = format!(
            "{CALLER} with an explicit deny in a service control policy: arn:aws:organizations::111111111111:policy/o-abc/service_control_policy/p-1234"
        );
        assert_eq!(
            denying_policy(&message),
            Some(DenyingPolicy {
                policy_type: "service control policy".into(),
                policy_arn: Some(
                    "arn:aws:organizations::111111111111:policy/o-abc/service_control_policy/p-1234".into()
                ),
                explicit: true,
            })
        );
        let implicit =
            denying_policy(&format!("{CALLER} because no identity-based policy allows the sts:AssumeRole action"));
        assert_eq!(implicit.map(|p| (p.policy_type, p.explicit)), Some(("identity-based policy".to_string(), false)));
        assert_eq!(denying_policy(CALLER), None);
    }
}
