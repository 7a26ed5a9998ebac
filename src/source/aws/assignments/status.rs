//! Identity Center's own record of its requests: `ListAccountAssignmentCreationStatus`,
//! `ListAccountAssignmentDeletionStatus` and `ListPermissionSetProvisioningStatus` (FAILED and
//! IN_PROGRESS, every page), and the describe of each request, which names its parameters and the
//! failure reason. These answer without CloudTrail, which delegated administrators often cannot read.

use aws_sdk_ssoadmin::types::{
    AccountAssignmentOperationStatus, OperationStatusFilter, PermissionSetProvisioningStatus, StatusValues,
};
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use chrono::{DateTime, Utc};

use super::super::pace::Api;
use super::super::retry::Caller;
use super::super::{AwsSource, fatal, to_chrono};
use crate::model::{AssignmentAttempt, AssignmentStatus, Operation, Text};
use crate::source::SourceError;

/// The largest page the status listings return.
const PAGE_SIZE: i32 = 100;

/// One request as a status listing names it.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Listed {
    pub(super) operation: Operation,
    pub(super) instance: String,
    pub(super) request_id: String,
    pub(super) status: AssignmentStatus,
    pub(super) created: Option<DateTime<Utc>>,
}

fn status_of(value: Option<&StatusValues>) -> AssignmentStatus {
    match value.map(StatusValues::as_str) {
        Some("SUCCEEDED") => AssignmentStatus::Succeeded,
        Some("FAILED") => AssignmentStatus::Failed,
        Some("IN_PROGRESS") => AssignmentStatus::InProgress,
        _ => AssignmentStatus::Unknown,
    }
}

/// The Identity Center instances the caller can see (`instance ARN`, `identity store id`).
pub(in crate::source::aws) async fn instances(
    source: &AwsSource,
    sso: &aws_sdk_ssoadmin::Client,
) -> Result<Vec<(String, String)>, SourceError> {
    let found = super::super::paging::collect(|token| async move {
        let page =
            source.calls.call(Api::SsoAdmin, || sso.list_instances().set_next_token(token.clone()).send()).await?;
        let instances = page.instances().iter().filter_map(|i| {
            Some((i.instance_arn()?.to_string(), i.identity_store_id().unwrap_or_default().to_string()))
        });
        Ok((instances.collect(), page.next_token().map(str::to_string)))
    })
    .await;
    found.map_err(|err| err.into_source("sso:ListInstances", |err| fatal("sso:ListInstances", "", err)))
}

/// Every FAILED and IN_PROGRESS request of `operations` in every instance, created in `[start, end]`.
pub(super) async fn list(
    source: &AwsSource,
    sso: &aws_sdk_ssoadmin::Client,
    instances: &[String],
    operations: &[Operation],
    window: (DateTime<Utc>, DateTime<Utc>),
) -> Result<Vec<Listed>, SourceError> {
    let mut listings = Vec::new();
    for instance in instances {
        for &operation in operations {
            for status in [StatusValues::Failed, StatusValues::InProgress] {
                listings.push(list_one(source, sso, instance, operation, status));
            }
        }
    }
    let mut listed: Vec<Listed> = futures::future::try_join_all(listings).await?.into_iter().flatten().collect();
    listed.retain(|l| l.created.is_none_or(|t| window.0 <= t && t <= window.1));
    Ok(listed)
}

/// One `(request id, status, created)` of a listing page.
type Row = (String, AssignmentStatus, Option<DateTime<Utc>>);

async fn list_one(
    source: &AwsSource,
    sso: &aws_sdk_ssoadmin::Client,
    instance: &str,
    operation: Operation,
    status: StatusValues,
) -> Result<Vec<Listed>, SourceError> {
    let filter = OperationStatusFilter::builder().status(status).build();
    let action = list_action(operation);
    let rows = super::super::paging::collect(|token| {
        let filter = filter.clone();
        async move {
            // One page of one listing: the three have the same parameters and item fields, but
            // each its own SDK types.
            macro_rules! page {
                ($list:ident, $items:ident) => {{
                    let page = source
                        .calls
                        .call(Api::SsoAdmin, || {
                            sso.$list()
                                .instance_arn(instance)
                                .filter(filter.clone())
                                .max_results(PAGE_SIZE)
                                .set_next_token(token.clone())
                                .send()
                        })
                        .await
                        .map_err(|err| fatal(action, "", err))?;
                    let rows = page.$items().iter().filter_map(|s| {
                        Some((s.request_id()?.to_string(), status_of(s.status()), s.created_date().and_then(to_chrono)))
                    });
                    (rows.collect(), page.next_token().map(str::to_string))
                }};
            }
            let (rows, next): (Vec<Row>, Option<String>) = match operation {
                Operation::Create => {
                    page!(list_account_assignment_creation_status, account_assignments_creation_status)
                }
                Operation::Delete => {
                    page!(list_account_assignment_deletion_status, account_assignments_deletion_status)
                }
                Operation::Provision => {
                    page!(list_permission_set_provisioning_status, permission_sets_provisioning_status)
                }
            };
            Ok::<_, SourceError>((rows, next))
        }
    })
    .await
    .map_err(|err| err.into_source(action, |err| err))?;
    Ok(rows
        .into_iter()
        .map(|(request_id, status, created)| Listed {
            operation,
            instance: instance.to_string(),
            request_id,
            status,
            created,
        })
        .collect())
}

fn list_action(operation: Operation) -> &'static str {
    match operation {
        Operation::Create => "sso:ListAccountAssignmentCreationStatus",
        Operation::Delete => "sso:ListAccountAssignmentDeletionStatus",
        Operation::Provision => "sso:ListPermissionSetProvisioningStatus",
    }
}

/// What one describe answered: the request's status, reason and error code, and the row as the
/// describe names it (its parameters), when it answered.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Described {
    pub(super) instance: String,
    pub(super) request: String,
    pub(super) status: AssignmentStatus,
    pub(super) reason: Option<Text>,
    pub(super) code: Option<Text>,
    pub(super) row: Option<AssignmentAttempt>,
}

/// An assignment's status (creation or deletion) as a row.
pub(super) fn assignment_row(
    operation: Operation,
    instance: &str,
    status: &AccountAssignmentOperationStatus,
) -> AssignmentAttempt {
    let mut row = AssignmentAttempt::empty(operation);
    row.instance_arn = Some(instance.into());
    row.request_id = status.request_id().map(Text::from);
    row.status = status_of(status.status());
    row.failure_reason = status.failure_reason().map(Text::from);
    row.account_id = status.target_id().map(Text::from);
    row.target_type = status.target_type().map(|t| Text::from(t.as_str()));
    row.permission_set_arn = status.permission_set_arn().map(Text::from);
    row.principal_type = status.principal_type().map(|t| Text::from(t.as_str()));
    row.principal_id = status.principal_id().map(Text::from);
    row.event_time = status.created_date().and_then(to_chrono);
    row
}

/// A permission set's provisioning status as a row (no principal).
pub(super) fn provisioning_row(instance: &str, status: &PermissionSetProvisioningStatus) -> AssignmentAttempt {
    let mut row = AssignmentAttempt::empty(Operation::Provision);
    row.instance_arn = Some(instance.into());
    row.request_id = status.request_id().map(Text::from);
    row.status = status_of(status.status());
    row.failure_reason = status.failure_reason().map(Text::from);
    row.account_id = status.account_id().map(Text::from);
    row.target_type = status.account_id().map(|_| Text::from("AWS_ACCOUNT"));
    row.permission_set_arn = status.permission_set_arn().map(Text::from);
    row.event_time = status.created_date().and_then(to_chrono);
    row
}

/// Describes one request of `operation`. Never fails: an error becomes an `UNKNOWN` status with
/// AWS's code and message.
pub(super) async fn describe(
    calls: Caller,
    sso: aws_sdk_ssoadmin::Client,
    operation: Operation,
    instance: String,
    request: String,
) -> Described {
    let answered: Result<Option<AssignmentAttempt>, (Text, Text)> = match operation {
        Operation::Create => calls
            .call(Api::SsoAdmin, || {
                sso.describe_account_assignment_creation_status()
                    .instance_arn(&instance)
                    .account_assignment_creation_request_id(&request)
                    .send()
            })
            .await
            .map(|out| out.account_assignment_creation_status().map(|s| assignment_row(operation, &instance, s)))
            .map_err(|err| error_of(&err)),
        Operation::Delete => calls
            .call(Api::SsoAdmin, || {
                sso.describe_account_assignment_deletion_status()
                    .instance_arn(&instance)
                    .account_assignment_deletion_request_id(&request)
                    .send()
            })
            .await
            .map(|out| out.account_assignment_deletion_status().map(|s| assignment_row(operation, &instance, s)))
            .map_err(|err| error_of(&err)),
        Operation::Provision => calls
            .call(Api::SsoAdmin, || {
                sso.describe_permission_set_provisioning_status()
                    .instance_arn(&instance)
                    .provision_permission_set_request_id(&request)
                    .send()
            })
            .await
            .map(|out| out.permission_set_provisioning_status().map(|s| provisioning_row(&instance, s)))
            .map_err(|err| error_of(&err)),
    };
    match answered {
        Ok(Some(row)) => {
            let (status, reason) = match row.status {
                AssignmentStatus::Unknown => {
                    (AssignmentStatus::Unknown, Some(Text::from("Identity Center answered an unknown status")))
                }
                AssignmentStatus::Failed => (AssignmentStatus::Failed, row.failure_reason.clone()),
                other => (other, None),
            };
            Described { instance, request, status, reason, code: None, row: Some(row) }
        }
        Ok(None) => Described {
            instance,
            request,
            status: AssignmentStatus::Unknown,
            reason: Some("Identity Center answered without a status".into()),
            code: None,
            row: None,
        },
        Err((code, message)) => Described {
            instance,
            request,
            status: AssignmentStatus::Unknown,
            reason: Some(message),
            code: Some(code),
            row: None,
        },
    }
}

/// AWS's error code (or `NetworkError`) and message.
pub(super) fn error_of<E: ProvideErrorMetadata + std::error::Error + 'static>(
    err: &aws_smithy_runtime_api::client::result::SdkError<
        E,
        aws_smithy_runtime_api::client::orchestrator::HttpResponse,
    >,
) -> (Text, Text) {
    let code = Text::from(err.code().unwrap_or("NetworkError"));
    let message =
        Text::from(err.message().map(str::to_string).unwrap_or_else(|| crate::source::aws::errors::chain(err)));
    (code, message)
}
