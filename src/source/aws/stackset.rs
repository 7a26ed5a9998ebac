//! `fix --stackset`: the service-managed StackSet `orgscope-access-role` (created once, automatic
//! deployment on) installing the access role in exactly the accounts that need it — instances
//! added for those accounts (their OUs intersected with their ids), the operation followed to its
//! end, each instance's result read back. Called from the management account (or a delegated
//! CloudFormation administrator).

use std::time::Duration;

use aws_sdk_cloudformation::types::{
    AccountFilterType, AutoDeployment, Capability, DeploymentTargets, ManagedExecution, Parameter, PermissionModels,
    StackInstanceStatus, StackSetOperationPreferences, StackSetOperationStatus,
};

use super::AwsSource;
use super::pace::Api;
use crate::source::{Deployment, InstanceResult};

/// The StackSet's name.
pub const STACKSET_NAME: &str = "orgscope-access-role";

/// How long an operation is followed before orgscope stops waiting (it goes on in AWS).
const PATIENCE: Duration = Duration::from_secs(30 * 60);

/// Installs `deployment.role` in `deployment.accounts` (`(account id, parent OU or root id)`),
/// saying each step through `progress`; the result of every account's instance.
pub(super) async fn deploy(
    source: &AwsSource,
    deployment: &Deployment,
    progress: &(dyn Fn(String) + Send + Sync),
) -> Result<Vec<InstanceResult>, String> {
    let cfn = aws_sdk_cloudformation::Client::new(&source.config);
    let exists = match source
        .calls
        .call(Api::CloudFormation, || cfn.describe_stack_set().stack_set_name(STACKSET_NAME).send())
        .await
    {
        Ok(_) => true,
        Err(err) if err.as_service_error().is_some_and(|e| e.is_stack_set_not_found_exception()) => false,
        Err(err) => return Err(super::errors::call_failed("cloudformation", "DescribeStackSet", &err)),
    };
    if !exists {
        progress(format!("creating the StackSet {STACKSET_NAME} (service-managed, automatic deployment)…"));
        let parameter = |key: &str, value: &str| Parameter::builder().parameter_key(key).parameter_value(value).build();
        let auto = AutoDeployment::builder().enabled(true).retain_stacks_on_account_removal(false).build();
        source
            .calls
            .call(Api::CloudFormation, || {
                cfn.create_stack_set()
                    .stack_set_name(STACKSET_NAME)
                    .description("Installs the cross-account role orgscope and the management account use")
                    .template_body(crate::remedy::templates::ACCESS_ROLE)
                    .permission_model(PermissionModels::ServiceManaged)
                    .auto_deployment(auto.clone())
                    .capabilities(Capability::CapabilityNamedIam)
                    .managed_execution(ManagedExecution::builder().active(true).build())
                    .parameters(parameter("ManagementAccountId", &deployment.trusted_account))
                    .parameters(parameter("RoleName", &deployment.role))
                    .parameters(parameter("ExternalId", ""))
                    .send()
            })
            .await
            .map_err(|err| super::errors::call_failed("cloudformation", "CreateStackSet", &err))?;
    }
    let mut ous: Vec<String> = deployment.accounts.iter().map(|(_, ou)| ou.clone()).collect();
    ous.sort();
    ous.dedup();
    let accounts: Vec<String> = deployment.accounts.iter().map(|(id, _)| id.clone()).collect();
    let targets = DeploymentTargets::builder()
        .set_organizational_unit_ids(Some(ous))
        .set_accounts(Some(accounts.clone()))
        .account_filter_type(AccountFilterType::Intersection)
        .build();
    // Every instance stands alone: one account's failure must not stop the others.
    let preferences = StackSetOperationPreferences::builder()
        .failure_tolerance_percentage(100)
        .max_concurrent_percentage(100)
        .build();
    progress(format!("adding instances for {} account(s) in {}…", accounts.len(), deployment.region));
    let added = source
        .calls
        .call(Api::CloudFormation, || {
            cfn.create_stack_instances()
                .stack_set_name(STACKSET_NAME)
                .deployment_targets(targets.clone())
                .regions(&deployment.region)
                .operation_preferences(preferences.clone())
                .send()
        })
        .await
        .map_err(|err| super::errors::call_failed("cloudformation", "CreateStackInstances", &err))?;
    let operation = added.operation_id().unwrap_or_default().to_string();
    follow(source, &cfn, &operation, progress).await?;
    instances(source, &cfn, &accounts).await
}

/// Waits for the operation to end, saying its status as it changes.
async fn follow(
    source: &AwsSource,
    cfn: &aws_sdk_cloudformation::Client,
    operation: &str,
    progress: &(dyn Fn(String) + Send + Sync),
) -> Result<(), String> {
    let started = std::time::Instant::now();
    let mut said = None;
    loop {
        let answer = source
            .calls
            .call(Api::CloudFormation, || {
                cfn.describe_stack_set_operation().stack_set_name(STACKSET_NAME).operation_id(operation).send()
            })
            .await
            .map_err(|err| super::errors::call_failed("cloudformation", "DescribeStackSetOperation", &err))?;
        let status = answer.stack_set_operation().and_then(|o| o.status().cloned());
        if said != status {
            progress(format!("operation {operation}: {}", status.as_ref().map(|s| s.as_str()).unwrap_or("unknown")));
            said = status.clone();
        }
        match status {
            Some(
                StackSetOperationStatus::Succeeded | StackSetOperationStatus::Failed | StackSetOperationStatus::Stopped,
            ) => {
                return Ok(());
            }
            _ if started.elapsed() > PATIENCE => {
                return Err(format!(
                    "operation {operation} still runs after {} minutes: `aws cloudformation describe-stack-set-operation` follows it",
                    PATIENCE.as_secs() / 60
                ));
            }
            _ => tokio::time::sleep(Duration::from_secs(2)).await,
        }
    }
}

/// Each account's instance: CURRENT is installed; anything else carries CloudFormation's reason.
async fn instances(
    source: &AwsSource,
    cfn: &aws_sdk_cloudformation::Client,
    accounts: &[String],
) -> Result<Vec<InstanceResult>, String> {
    let mut found = Vec::new();
    let mut token: Option<String> = None;
    let mut guard = super::paging::PageGuard::default();
    loop {
        let page = source
            .calls
            .call(Api::CloudFormation, || {
                cfn.list_stack_instances().stack_set_name(STACKSET_NAME).set_next_token(token.clone()).send()
            })
            .await
            .map_err(|err| super::errors::call_failed("cloudformation", "ListStackInstances", &err))?;
        for summary in page.summaries() {
            let Some(account) = summary.account().filter(|a| accounts.iter().any(|w| w == a)) else { continue };
            let result = match summary.status() {
                Some(StackInstanceStatus::Current) => Ok(()),
                other => Err(format!(
                    "the stack instance is {}: {}",
                    other.map(|s| s.as_str()).unwrap_or("unknown"),
                    crate::text::visible(summary.status_reason().unwrap_or("no reason given"))
                )),
            };
            found.push(InstanceResult { account_id: account.to_string(), result });
        }
        if !guard.next(page.next_token()).map_err(|why| format!("ListStackInstances: {why}"))? {
            break;
        }
        token = page.next_token().map(str::to_string);
    }
    for account in accounts {
        if !found.iter().any(|f| &f.account_id == account) {
            found.push(InstanceResult {
                account_id: account.clone(),
                result: Err("CloudFormation lists no instance for it".into()),
            });
        }
    }
    Ok(found)
}
