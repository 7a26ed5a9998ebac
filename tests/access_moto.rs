//! The access map against moto: permission sets, assignments and the Identity Store made through
//! the real SDK, then read by orgscope's source layer and turned into effective access.

mod common;

use orgscope::model::identity::Principal;
use orgscope::source::aws::AwsSource;
use orgscope::source::{AccessQuery, Source};

#[tokio::test(flavor = "multi_thread")]
async fn the_map_and_a_users_effective_access_from_moto() {
    let Some(moto) = common::moto::Moto::start() else { return };
    moto.create_org_with_accounts("access", 1).await;
    let config = moto.sdk_config().await;
    // moto provisions a permission set to the caller's own account only (and ignores the
    // ProvisioningStatus filter), so both assignments are made there, through two routes.
    let caller = aws_sdk_sts::Client::new(&config).get_caller_identity().send().await.expect("caller");
    let account = caller.account().unwrap_or_default().to_string();
    let sso = aws_sdk_ssoadmin::Client::new(&config);
    let store = aws_sdk_identitystore::Client::new(&config);
    let instance = sso.list_instances().send().await.expect("moto lists its instance");
    let instance = instance.instances().first().cloned().expect("an instance");
    let (arn, store_id) = (
        instance.instance_arn().unwrap_or_default().to_string(),
        instance.identity_store_id().unwrap_or_default().to_string(),
    );
    // moto answers CreatePermissionSet with a SessionDuration the SDK cannot read; the set is made
    // all the same, and ListPermissionSets names it.
    let _ = sso.create_permission_set().instance_arn(&arn).name("Admin").send().await;
    let sets = sso.list_permission_sets().instance_arn(&arn).send().await.expect("list permission sets");
    let set = sets.permission_sets().first().cloned().expect("the permission set");

    let user = store
        .create_user()
        .identity_store_id(&store_id)
        .user_name("jane")
        .display_name("Jane Doe")
        .name(aws_sdk_identitystore::types::Name::builder().given_name("Jane").family_name("Doe").build())
        .send()
        .await
        .expect("create user");
    let group =
        store.create_group().identity_store_id(&store_id).display_name("Admins").send().await.expect("create group");
    store
        .create_group_membership()
        .identity_store_id(&store_id)
        .group_id(group.group_id())
        .member_id(aws_sdk_identitystore::types::MemberId::UserId(user.user_id().to_string()))
        .send()
        .await
        .expect("create membership");
    sso.provision_permission_set()
        .instance_arn(&arn)
        .permission_set_arn(&set)
        .target_id(&account)
        .target_type(aws_sdk_ssoadmin::types::ProvisionTargetType::AwsAccount)
        .send()
        .await
        .expect("provision the permission set");
    for (kind, principal) in [
        (aws_sdk_ssoadmin::types::PrincipalType::Group, group.group_id()),
        (aws_sdk_ssoadmin::types::PrincipalType::User, user.user_id()),
    ] {
        sso.create_account_assignment()
            .instance_arn(&arn)
            .target_id(&account)
            .target_type(aws_sdk_ssoadmin::types::TargetType::AwsAccount)
            .permission_set_arn(&set)
            .principal_type(kind)
            .principal_id(principal)
            .send()
            .await
            .expect("create account assignment");
    }

    let source = AwsSource::connect(moto.options()).await.expect("connect to moto");
    let map = source.identity_center(&AccessQuery::region(Some("us-east-1"))).await.expect("the map is read");
    assert_eq!(map.users.iter().map(|u| u.name().raw().to_string()).collect::<Vec<_>>(), ["jane"]);
    assert_eq!(map.groups.iter().map(|g| g.name().raw().to_string()).collect::<Vec<_>>(), ["Admins"]);
    assert_eq!(map.memberships.len(), 1);
    let jane = map.find_principal("Jane Doe").expect("found by display name");
    assert!(matches!(jane, Principal::User(_)));
    let rows = map.rows(Some(&jane), &|_| None);
    let mut routes: Vec<(String, Option<String>)> = rows
        .iter()
        .map(|r| (r.account_id.raw().to_string(), r.via_group.as_ref().map(|v| v.name.raw().to_string())))
        .collect();
    routes.sort();
    let mut expected = vec![(account.clone(), Some("Admins".to_string())), (account.clone(), None)];
    expected.sort();
    assert_eq!(routes, expected, "her own assignment and her group's; unavailable: {:?}", map.unavailable);

    // Her reach alone, through moto's GetUserId, ListGroupMembershipsForMember and
    // ListAccountAssignmentsForPrincipal, is the same as the whole map's.
    for wanted in ["jane", "Jane Doe", user.user_id()] {
        let alone = source
            .principal_access(&orgscope::source::AccessQuery::region(Some("us-east-1")), wanted)
            .await
            .expect("her reach is read");
        let found = alone.find_principal(wanted).expect("found");
        assert_eq!(alone.rows(Some(&found), &|_| None), rows, "{wanted}: {:?}", alone.unavailable);
    }

    // moto has ProvisionPermissionSet: a failed provisioning retried through it is sent once with
    // the row's permission set and account, and ends with moto's answer.
    use orgscope::model::{AssignmentAttempt, AssignmentStatus, Operation};
    let failed = AssignmentAttempt {
        request_id: Some("prov-failed".into()),
        status: AssignmentStatus::Failed,
        instance_arn: Some(arn.as_str().into()),
        account_id: Some(account.as_str().into()),
        target_type: Some("AWS_ACCOUNT".into()),
        permission_set_arn: Some(set.as_str().into()),
        ..AssignmentAttempt::empty(Operation::Provision)
    };
    let retried = source.retry_assignment(Some("us-east-1"), &failed).await.expect("the retry is sent");
    assert_eq!(retried.operation, Operation::Provision);
    assert_ne!(retried.status, AssignmentStatus::ApiError, "moto accepted the write: {retried:?}");
    assert_ne!(retried.request_id, failed.request_id, "a new request");
}
