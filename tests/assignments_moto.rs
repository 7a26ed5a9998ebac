//! Identity Center against moto: an assignment created through sso-admin, then its status read
//! through orgscope's source layer (DescribeAccountAssignmentCreationStatus).

mod common;

use orgscope::model::AssignmentStatus;
use orgscope::source::aws::AwsSource;

#[tokio::test(flavor = "multi_thread")]
async fn a_created_assignment_is_described_through_the_source_layer() {
    let Some(moto) = common::moto::Moto::start() else { return };
    let ids = moto.create_org_with_accounts("sso", 1).await;
    let config = moto.sdk_config().await;
    let sso = aws_sdk_ssoadmin::Client::new(&config);
    let instance = "arn:aws:sso:::instance/ssoins-moto0000000001";
    // moto answers CreatePermissionSet with a numeric SessionDuration the SDK refuses, so the
    // assignment names a permission set ARN directly (moto does not check it).
    let permission_set_arn = format!("{instance}/ps-moto000000000001");
    let created = sso
        .create_account_assignment()
        .instance_arn(instance)
        .target_id(&ids[0])
        .target_type(aws_sdk_ssoadmin::types::TargetType::AwsAccount)
        .permission_set_arn(&permission_set_arn)
        .principal_type(aws_sdk_ssoadmin::types::PrincipalType::Group)
        .principal_id("g-moto")
        .send()
        .await
        .expect("create account assignment");
    let request_id =
        created.account_assignment_creation_status().and_then(|s| s.request_id()).expect("a request id").to_string();
    let expected =
        created.account_assignment_creation_status().and_then(|s| s.status()).map(|s| s.as_str().to_string());

    let options = moto.options();
    let source = AwsSource::connect(options).await.expect("connect to moto");
    let (status, reason, code) = source.assignment_status("us-east-1", instance, &request_id).await;
    assert_eq!(code, None, "{reason:?}");
    assert_eq!(Some(status.code().to_string()), expected, "the status moto holds for the request");
    assert_ne!(status, AssignmentStatus::Unknown);

    let (status, _, code) = source.assignment_status("us-east-1", instance, "no-such-request").await;
    assert_eq!(status, AssignmentStatus::Unknown);
    assert!(code.is_some(), "an unknown request is reported with its error code");
}

/// moto's instance (what its ListInstances names), a deletion found by its request id through the
/// describe of whichever operation knows it, and a retry sent as a real write.
#[tokio::test(flavor = "multi_thread")]
async fn a_deletion_is_found_by_its_id_and_a_failed_creation_retried_through_moto() {
    use orgscope::model::{AssignmentAttempt, Operation, RawText};
    use orgscope::source::Source;
    let Some(moto) = common::moto::Moto::start() else { return };
    let ids = moto.create_org_with_accounts("sso-retry", 1).await;
    let config = moto.sdk_config().await;
    let sso = aws_sdk_ssoadmin::Client::new(&config);
    let instances = sso.list_instances().send().await.expect("moto lists its instance");
    let instance = instances.instances().first().and_then(|i| i.instance_arn()).expect("an instance").to_string();
    let permission_set_arn = format!("{instance}/ps-moto000000000002");
    // The same assignment made, then taken away: the two calls take the same parameters.
    macro_rules! assignment {
        ($call:ident) => {
            sso.$call()
                .instance_arn(&instance)
                .target_id(&ids[0])
                .target_type(aws_sdk_ssoadmin::types::TargetType::AwsAccount)
                .permission_set_arn(&permission_set_arn)
                .principal_type(aws_sdk_ssoadmin::types::PrincipalType::User)
                .principal_id("u-moto")
                .send()
                .await
        };
    }
    assignment!(create_account_assignment).expect("create");
    let deleted = assignment!(delete_account_assignment).expect("delete");
    let deletion = deleted
        .account_assignment_deletion_status()
        .and_then(|s| s.request_id())
        .expect("a deletion request id")
        .to_string();

    let source = AwsSource::connect(moto.options()).await.expect("connect to moto");
    let found = source.assignment_request(Some("us-east-1"), &deletion).await.expect("the lookup answers");
    let found = found.expect("moto knows the deletion");
    assert_eq!(found.operation, Operation::Delete);
    assert_eq!(found.account_id.raw(), Some(ids[0].as_str()));
    assert_eq!(found.principal_id.raw(), Some("u-moto"));
    assert_eq!(found.instance_arn.raw(), Some(instance.as_str()));
    // (An unknown id is asked of all three describes; moto lacks the provisioning one, so that
    // case is tested against the local endpoint, tests/triage_fake.rs.)

    // A creation that failed (as a row says), sent again: moto accepts the write and the retry
    // follows the new request to its final status.
    let failed = AssignmentAttempt {
        request_id: Some("req-failed".into()),
        status: AssignmentStatus::Failed,
        instance_arn: Some(instance.as_str().into()),
        account_id: Some(ids[0].as_str().into()),
        target_type: Some("AWS_ACCOUNT".into()),
        permission_set_arn: Some(permission_set_arn.as_str().into()),
        principal_type: Some("USER".into()),
        principal_id: Some("u-moto".into()),
        ..AssignmentAttempt::empty(Operation::Create)
    };
    let retried = source.retry_assignment(Some("us-east-1"), &failed).await.expect("the retry is sent");
    assert_eq!(retried.status, AssignmentStatus::Succeeded, "{retried:?}");
    assert_ne!(retried.request_id.raw(), Some("req-failed"), "a new request");
    let listed = sso
        .list_account_assignments()
        .instance_arn(&instance)
        .account_id(&ids[0])
        .permission_set_arn(&permission_set_arn)
        .send()
        .await
        .expect("list assignments");
    assert_eq!(listed.account_assignments().len(), 1, "moto holds the assignment the retry made");
}
