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
