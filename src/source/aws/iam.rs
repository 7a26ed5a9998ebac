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

/// An IAM client reading through `way`.
pub(super) fn client_for(source: &AwsSource, way: &crate::source::Way) -> aws_sdk_iam::Client {
    match way {
        crate::source::Way::Own => aws_sdk_iam::Client::new(&source.config),
        crate::source::Way::Role(via) => client(source, via),
    }
}

/// Sends one IAM call: in member account `account` under its own pacer, else under IAM's.
async fn iam_call<T, E, F, Fut>(
    source: &AwsSource,
    account: Option<&str>,
    op: F,
) -> Result<
    T,
    aws_smithy_runtime_api::client::result::SdkError<E, aws_smithy_runtime_api::client::orchestrator::HttpResponse>,
>
where
    E: aws_smithy_types::error::metadata::ProvideErrorMetadata,
    F: FnMut() -> Fut,
    Fut: std::future::Future<
            Output = Result<
                T,
                aws_smithy_runtime_api::client::result::SdkError<
                    E,
                    aws_smithy_runtime_api::client::orchestrator::HttpResponse,
                >,
            >,
        >,
{
    match account {
        Some(account) => source.calls.call_in(account, op).await,
        None => source.calls.call(Api::Iam, op).await,
    }
}

/// A managed policy's default version and document (decoded), `Ok(None)` when `held` is already
/// that version.
pub(super) async fn policy_document(
    source: &AwsSource,
    iam: &aws_sdk_iam::Client,
    account: Option<&str>,
    arn: &str,
    held: Option<&String>,
) -> Result<Option<(String, String)>, String> {
    let policy = iam_call(source, account, || iam.get_policy().policy_arn(arn).send())
        .await
        .map_err(|err| super::errors::call_failed("iam", "GetPolicy", &err))?;
    let version = policy.policy().and_then(|p| p.default_version_id()).unwrap_or("v1").to_string();
    if held == Some(&version) {
        return Ok(None);
    }
    let document = iam_call(source, account, || iam.get_policy_version().policy_arn(arn).version_id(&version).send())
        .await
        .map_err(|err| super::errors::call_failed("iam", "GetPolicyVersion", &err))?;
    let text = document.policy_version().and_then(|v| v.document()).unwrap_or_default();
    Ok(Some((version, crate::policy::decode(text))))
}

/// The names of the roles under `path` in `account`.
pub(super) async fn roles_under(
    source: &AwsSource,
    iam: &aws_sdk_iam::Client,
    account: &str,
    path: &str,
) -> Result<Vec<String>, String> {
    super::paging::collect(|token| async move {
        let page = source
            .calls
            .call_in(account, || iam.list_roles().path_prefix(path).set_marker(token.clone()).send())
            .await
            .map_err(|err| super::errors::call_failed("iam", "ListRoles", &err))?;
        let names = page.roles().iter().map(|r| r.role_name().to_string()).collect::<Vec<_>>();
        let next = if page.is_truncated() { page.marker().map(str::to_string) } else { None };
        Ok::<_, String>((names, next))
    })
    .await
    .map_err(|err| match err {
        super::paging::PageError::Call(message) | super::paging::PageError::Paging(message) => message,
    })
}

/// When `role` in `account` was last used (None: never).
pub(super) async fn role_last_used(
    source: &AwsSource,
    iam: &aws_sdk_iam::Client,
    account: &str,
    role: &str,
) -> Result<Option<chrono::DateTime<chrono::Utc>>, String> {
    let answer = source
        .calls
        .call_in(account, || iam.get_role().role_name(role).send())
        .await
        .map_err(|err| super::errors::call_failed("iam", "GetRole", &err))?;
    let used = answer.role().and_then(|r| r.role_last_used()).and_then(|u| u.last_used_date());
    Ok(used.and_then(|d| chrono::DateTime::from_timestamp(d.secs(), d.subsec_nanos())))
}
