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

/// Your own account, read with your own credentials: moto provisions every permission set there.
struct OwnAccount(String);

#[async_trait::async_trait]
impl orgscope::source::Footholds for OwnAccount {
    async fn way_in(&self, account_id: &str) -> Option<orgscope::source::Way> {
        (account_id == self.0).then_some(orgscope::source::Way::Own)
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn levels_from_moto_s_policy_attachments_inline_policies_and_managed_documents() {
    use orgscope::model::Level;
    let Some(moto) = common::moto::Moto::start() else { return };
    moto.create_org_with_accounts("levels", 1).await;
    let config = moto.sdk_config().await;
    let caller = aws_sdk_sts::Client::new(&config).get_caller_identity().send().await.expect("caller");
    let account = caller.account().unwrap_or_default().to_string();
    let sso = aws_sdk_ssoadmin::Client::new(&config);
    let iam = aws_sdk_iam::Client::new(&config);
    let instance = sso.list_instances().send().await.expect("moto lists its instance");
    let instance_arn = instance.instances().first().and_then(|i| i.instance_arn()).unwrap_or_default().to_string();
    let data_write = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:PutObject","Resource":"arn:aws:s3:::lake/*"}]}"#;
    iam.create_policy()
        .policy_name("DataWrite")
        .path("/team/")
        .policy_document(data_write)
        .send()
        .await
        .expect("a customer-managed policy");
    let mut sets = Vec::new();
    for name in ["Admin", "Reader", "Passer", "Data"] {
        let set = sso
            .create_permission_set()
            .instance_arn(&instance_arn)
            .name(name)
            .session_duration("PT1H")
            .send()
            .await
            .expect("create permission set");
        let arn = set.permission_set().and_then(|p| p.permission_set_arn()).unwrap_or_default().to_string();
        sso.provision_permission_set()
            .instance_arn(&instance_arn)
            .permission_set_arn(&arn)
            .target_id(&account)
            .target_type(aws_sdk_ssoadmin::types::ProvisionTargetType::AwsAccount)
            .send()
            .await
            .expect("provision");
        sets.push((name, arn));
    }
    let attach = |set: usize, policy: &str| {
        sso.attach_managed_policy_to_permission_set()
            .instance_arn(&instance_arn)
            .permission_set_arn(&sets[set].1)
            .managed_policy_arn(policy)
            .send()
    };
    attach(0, "arn:aws:iam::aws:policy/AdministratorAccess").await.expect("attach AdministratorAccess");
    attach(1, "arn:aws:iam::aws:policy/ReadOnlyAccess").await.expect("attach ReadOnlyAccess");
    sso.put_inline_policy_to_permission_set()
        .instance_arn(&instance_arn)
        .permission_set_arn(&sets[2].1)
        .inline_policy(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:PassRole","Resource":"*"}]}"#,
        )
        .send()
        .await
        .expect("put an inline policy");
    sso.attach_customer_managed_policy_reference_to_permission_set()
        .instance_arn(&instance_arn)
        .permission_set_arn(&sets[3].1)
        .customer_managed_policy_reference(
            aws_sdk_ssoadmin::types::CustomerManagedPolicyReference::builder()
                .name("DataWrite")
                .path("/team/")
                .build()
                .expect("a reference"),
        )
        .send()
        .await
        .expect("attach a customer-managed policy");

    let source = AwsSource::connect(moto.options()).await.expect("connect to moto");
    let query = AccessQuery {
        footholds: Some(std::sync::Arc::new(OwnAccount(account.clone()))),
        ..AccessQuery::region(Some("us-east-1"))
    };
    let map = source.identity_center(&query).await.expect("the map is read");
    let level = |name: &str| {
        let set = map.permission_sets.iter().find(|p| p.name.as_ref().is_some_and(|n| n == name)).expect(name);
        (set.level, set.level_why.as_ref().map(|w| w.raw().to_string()).unwrap_or_default())
    };
    assert_eq!(level("Admin").0, Some(Level::Admin), "{:?}", level("Admin"));
    assert_eq!(level("Reader").0, Some(Level::Read), "moto's ReadOnlyAccess document: {:?}", level("Reader"));
    // moto has no GetPermissionsBoundaryForPermissionSet (it answers 500 with a page of HTML):
    // the level is decided without a boundary, as the most the set can do, and says so.
    let (passer, why) = level("Passer");
    assert_eq!(passer, Some(Level::Privileged));
    assert!(why.starts_with("allows iam:PassRole on every role (at most: its boundary could not be read"), "{why}");
    let (data, why) = level("Data");
    assert_eq!(data, Some(Level::Write));
    assert!(why.starts_with("allows s3:PutObject"), "{why}");
    let data = map.permission_sets.iter().find(|p| p.name.as_ref().is_some_and(|n| n == "Data")).expect("Data");
    let policies = data.policies.as_ref().expect("read");
    assert_eq!(policies.customer_managed, ["/team/DataWrite"]);
    assert_eq!(policies.session_duration.as_ref().map(|d| d.raw()), Some("PT1H"));
    // Every provisioned pair's usage was read from the account's roles (moto keeps no use).
    assert_eq!(map.usage.len(), 4);
    assert!(map.usage.iter().all(|u| u.readable && u.last_used.is_none()), "{:?}", map.usage);
}
