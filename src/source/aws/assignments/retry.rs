//! The one write orgscope makes, and only when the user confirmed it: a FAILED request sent again
//! with the same parameters (`CreateAccountAssignment`, `DeleteAccountAssignment` or
//! `ProvisionPermissionSet`), then followed to its final status.

use std::time::Duration;

use aws_sdk_ssoadmin::types::{PrincipalType, ProvisionTargetType, TargetType};

use super::super::AwsSource;
use super::super::pace::Api;
use super::status::{self, assignment_row, error_of, provisioning_row};
use super::{clients, is_final};
use crate::model::{AssignmentAttempt, AssignmentStatus, Operation, RawText, Text};
use crate::source::SourceError;

/// The first wait before asking how the new request went; each later wait doubles, up to
/// [`POLL_MAX`]. Identity Center finishes most requests within seconds.
const POLL_FIRST: Duration = Duration::from_millis(250);
const POLL_MAX: Duration = Duration::from_secs(5);
/// How long a retry is followed before it is reported as still IN_PROGRESS.
const FOLLOW_FOR: Duration = Duration::from_secs(600);

/// Codes that mean "no such request here": the next operation or instance is asked.
fn not_here(code: &str) -> bool {
    matches!(code, "ResourceNotFoundException" | "ValidationException")
}

impl AwsSource {
    /// The outcome of one `CreateAccountAssignment` request in Identity Center's `region`:
    /// status, failure reason, and the error code when it could not be read.
    pub async fn assignment_status(
        &self,
        region: &str,
        instance_arn: &str,
        request_id: &str,
    ) -> (AssignmentStatus, Option<Text>, Option<Text>) {
        let sso = clients(self, region).sso;
        let described =
            status::describe(self.calls.clone(), sso, Operation::Create, instance_arn.into(), request_id.into()).await;
        (described.status, described.reason, described.code)
    }

    /// The request `request_id` with its parameters, from the describe of whichever operation
    /// knows it, in any instance the caller sees. `None` when none does.
    pub(in crate::source::aws) async fn find_request(
        &self,
        sso_region: Option<&str>,
        request_id: &str,
    ) -> Result<Option<AssignmentAttempt>, SourceError> {
        let sso = clients(self, &self.sso_region_for(sso_region)).sso;
        for (instance, _) in status::instances(self, &sso).await? {
            for operation in Operation::ALL {
                let found =
                    status::describe(self.calls.clone(), sso.clone(), operation, instance.clone(), request_id.into())
                        .await;
                match (&found.row, &found.code) {
                    (Some(row), _) => {
                        let mut row = row.clone();
                        row.failure_reason = found.reason.clone();
                        return Ok(Some(row));
                    }
                    (None, Some(code)) if not_here(code.raw()) => continue,
                    (None, Some(code)) => {
                        return Err(SourceError::Service {
                            action: describe_action(operation),
                            code: code.clone(),
                            message: found.reason.unwrap_or_default(),
                        });
                    }
                    (None, None) => continue,
                }
            }
        }
        Ok(None)
    }

    /// Sends `attempt`'s request again and follows the new one to its final status (or
    /// [`FOLLOW_FOR`]). A refused call comes back as an `API_ERROR` row with AWS's code and words.
    pub(in crate::source::aws) async fn retry_request(
        &self,
        sso_region: Option<&str>,
        attempt: &AssignmentAttempt,
    ) -> Result<AssignmentAttempt, SourceError> {
        attempt.retryable().map_err(|why| SourceError::Refused(why.to_string()))?;
        let sso = clients(self, &self.sso_region_for(sso_region)).sso;
        let instance = attempt.instance_arn.raw().unwrap_or_default().to_string();
        let sent = send(self, &sso, attempt, &instance).await;
        let mut row = attempt.clone();
        row.event_id = None;
        row.actor = None;
        row.raw_event = None;
        row.hint = None;
        row.error_code = None;
        row.event_time = Some(chrono::Utc::now());
        let new = match sent {
            Ok(new) => new,
            Err((code, message)) => {
                tracing::info!(code = %code, "the retry was refused");
                row.request_id = None;
                row.status = AssignmentStatus::ApiError;
                row.failure_reason = Some(message);
                row.error_code = Some(code);
                return Ok(row);
            }
        };
        row.request_id = new.request_id.clone();
        row.status = new.status;
        row.failure_reason = new.failure_reason.clone();
        let Some(request) = new.request_id.as_ref().map(|r| r.raw().to_string()) else {
            row.status = AssignmentStatus::Unknown;
            row.failure_reason = Some("Identity Center accepted the retry but named no request id".into());
            return Ok(row);
        };
        let started = tokio::time::Instant::now();
        let mut wait = POLL_FIRST;
        while !is_final(row.status) && started.elapsed() < FOLLOW_FOR {
            tokio::time::sleep(wait).await;
            wait = (wait * 2).min(POLL_MAX);
            let described =
                status::describe(self.calls.clone(), sso.clone(), attempt.operation, instance.clone(), request.clone())
                    .await;
            row.status = described.status;
            row.failure_reason = described.reason;
            row.error_code = described.code;
            if row.status == AssignmentStatus::Unknown {
                break;
            }
        }
        tracing::info!(status = row.status.code(), "retry followed");
        Ok(row)
    }
}

fn describe_action(operation: Operation) -> &'static str {
    match operation {
        Operation::Create => "sso:DescribeAccountAssignmentCreationStatus",
        Operation::Delete => "sso:DescribeAccountAssignmentDeletionStatus",
        Operation::Provision => "sso:DescribePermissionSetProvisioningStatus",
    }
}

/// The write itself, with the request's own parameters; the new request's first status.
async fn send(
    source: &AwsSource,
    sso: &aws_sdk_ssoadmin::Client,
    attempt: &AssignmentAttempt,
    instance: &str,
) -> Result<AssignmentAttempt, (Text, Text)> {
    let permission_set = attempt.permission_set_arn.raw().unwrap_or_default();
    let account = attempt.account_id.raw();
    let principal_type = attempt.principal_type.raw().map(PrincipalType::from);
    let principal_id = attempt.principal_id.raw();
    let target_type = TargetType::from(attempt.target_type.raw().unwrap_or("AWS_ACCOUNT"));
    let calls = &source.calls;
    // Creating and deleting take the same parameters, through their own SDK builders.
    macro_rules! assignment {
        ($call:ident, $status:ident, $operation:expr) => {
            calls
                .call(Api::SsoAdmin, || {
                    sso.$call()
                        .instance_arn(instance)
                        .permission_set_arn(permission_set)
                        .set_target_id(account.map(str::to_string))
                        .target_type(target_type.clone())
                        .set_principal_type(principal_type.clone())
                        .set_principal_id(principal_id.map(str::to_string))
                        .send()
                })
                .await
                .map_err(|err| error_of(&err))?
                .$status()
                .map(|s| assignment_row($operation, instance, s))
        };
    }
    match attempt.operation {
        Operation::Create => {
            assignment!(create_account_assignment, account_assignment_creation_status, Operation::Create)
        }
        Operation::Delete => {
            assignment!(delete_account_assignment, account_assignment_deletion_status, Operation::Delete)
        }
        Operation::Provision => {
            let target = ProvisionTargetType::from(attempt.target_type.raw().unwrap_or("AWS_ACCOUNT"));
            calls
                .call(Api::SsoAdmin, || {
                    sso.provision_permission_set()
                        .instance_arn(instance)
                        .permission_set_arn(permission_set)
                        .set_target_id(account.map(str::to_string))
                        .target_type(target.clone())
                        .send()
                })
                .await
                .map_err(|err| error_of(&err))?
                .permission_set_provisioning_status()
                .map(|s| provisioning_row(instance, s))
        }
    }
    .ok_or_else(|| (Text::from("EmptyResponse"), Text::from("Identity Center answered the retry without a status")))
}
