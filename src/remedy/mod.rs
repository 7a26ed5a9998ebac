//! The knowledge that turns an error into a fix: a diagnosis for every blocked reason, specific to
//! the account, and the ready files in `assets/` (trust policy, StackSet, scanner policy).

pub mod assignment;
pub mod cause;
pub mod repair;
pub mod templates;

pub use templates::{Template, TemplateValues};

use crate::model::{Account, AttachedPolicy, Reason};

/// The default role AWS creates in accounts the organization creates.
pub const DEFAULT_ROLE: &str = "OrganizationAccountAccessRole";

/// The role `template stackset` installs: a name AWS never creates, so the StackSet deploys in
/// created accounts (which hold [`DEFAULT_ROLE`] already) as in invited ones and in accounts
/// created later. The probe tries it after [`DEFAULT_ROLE`] by default.
pub const STACKSET_ROLE: &str = "OrgscopeAccessRole";

/// The roles the probe tries when neither `--role` nor the config names any.
pub fn default_roles() -> Vec<String> {
    vec![DEFAULT_ROLE.to_string(), STACKSET_ROLE.to_string()]
}

/// What is known around a failure, beyond the account itself.
#[derive(Debug, Clone, Default)]
pub struct Context<'a> {
    pub role_name: &'a str,
    pub management_account_id: &'a str,
    pub caller_arn: &'a str,
    pub region: Option<&'a str>,
    /// The probe passed an external ID for this account.
    pub external_id_given: bool,
    /// Other accounts near this one (same OU) are configured with an external ID.
    pub external_id_used_nearby: bool,
    /// The policy type AWS named in the message ("service control policy", …).
    pub policy_type: Option<&'a str>,
    /// SCPs attached along the account's path (root, OUs, the account), FullAWSAccess excluded.
    pub scps: &'a [AttachedPolicy],
}

/// The diagnosis and fix for `reason` on `account`.
pub fn hint(account: &Account, reason: Reason, context: &Context<'_>) -> String {
    let role = if context.role_name.is_empty() { DEFAULT_ROLE } else { context.role_name };
    match reason {
        Reason::AccessDenied => access_denied(account, role, context),
        Reason::ExplicitDeny => explicit_deny(context),
        Reason::CallerNotPermitted => format!(
            "Your own identity ({}) has no policy allowing sts:AssumeRole on {role}: the problem is on your side, \
             not in this account. Add the permission (`orgscope template scanner-policy`) or use another profile.",
            context.caller_arn
        ),
        Reason::RegionDisabled => {
            let region = context.region.unwrap_or("this region");
            format!(
                "STS is switched off for {region} in this account. Activate the region's STS endpoint in the \
                 account's IAM settings (Account settings → Security Token Service), or probe with --region \
                 us-east-1 to use an active endpoint."
            )
        }
        Reason::CallerTokenExpired => {
            "Your own credentials expired during the probe: log in again (for example `aws sso login`) and re-probe \
             (p)."
                .to_string()
        }
        Reason::CallerTokenInvalid => {
            "Your own credentials are not valid (wrong or deleted access key, or the wrong partition): check the \
             profile with `aws sts get-caller-identity`, or pick another with --profile."
                .to_string()
        }
        Reason::AccountSuspended => {
            "Suspended accounts cannot be entered; they are closed and awaiting deletion.".to_string()
        }
        Reason::Throttled => "AWS kept throttling STS after every retry: re-probe (p) later or with a lower \
             --concurrency."
            .to_string(),
        Reason::Network => "STS could not be reached: check the network, a proxy or --endpoint-url, then re-probe \
             (p)."
            .to_string(),
        Reason::CallerAccount => "You are signed in to this account already; no role is needed.".to_string(),
    }
}

/// `access_denied`: what AWS does not say, told from how the account joined and the role tried.
fn access_denied(account: &Account, role: &str, context: &Context<'_>) -> String {
    // Without the organization at hand (assume by id reads none) the id is left out.
    let management = match context.management_account_id {
        "" => "the management account".to_string(),
        id => format!("the management account {id}"),
    };
    let mut hint = if context.external_id_used_nearby && !context.external_id_given {
        "The role's trust policy here probably requires an sts:ExternalId condition: accounts next to it are \
         reached with an external ID. Retry with `--external-id ID`, or set the external ID for this \
         account or its OU in the config file."
            .to_string()
    } else if account.is_invited() && role == DEFAULT_ROLE {
        format!(
            "Invited accounts never get {DEFAULT_ROLE}: AWS creates it only in accounts the organization \
             creates. Create the role in this account with a trust policy for \
             {management} (`orgscope template trust-policy`), or deploy the StackSet that installs \
             {STACKSET_ROLE} (a name AWS never creates, which orgscope tries too) in every account of the OU \
             (`orgscope template stackset`)."
        )
    } else if account.is_invited() {
        format!(
            "This account was invited, so {role} exists only if someone created it. Create it with a trust \
             policy for {management} (`orgscope template trust-policy --role {role}`), or deploy it \
             everywhere with `orgscope template stackset --role {role}`."
        )
    } else if role == DEFAULT_ROLE && account.joined_method.as_deref() == Some("CREATED") {
        format!(
            "This account was created by the organization, so {DEFAULT_ROLE} existed once: it has been \
             deleted or its trust policy edited. Recreate it, or restore a trust policy that lets \
             {management} assume it (`orgscope template trust-policy`)."
        )
    } else {
        format!(
            "The role {role} is missing here or its trust policy does not trust {management}. Create or \
             fix it (`orgscope template trust-policy --role {role}`), or try another role with --role."
        )
    };
    if !context.external_id_given && !context.external_id_used_nearby {
        hint.push_str(
            " If the trust policy requires an external ID or MFA, retry with --external-id (AWS does not say \
             which condition failed).",
        );
    }
    hint
}

/// `explicit_deny`: a guardrail of the organization's, or a policy of the caller's own.
fn explicit_deny(context: &Context<'_>) -> String {
    let kind = context.policy_type.unwrap_or("policy");
    if kind.contains("service control policy") || kind.contains("resource control policy") {
        let attached = if context.scps.is_empty() {
            String::new()
        } else {
            let list: Vec<String> =
                context.scps.iter().map(|p| format!("\"{}\" ({}) on {}", p.name, p.id, p.target)).collect();
            format!(" Attached along this account's path: {}.", list.join(", "))
        };
        format!(
            "An organization guardrail denies sts:AssumeRole into this account: a {kind} explicitly denies \
             it.{attached} Add an exception for your role to that policy, use the role it allows, or move \
             the account to an OU without it."
        )
    } else {
        format!(
            "A {kind} of your own identity ({}) explicitly denies sts:AssumeRole on this role. Remove the \
             deny or use an identity without it.",
            context.caller_arn
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(joined: &str) -> Account {
        Account { joined_method: Some(joined.into()), ..Account::fixture("222222222222", "acme") }
    }

    fn context() -> Context<'static> {
        Context {
            role_name: DEFAULT_ROLE,
            management_account_id: "111111111111",
            caller_arn: "arn:aws:sts::111111111111:assumed-role/Admin/jane",
            ..Context::default()
        }
    }

    #[test]
    fn an_invited_account_is_told_it_never_got_the_role() {
        let hint = hint(&account("INVITED"), Reason::AccessDenied, &context());
        assert!(hint.contains("Invited accounts never get OrganizationAccountAccessRole"), "{hint}");
        assert!(hint.contains("template trust-policy") && hint.contains("template stackset"), "{hint}");
        assert!(hint.contains("111111111111"));
    }

    #[test]
    fn a_created_account_is_told_the_role_was_deleted_or_edited() {
        let hint = hint(&account("CREATED"), Reason::AccessDenied, &context());
        assert!(hint.contains("deleted or its trust policy edited"), "{hint}");
        assert!(hint.contains("--external-id"), "no external ID was given: {hint}");
    }

    #[test]
    fn an_external_id_used_nearby_leads_the_hint() {
        let context = Context { external_id_used_nearby: true, ..context() };
        let hint = hint(&account("CREATED"), Reason::AccessDenied, &context);
        assert!(hint.starts_with("The role's trust policy here probably requires an sts:ExternalId"), "{hint}");
    }

    #[test]
    fn an_scp_deny_names_the_policies_on_the_path() {
        let scps = [AttachedPolicy { id: "p-1".into(), name: "DenyAssume".into(), target: "Security".into() }];
        let context = Context { policy_type: Some("service control policy"), scps: &scps, ..context() };
        let hint = hint(&account("CREATED"), Reason::ExplicitDeny, &context);
        assert!(hint.contains("service control policy"), "{hint}");
        assert!(hint.contains("\"DenyAssume\" (p-1) on Security"), "{hint}");
    }

    #[test]
    fn the_caller_side_is_blamed_when_the_caller_lacks_the_permission() {
        let hint = hint(&account("CREATED"), Reason::CallerNotPermitted, &context());
        assert!(hint.contains("Your own identity") && hint.contains("scanner-policy"), "{hint}");
    }
}
