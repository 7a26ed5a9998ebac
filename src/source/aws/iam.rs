//! IAM inside a member account, through a foothold's credentials (a role of your Identity Center
//! sign-in there): the role's trust policy (`GetRole`), and the repairs `orgscope fix` makes
//! (`CreateRole` + `AttachRolePolicy`, `UpdateAssumeRolePolicy`). Every failure is one sentence.

use super::AwsSource;
use super::pace::Api;
use crate::model::TempCredentials;

fn client(source: &AwsSource, via: &TempCredentials) -> aws_sdk_iam::Client {
    let credentials = aws_credential_types::Credentials::new(
        via.access_key_id.clone(),
        via.secret_access_key.expose(),
        Some(via.session_token.expose().to_string()),
        None,
        "orgscope-foothold",
    );
    let config = aws_sdk_iam::config::Builder::from(&source.config).credentials_provider(credentials).build();
    aws_sdk_iam::Client::from_conf(config)
}

/// The trust policy of `role` (decoded JSON), None when the role does not exist.
pub(super) async fn trust_policy(
    source: &AwsSource,
    via: &TempCredentials,
    role: &str,
) -> Result<Option<String>, String> {
    let iam = client(source, via);
    let answer = source.calls.call(Api::Iam, || iam.get_role().role_name(role).send()).await;
    match answer {
        Ok(output) => {
            let document = output.role().and_then(|r| r.assume_role_policy_document()).unwrap_or_default();
            Ok(Some(crate::policy::decode(document)))
        }
        Err(err) if err.as_service_error().is_some_and(|e| e.is_no_such_entity_exception()) => Ok(None),
        Err(err) => Err(super::errors::call_failed("iam", "GetRole", &err)),
    }
}

/// Creates `role` trusting `trust`, with `policy_arn` attached.
pub(super) async fn create_role(
    source: &AwsSource,
    via: &TempCredentials,
    role: &str,
    trust: &str,
    policy_arn: &str,
) -> Result<(), String> {
    let iam = client(source, via);
    source
        .calls
        .call(Api::Iam, || {
            iam.create_role()
                .role_name(role)
                .assume_role_policy_document(trust)
                .description("Created by orgscope fix: cross-account access from the organization's management account")
                .send()
        })
        .await
        .map_err(|err| super::errors::call_failed("iam", "CreateRole", &err))?;
    source
        .calls
        .call(Api::Iam, || iam.attach_role_policy().role_name(role).policy_arn(policy_arn).send())
        .await
        .map_err(|err| super::errors::call_failed("iam", "AttachRolePolicy", &err))?;
    Ok(())
}

/// Replaces `role`'s trust policy with `trust`.
pub(super) async fn update_trust(
    source: &AwsSource,
    via: &TempCredentials,
    role: &str,
    trust: &str,
) -> Result<(), String> {
    let iam = client(source, via);
    source
        .calls
        .call(Api::Iam, || iam.update_assume_role_policy().role_name(role).policy_document(trust).send())
        .await
        .map_err(|err| super::errors::call_failed("iam", "UpdateAssumeRolePolicy", &err))?;
    Ok(())
}

/// What the caller's own policies decide for `sts:AssumeRole` on `role_arn`: SimulatePrincipalPolicy
/// on the caller's IAM user or role (an assumed-role session's role found with GetRole, for its path).
pub(super) async fn simulate_caller(
    source: &AwsSource,
    caller_arn: &str,
    role_arn: &str,
) -> Result<crate::source::CallerVerdict, String> {
    let iam = aws_sdk_iam::Client::new(&source.config);
    let parts: Vec<&str> = caller_arn.splitn(6, ':').collect();
    let resource = parts.get(5).copied().unwrap_or_default();
    let principal = if let Some(session) = resource.strip_prefix("assumed-role/") {
        let name = session.split('/').next().unwrap_or_default();
        let role = source
            .calls
            .call(Api::Iam, || iam.get_role().role_name(name).send())
            .await
            .map_err(|err| super::errors::call_failed("iam", "GetRole", &err))?;
        role.role().map(|r| r.arn().to_string()).unwrap_or_default()
    } else if resource.starts_with("user/") || resource.starts_with("role/") {
        caller_arn.to_string()
    } else {
        return Err(format!("{} has no IAM policies to simulate", crate::text::visible(caller_arn)));
    };
    let answer = source
        .calls
        .call(Api::Iam, || {
            iam.simulate_principal_policy()
                .policy_source_arn(&principal)
                .action_names("sts:AssumeRole")
                .resource_arns(role_arn)
                .send()
        })
        .await
        .map_err(|err| super::errors::call_failed("iam", "SimulatePrincipalPolicy", &err))?;
    let Some(result) = answer.evaluation_results().first() else {
        return Err("iam:SimulatePrincipalPolicy answered no result".into());
    };
    let matched = result.matched_statements().first();
    Ok(crate::source::CallerVerdict {
        decision: result.eval_decision().as_str().to_string(),
        policy_id: matched.and_then(|m| m.source_policy_id()).map(str::to_string),
        policy_type: matched.and_then(|m| m.source_policy_type()).map(|t| t.as_str().to_string()),
    })
}
