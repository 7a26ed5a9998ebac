//! `sts:AssumeRole` for the probe and for switch-role, and the SCP lookup that explains an
//! explicit deny (`organizations:ListPoliciesForTarget` along the account's path).

use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use super::pace::Api;
use super::retry::{self, Failure};
use super::{AwsSource, classify, to_chrono};
use crate::model::AttachedPolicy;
use crate::model::{Reason, Secret, TempCredentials};
use crate::source::{AssumeFailure, AssumeRequest};

/// The policy every SCP-enabled organization attaches everywhere; it allows, so it never explains
/// a deny.
const FULL_AWS_ACCESS: &str = "p-FullAWSAccess";

/// AWS caps role-chained sessions at one hour.
const CHAINED_SESSION_CAP: i32 = 3600;

pub(super) async fn assume(source: &AwsSource, request: &AssumeRequest) -> Result<TempCredentials, AssumeFailure> {
    let chained = source.caller_is_role_session().await;
    let duration = if chained { request.duration_seconds.min(CHAINED_SESSION_CAP) } else { request.duration_seconds };
    let (serial, code) = match &request.mfa {
        Some((serial, code)) => (Some(serial.clone()), Some(code.clone())),
        None => (None, None),
    };
    let result = source
        .calls
        .call(Api::Sts, || {
            source
                .sts
                .assume_role()
                .role_arn(&request.role_arn)
                .role_session_name(&request.session_name)
                .duration_seconds(duration)
                .set_external_id(request.external_id.clone())
                .set_serial_number(serial.clone())
                .set_token_code(code.clone())
                .send()
        })
        .await;
    let output = match result {
        Ok(output) => output,
        Err(err) => {
            let kind = retry::classify(&err);
            let failure = match (err.code(), kind) {
                (_, Failure::Throttled) => AssumeFailure::new(
                    Reason::Throttled,
                    err.code().unwrap_or("Throttling"),
                    err.message().unwrap_or("Rate exceeded"),
                ),
                (Some(code), Failure::Fatal) => {
                    let message = err.message().unwrap_or_default().to_string();
                    let policy_type = classify::denying_policy(&message).map(|p| p.policy_type);
                    AssumeFailure {
                        reason: classify::classify(code, &message),
                        code: code.to_string(),
                        message: message.into(),
                        policy_type,
                    }
                }
                (Some(code), Failure::Transient) => {
                    AssumeFailure::new(Reason::Network, code, err.message().unwrap_or_default())
                }
                (None, _) => {
                    AssumeFailure::new(Reason::Network, "NetworkError", crate::source::aws::errors::chain(&err))
                }
            };
            tracing::debug!(role_arn = %request.role_arn, code = %failure.code, reason = %failure.reason, "AssumeRole failed");
            return Err(failure);
        }
    };
    let Some(credentials) = output.credentials() else {
        return Err(AssumeFailure::new(Reason::Network, "MalformedResponse", "AssumeRole returned no credentials"));
    };
    let expiration = to_chrono(credentials.expiration()).unwrap_or_else(chrono::Utc::now);
    Ok(TempCredentials {
        account_id: request.account_id.clone(),
        role_arn: request.role_arn.clone(),
        access_key_id: credentials.access_key_id().to_string(),
        secret_access_key: Secret::new(credentials.secret_access_key()),
        session_token: Secret::new(credentials.session_token()),
        expiration,
        chained,
        demo: false,
        sso_role: None,
    })
}

pub(super) async fn attached_scps(source: &AwsSource, targets: &[(String, crate::model::Text)]) -> Vec<AttachedPolicy> {
    let mut attached = Vec::new();
    for (target_id, target_name) in targets {
        // Best effort: a target whose policies cannot be read is left out of the hint.
        let Ok(policies) = super::policies::attached(source, crate::model::ControlKind::Scp, target_id).await else {
            continue;
        };
        attached.extend(
            policies.into_iter().filter(|(id, _)| id != FULL_AWS_ACCESS).map(|(id, name)| AttachedPolicy {
                id,
                name,
                target: target_name.clone(),
            }),
        );
    }
    attached
}
