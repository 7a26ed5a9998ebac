//! A hint for every failed Identity Center request. Known causes are matched on their stable
//! words, not a whole sentence (AWS words the same cause differently between a 400 and a 404,
//! with and without a path or an error-code prefix); for anything else the hint is the concrete
//! next step: what to check, and the exact `aws sso-admin` command that retries the request with
//! its real ids.

use crate::model::{AssignmentAttempt, AssignmentStatus, Operation, RawText, Text};

/// Adds the fix to every `FAILED` and `API_ERROR` row that has none yet (a saved run keeps the
/// hints it was saved with). `management_account_id` has its own causes.
pub fn explain(attempts: &mut [AssignmentAttempt], management_account_id: &str) {
    for attempt in attempts.iter_mut().filter(|a| a.hint.is_none()) {
        let management = attempt.account_id.raw() == Some(management_account_id);
        let reason = attempt.failure_reason.raw().unwrap_or_default();
        attempt.hint = match attempt.status {
            AssignmentStatus::Failed => Some(match hint(reason, None, management) {
                Some(known) => format!("{known}{}", retry_tail(attempt)),
                None => unknown_failure(attempt),
            }),
            AssignmentStatus::ApiError => {
                Some(hint(reason, attempt.error_code.raw(), management).unwrap_or_else(|| refused_call(attempt)))
            }
            _ => None,
        }
        .map(Text::from);
    }
}

/// One known cause: its stable words and its fix.
struct Cause {
    /// Whether the lower-cased reason names this cause.
    matches: fn(&str) -> bool,
    fix: fn(&str, bool) -> String,
}

fn has(reason: &str, words: &[&str]) -> bool {
    words.iter().any(|w| reason.contains(w))
}

/// The causes in the order they are tried: the more specific first (a missing policy before a
/// missing principal, a quota on policies before one on roles).
const CAUSES: &[Cause] = &[
    Cause {
        matches: |r| {
            has(r, &["policiesperrole"])
                || (r.contains("attached policies") && has(r, &["limit", "quota"]))
                || (r.contains("managed policies") && has(r, &["limit", "quota"]))
        },
        fix: |_, _| {
            "Roles can have 10 managed policies attached by default (25 after a Service Quotas increase). Merge \
             managed policies, move some permissions into the permission set's inline policy or a customer \
             managed policy, or raise the 'Managed policies per role' quota in every target account."
                .to_string()
        },
    },
    Cause {
        matches: |r| {
            has(r, &["policy size", "maximum policy size", "policy document length"])
                || (r.contains("inline") && r.contains("exceed"))
        },
        fix: |_, _| {
            "The permission set's inline policy is larger than IAM allows (10,240 characters for a role's \
             inline policies): shorten it, or move statements into customer managed policies."
                .to_string()
        },
    },
    Cause {
        matches: |r| r.contains("polic") && has(r, &["does not exist", "not found", "nosuchentity", "not attachable"]),
        fix: |reason, _| match missing_policy(reason) {
            Some(policy) => format!(
                "The permission set references the customer managed policy (or permissions boundary) {policy}, \
                 which this account does not have. Create it with exactly that name and path (a StackSet keeps \
                 every account in step)."
            ),
            None => "The permission set references a customer managed policy or permissions boundary this account \
                     does not have. Create it with exactly the name and path the permission set names (a StackSet \
                     keeps every account in step)."
                .to_string(),
        },
    },
    Cause {
        matches: |r| has(r, &["deleteconflict", "must detach", "cannot delete entity", "must remove roles"]),
        fix: |_, _| {
            "IAM will not delete the AWSReservedSSO_ role: something was attached to it by hand (a policy, an \
             instance profile). Detach it in the account; the role must hold only what Identity Center put there."
                .to_string()
        },
    },
    Cause {
        matches: |r| has(r, &["entityalreadyexists", "already exists"]),
        fix: |_, _| {
            "A role with Identity Center's reserved name already exists in the account (made by hand, or left from \
             a deleted permission set): delete that AWSReservedSSO_ role there."
                .to_string()
        },
    },
    Cause {
        matches: |r| has(r, &["access denied", "accessdenied", "not authorized to perform", "is not authorized"]),
        fix: |reason, management| {
            if management {
                "In the management account Identity Center acts with the caller's own IAM permissions: give the \
                 identity that made the assignment iam:CreateRole, iam:AttachRolePolicy, iam:PutRolePolicy and \
                 iam:UpdateSAMLProvider there."
                    .to_string()
            } else if reason.contains("service control policy") || reason.contains("explicit deny") {
                "A service control policy denies IAM to Identity Center in the target account: exempt the \
                 AWSServiceRoleForSSO role (aws:PrincipalArn) from the SCP's iam:* denies."
                    .to_string()
            } else {
                "IAM in the target account refused Identity Center: check SCPs and permissions boundaries that deny \
                 iam:CreateRole or iam:UpdateSAMLProvider to the AWSServiceRoleForSSO role."
                    .to_string()
            }
        },
    },
    Cause {
        matches: |r| has(r, &["saml provider", "samlprovider"]),
        fix: |_, _| {
            "IAM refused Identity Center's SAML provider in the account: check SCPs that deny \
             iam:CreateSAMLProvider or iam:UpdateSAMLProvider, and that nobody changed or deleted the \
             AWSSSO_…_DO_NOT_DELETE provider there."
                .to_string()
        },
    },
    Cause {
        matches: |r| {
            has(r, &["principal", "user", "group"]) && has(r, &["not found", "does not exist", "resourcenotfound"])
        },
        fix: |_, _| {
            "The user or group is not in the identity store any more (deleted, or not yet synced from the identity \
             provider): sync or recreate it, and assign the new principal id."
                .to_string()
        },
    },
    Cause {
        matches: |r| has(r, &["suspended", "closed", "not a member of the organization", "not in the organization"]),
        fix: |_, _| {
            "The account is suspended, closed or no longer in the organization: IAM cannot be changed there. \
             Reinstate the account first, or drop the request."
                .to_string()
        },
    },
    Cause {
        matches: |r| {
            has(r, &["rolesperaccount", "maximum number of roles", "roles per account"])
                || (r.contains("quota") && r.contains("roles"))
        },
        fix: |_, _| {
            "The account has reached its IAM roles quota (1,000 by default): delete unused roles or raise the \
             'Roles per account' quota."
                .to_string()
        },
    },
    Cause {
        matches: |r| has(r, &["rate exceeded", "throttl", "too many requests"]),
        fix: |_, _| "Identity Center or IAM throttled the provisioning: nothing to fix.".to_string(),
    },
    Cause {
        matches: |r| r.contains("internal") && has(r, &["exception", "error", "failure"]),
        fix: |_, _| {
            "A transient fault inside Identity Center. If it keeps failing, open a case with AWS Support quoting \
             the request id."
                .to_string()
        },
    },
];

/// The fix for a `FAILED` status's reason, or for an `API_ERROR`'s error code and message, when
/// the cause is known.
pub fn hint(failure_reason: &str, error_code: Option<&str>, target_is_management: bool) -> Option<String> {
    if let Some(code) = error_code {
        return refused_hint(code);
    }
    let reason = failure_reason.to_lowercase();
    CAUSES.iter().find(|cause| (cause.matches)(&reason)).map(|cause| (cause.fix)(failure_reason, target_is_management))
}

fn refused_hint(code: &str) -> Option<String> {
    let text = match code {
        "AccessDeniedException" => {
            "The call itself was refused: the caller lacks sso:CreateAccountAssignment (and the iam:/sso: actions it \
             needs) for this permission set."
        }
        "ThrottlingException" => "Identity Center throttled the call: make it again more slowly.",
        "ConflictException" => {
            "Another operation on this permission set or account was still running: wait for it and make the call again."
        }
        "ValidationException" => {
            "AWS refused the request as malformed: check the instance, permission set, principal and target ids."
        }
        "ResourceNotFoundException" => {
            "The instance, permission set or principal the call named does not exist (any more): check the ids."
        }
        "ServiceQuotaExceededException" => {
            "An Identity Center quota is reached (assignments per account, permission sets per instance): remove \
             unused ones or ask for an increase."
        }
        _ => return None,
    };
    Some(text.to_string())
}

/// " Then retry it: …" — how to send the request again once the cause is fixed.
fn retry_tail(attempt: &AssignmentAttempt) -> String {
    match &attempt.request_id {
        Some(request) => format!(
            " Then retry it: R in the TUI, or `orgscope assignments retry {}`.",
            crate::export::shell::sh_quote(request.raw())
        ),
        None => " Then make the request again.".to_string(),
    }
}

/// The hint for a reason no cause matches: what to check, and the exact retry.
fn unknown_failure(attempt: &AssignmentAttempt) -> String {
    let check = match attempt.operation {
        Operation::Create | Operation::Provision => {
            "Identity Center gave a reason orgscope does not recognise. Check in the target account what the \
             reason names: that every policy the permission set attaches exists there (customer managed policies, \
             the permissions boundary), that no SCP or permissions boundary denies IAM to the \
             AWSServiceRoleForSSO role, and the account's IAM quotas."
        }
        Operation::Delete => {
            "Identity Center gave a reason orgscope does not recognise. Check in the target account that the \
             AWSReservedSSO_ role holds nothing added by hand and that no SCP denies iam:DeleteRole to the \
             AWSServiceRoleForSSO role."
        }
    };
    let mut out = format!("{check}{}", retry_tail(attempt));
    if let Some(command) = aws_cli_retry(attempt) {
        out.push_str(&format!(" With the AWS CLI: {command}"));
    }
    out
}

/// The hint for a refused call with an unknown code.
fn refused_call(attempt: &AssignmentAttempt) -> String {
    let code = attempt.error_code.raw().unwrap_or("an error");
    let mut out = format!(
        "The call itself was refused ({}), so nothing was created: fix what the message says, then make the call again.",
        crate::text::visible(code)
    );
    if let Some(command) = aws_cli_retry(attempt) {
        out.push_str(&format!(" With the AWS CLI: {command}"));
    }
    out
}

/// The exact `aws sso-admin` command that makes the request again, every value in single quotes
/// (nothing in them expands in a POSIX shell: no `$`, backtick, brace, `!` or `^`); None when a
/// parameter it needs is unknown.
pub fn aws_cli_retry(attempt: &AssignmentAttempt) -> Option<String> {
    let quote = |t: &Option<Text>| t.raw().map(crate::export::shell::sh_quote);
    let instance = quote(&attempt.instance_arn)?;
    let permission_set = quote(&attempt.permission_set_arn)?;
    let target_type = quote(&attempt.target_type).unwrap_or_else(|| "'AWS_ACCOUNT'".to_string());
    match attempt.operation {
        Operation::Provision => {
            let target = match quote(&attempt.account_id) {
                Some(account) => format!(" --target-id {account}"),
                None => String::new(),
            };
            Some(format!(
                "aws sso-admin provision-permission-set --instance-arn {instance} --permission-set-arn \
                 {permission_set}{target} --target-type {target_type}"
            ))
        }
        operation => {
            let verb = if operation == Operation::Create { "create" } else { "delete" };
            Some(format!(
                "aws sso-admin {verb}-account-assignment --instance-arn {instance} --target-id {} --target-type \
                 {target_type} --permission-set-arn {permission_set} --principal-type {} --principal-id {}",
                quote(&attempt.account_id)?,
                quote(&attempt.principal_type)?,
                quote(&attempt.principal_id)?,
            ))
        }
    }
}

/// `BoundaryPolicy-Data in path /` from "Policy name: BoundaryPolicy-Data does not exist for account …
/// in path /. …", or the ARN from "Policy arn:aws:iam::…:policy/X does not exist or is not attachable".
fn missing_policy(reason: &str) -> Option<String> {
    if let Some(at) = reason.find("Policy name: ") {
        let rest = &reason[at + "Policy name: ".len()..];
        let (name, rest) = rest.split_once(" does not exist")?;
        let path = rest.split(" in path ").nth(1).map(|p| p.split(". ").next().unwrap_or(p).trim_end_matches('.'));
        return Some(match path {
            Some(path) => format!("{name} in path {path}"),
            None => name.to_string(),
        });
    }
    let at = reason.find("arn:aws")?;
    let arn: String = reason[at..].chars().take_while(|c| !c.is_whitespace()).collect();
    arn.contains(":policy/").then(|| arn.trim_end_matches(['.', ',']).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each known cause in two of AWS's wordings, and what its fix must say.
    const WORDINGS: &[(&str, &str, &str)] = &[
        (
            "Received a 402 status error: Number of attached policies to role AWSReservedSSO_X_1 for account 2 has exceeded the IAM limit. Please contact support to increase the limit.",
            "LimitExceeded: Cannot exceed quota for PoliciesPerRole: 10",
            "10 managed policies",
        ),
        (
            "LimitExceeded: Maximum policy size of 10240 bytes exceeded for role AWSReservedSSO_Data_1",
            "The inline policy of the permission set exceeds the maximum allowed length",
            "inline policy is larger",
        ),
        (
            "Received a 400 status error: Policy name: BoundaryPolicy-Data does not exist for account 3 in path /. Please create the policy in the account before assigning the permission set.",
            "Received a 404 status error: NoSuchEntity: Policy arn:aws:iam::333333333333:policy/BoundaryPolicy-Data does not exist or is not attachable.",
            "BoundaryPolicy-Data",
        ),
        (
            "DeleteConflict: Cannot delete entity, must detach all policies first.",
            "Cannot delete entity, must remove roles from instance profile first.",
            "attached to it by hand",
        ),
        (
            "EntityAlreadyExists: Role with name AWSReservedSSO_Admin_0123 already exists.",
            "Received a 409 status error: the role AWSReservedSSO_Admin_0123 already exists in account 2",
            "reserved name already exists",
        ),
        (
            "Access denied by IAM. Please check that the caller has the iam:CreateRole and iam:UpdateSAMLProvider permissions.",
            "AccessDenied: User: arn:aws:sts::2:assumed-role/AWSServiceRoleForSSO/x is not authorized to perform: iam:CreateRole",
            "AWSServiceRoleForSSO",
        ),
        (
            "Failed to update the SAML provider AWSSSO_1_DO_NOT_DELETE in account 2",
            "Received a 400 status error: SAMLProvider AWSSSO_1_DO_NOT_DELETE could not be created",
            "SAML provider",
        ),
        (
            "The principal 9067a1b2c3-1 does not exist in the identity store.",
            "ResourceNotFoundException: User not found",
            "identity store",
        ),
        (
            "The account 222222222222 is suspended.",
            "Account 222222222222 is not a member of the organization",
            "suspended",
        ),
        (
            "Cannot exceed quota for RolesPerAccount: 1000",
            "LimitExceeded: The maximum number of roles for the account has been reached",
            "roles quota",
        ),
        ("Rate exceeded", "Received a 400 status error: ThrottlingException: too many requests", "throttled"),
        (
            "An unexpected internal service exception occurred.",
            "InternalFailure: We encountered an internal error. Please try again.",
            "transient fault",
        ),
    ];

    #[test]
    fn every_known_cause_is_found_in_two_wordings() {
        for (first, second, says) in WORDINGS {
            for reason in [first, second] {
                let found = hint(reason, None, false);
                assert!(found.as_deref().is_some_and(|h| h.contains(says)), "{reason:?} → {found:?}, wanted {says:?}");
            }
        }
    }

    #[test]
    fn the_management_account_and_an_scp_have_their_own_access_fix() {
        let denied = "Access denied by IAM. Please check that the caller has the iam:CreateRole and iam:UpdateSAMLProvider permissions.";
        assert!(hint(denied, None, true).is_some_and(|h| h.starts_with("In the management account")));
        let scp = "AccessDenied: ... is not authorized to perform: iam:CreateRole with an explicit deny in a service control policy";
        assert!(hint(scp, None, false).is_some_and(|h| h.contains("exempt")));
        assert!(hint("x", Some("AccessDeniedException"), false).is_some());
    }

    fn failed(operation: Operation, reason: &str) -> AssignmentAttempt {
        AssignmentAttempt {
            request_id: Some("req-1".into()),
            instance_arn: Some("arn:aws:sso:::instance/ssoins-1".into()),
            account_id: Some("222222222222".into()),
            permission_set_arn: Some("arn:aws:sso:::permissionSet/ssoins-1/ps-1".into()),
            principal_type: Some("GROUP".into()),
            principal_id: Some("g-1".into()),
            target_type: Some("AWS_ACCOUNT".into()),
            status: AssignmentStatus::Failed,
            failure_reason: Some(reason.into()),
            ..AssignmentAttempt::empty(operation)
        }
    }

    #[test]
    fn an_unknown_reason_gets_the_next_step_and_the_exact_retry_command() {
        let mut rows = vec![
            failed(Operation::Create, "Something nobody has seen before"),
            failed(Operation::Delete, "Also new"),
            failed(Operation::Provision, "New too"),
        ];
        explain(&mut rows, "111111111111");
        let hint = |i: usize| rows[i].hint.as_ref().map(|h| h.raw().to_string()).unwrap_or_default();
        assert!(hint(0).contains("does not recognise"), "{}", hint(0));
        assert!(hint(0).contains("orgscope assignments retry 'req-1'"), "{}", hint(0));
        assert!(
            hint(0).contains(
                "aws sso-admin create-account-assignment --instance-arn 'arn:aws:sso:::instance/ssoins-1' --target-id '222222222222' --target-type 'AWS_ACCOUNT' --permission-set-arn 'arn:aws:sso:::permissionSet/ssoins-1/ps-1' --principal-type 'GROUP' --principal-id 'g-1'"
            ),
            "{}",
            hint(0)
        );
        assert!(hint(1).contains("aws sso-admin delete-account-assignment"), "{}", hint(1));
        assert!(
            hint(2).contains("aws sso-admin provision-permission-set --instance-arn 'arn:aws:sso:::instance/ssoins-1' --permission-set-arn 'arn:aws:sso:::permissionSet/ssoins-1/ps-1' --target-id '222222222222' --target-type 'AWS_ACCOUNT'"),
            "{}",
            hint(2)
        );
        assert!(!hint(2).contains("--principal"), "a provisioning has no principal");
    }

    #[test]
    fn a_known_cause_ends_with_the_retry_and_the_commands_quote_what_a_shell_would_run() {
        let mut rows = vec![failed(Operation::Create, "Rate exceeded")];
        rows[0].principal_id = Some("g-1; rm -rf ~ $(x)".into());
        rows.push(failed(Operation::Create, "brand new"));
        rows[1].principal_id = rows[0].principal_id.clone();
        explain(&mut rows, "1");
        let known = rows[0].hint.as_ref().map(|h| h.raw().to_string()).unwrap_or_default();
        assert!(known.ends_with("`orgscope assignments retry 'req-1'`."), "{known}");
        let unknown = rows[1].hint.as_ref().map(|h| h.raw().to_string()).unwrap_or_default();
        assert!(unknown.contains("--principal-id 'g-1; rm -rf ~ $(x)'"), "{unknown}");
    }

    /// What the commands hold reaches `aws` byte for byte under a real bash and zsh: nothing in a
    /// value expands (braces, `!`, `^`, `$(…)`, backticks, globs, a quote, a line break), each
    /// alone in a value (where a quoting that looks for "unsafe" characters left some bare).
    #[test]
    fn the_suggested_commands_reach_aws_exactly_under_bash_and_zsh() {
        let values = [
            "g-{a,b}",
            "g-!x",
            "^g",
            "g-$(touch /tmp/orgscope-retry-pwned)",
            "g-`id`",
            "g-*",
            "~g",
            "g'q\"",
            "g\nnext",
        ];
        for nasty in values {
            let mut row = failed(Operation::Create, "brand new");
            row.principal_id = Some(nasty.into());
            row.request_id = Some(nasty.into());
            let command = aws_cli_retry(&row).expect("a command");
            let tail = retry_tail(&row);
            let retry = tail
                .strip_prefix(" Then retry it: R in the TUI, or `")
                .and_then(|r| r.strip_suffix("`."))
                .expect("the retry command");
            for shell in ["bash", "zsh"] {
                for (line, program) in [(command.as_str(), "aws"), (retry, "orgscope")] {
                    // The program prints its last argument exactly.
                    let script = format!("{program}() {{ for a; do last=$a; done; printf '%s' \"$last\"; }}\n{line}");
                    let output = match std::process::Command::new(shell).arg("-c").arg(&script).output() {
                        Ok(output) => output,
                        Err(err) if std::env::var_os("CI").is_none() => {
                            eprintln!("skipping {shell} outside CI: {err}");
                            continue;
                        }
                        Err(err) => panic!("{shell} is needed (apt-get install {shell}): {err}"),
                    };
                    assert!(output.status.success(), "{shell}: {}", String::from_utf8_lossy(&output.stderr));
                    assert_eq!(String::from_utf8_lossy(&output.stdout), nasty, "{shell}: {line}");
                }
            }
        }
        assert!(!std::path::Path::new("/tmp/orgscope-retry-pwned").exists(), "nothing ran");
    }

    #[test]
    fn a_refused_call_with_an_unknown_code_still_gets_a_hint() {
        let mut row = failed(Operation::Create, "Some message");
        row.status = AssignmentStatus::ApiError;
        row.request_id = None;
        row.error_code = Some("BrandNewException".into());
        let mut rows = vec![row];
        explain(&mut rows, "1");
        let hint = rows[0].hint.as_ref().map(|h| h.raw().to_string()).unwrap_or_default();
        assert!(
            hint.contains("BrandNewException") && hint.contains("aws sso-admin create-account-assignment"),
            "{hint}"
        );
    }
}
