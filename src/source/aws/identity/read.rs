//! Identity Center's access map through the SDK, in Identity Center's region:
//! `ListInstances`, `ListPermissionSets` and `DescribePermissionSet`; for each permission set
//! `ListAccountsForProvisionedPermissionSet` twice (at its latest version, and not), which names
//! the (account, permission set) pairs that can hold assignments; `ListAccountAssignments` for each
//! pair; and the Identity Store's `ListUsers`, `ListGroups` and `ListGroupMemberships` per group.
//! Every listing is paged to its end; the calls go through the shared pacer (Identity Center's
//! budget is about 20 a second, throttling slows the run and never fails it). A listing that fails
//! is said in `unavailable` and the rest is read: an account's assignments, or the Identity Store
//! (names then fall back to ids).
//!
//! The plan is per (account, permission set) pair. Per principal
//! (`ListAccountAssignmentsForPrincipal`) would cost one call per user and group instead; the pair
//! plan is chosen because an organization's provisioned pairs are usually far fewer than its users
//! and groups (2,000 accounts × a few sets each against 5,000 users and 300 groups).

use aws_sdk_ssoadmin::types::ProvisioningStatus;
use futures::stream::{self, StreamExt};

use super::AwsSource;
use super::pace::Api;
use super::paging::collect;
use crate::model::Text;
use crate::model::identity::{Assignment, Group, IdentityCenter, Membership, PermissionSet, Provisioned, User};
use crate::source::SourceError;

/// The SDK's own error as one clause for `unavailable`.
fn said<E: aws_smithy_types::error::metadata::ProvideErrorMetadata + std::error::Error + 'static>(
    action: &str,
    err: &aws_smithy_runtime_api::client::result::SdkError<
        E,
        aws_smithy_runtime_api::client::orchestrator::HttpResponse,
    >,
) -> String {
    use aws_smithy_types::error::metadata::ProvideErrorMetadata as _;
    match err.code() {
        Some(code) => format!("{action} failed: {code}: {}", err.message().unwrap_or_default()),
        None => format!("{action} failed: {}", aws_smithy_types::error::display::DisplayErrorContext(err)),
    }
}

fn page_error<E: std::fmt::Display>(action: &str, err: super::paging::PageError<E>) -> String {
    match err {
        super::paging::PageError::Call(message) => message.to_string(),
        super::paging::PageError::Paging(message) => format!("{action}: {message}"),
    }
}

pub(super) async fn identity_center(
    source: &AwsSource,
    sso_region: Option<&str>,
) -> Result<IdentityCenter, SourceError> {
    let region = aws_config::Region::new(source.sso_region_for(sso_region));
    let sso = aws_sdk_ssoadmin::Client::from_conf(
        aws_sdk_ssoadmin::config::Builder::from(&source.config).region(region.clone()).build(),
    );
    let store = aws_sdk_identitystore::Client::from_conf(
        aws_sdk_identitystore::config::Builder::from(&source.config).region(region).build(),
    );
    let instances = super::assignments::instances(source, &sso).await?;
    let mut map = IdentityCenter::default();
    let concurrency = source.calls.concurrency().max(1);
    for (instance, store_id) in &instances {
        let (sso, instance) = (&sso, instance.as_str());
        let arns = collect(|token| async move {
            let page = source
                .calls
                .call(Api::SsoAdmin, || {
                    sso.list_permission_sets().instance_arn(instance).set_next_token(token.clone()).send()
                })
                .await
                .map_err(|err| said("sso:ListPermissionSets", &err))?;
            Ok::<_, String>((page.permission_sets().to_vec(), page.next_token().map(str::to_string)))
        })
        .await
        .map_err(|err| SourceError::Service {
            action: "sso:ListPermissionSets",
            code: "ListingFailed".into(),
            message: page_error("sso:ListPermissionSets", err).into(),
        })?;
        // Names and provisioning, per permission set, side by side.
        let per_set = stream::iter(arns.iter().cloned())
            .map(|arn| async move {
                let name = super::assignments::permission_set_name(&source.calls, sso, instance, &arn).await;
                let mut provisioned = Vec::new();
                let mut failed = Vec::new();
                for (status, current) in [
                    (ProvisioningStatus::LatestPermissionSetProvisioned, true),
                    (ProvisioningStatus::LatestPermissionSetNotProvisioned, false),
                ] {
                    let arn = arn.as_str();
                    let listed = collect(|token| {
                        let status = status.clone();
                        async move {
                            let page = source
                                .calls
                                .call(Api::SsoAdmin, || {
                                    sso.list_accounts_for_provisioned_permission_set()
                                        .instance_arn(instance)
                                        .permission_set_arn(arn)
                                        .provisioning_status(status.clone())
                                        .set_next_token(token.clone())
                                        .send()
                                })
                                .await
                                .map_err(|err| said("sso:ListAccountsForProvisionedPermissionSet", &err))?;
                            Ok::<_, String>((page.account_ids().to_vec(), page.next_token().map(str::to_string)))
                        }
                    })
                    .await;
                    match listed {
                        Ok(accounts) => provisioned.extend(accounts.into_iter().map(|account| Provisioned {
                            account_id: account.into(),
                            permission_set_arn: arn.into(),
                            current,
                        })),
                        Err(err) => failed.push(page_error("sso:ListAccountsForProvisionedPermissionSet", err)),
                    }
                }
                (PermissionSet { arn: arn.as_str().into(), name }, provisioned, failed)
            })
            .buffer_unordered(concurrency);
        let per_set: Vec<_> = per_set.collect().await;
        let mut here = Vec::new();
        for (set, provisioned, failed) in per_set {
            map.permission_sets.push(set);
            here.extend(provisioned);
            map.unavailable.extend(failed.into_iter().map(Text::from));
        }
        // The assignments of every pair this instance provisioned.
        let mut pairs: Vec<(String, String)> =
            here.iter().map(|p| (p.account_id.raw().to_string(), p.permission_set_arn.raw().to_string())).collect();
        pairs.sort();
        pairs.dedup();
        let listed: Vec<Result<Vec<Assignment>, String>> = stream::iter(pairs)
            .map(|(account, arn)| async move {
                let (account, arn) = (account.as_str(), arn.as_str());
                collect(|token| async move {
                    let page = source
                        .calls
                        .call(Api::SsoAdmin, || {
                            sso.list_account_assignments()
                                .instance_arn(instance)
                                .account_id(account)
                                .permission_set_arn(arn)
                                .set_next_token(token.clone())
                                .send()
                        })
                        .await
                        .map_err(|err| said(&format!("sso:ListAccountAssignments for account {account}"), &err))?;
                    let rows = page.account_assignments().iter().filter_map(|a| {
                        Some(Assignment {
                            account_id: a.account_id().unwrap_or(account).into(),
                            permission_set_arn: a.permission_set_arn().unwrap_or(arn).into(),
                            principal_type: a.principal_type()?.as_str().into(),
                            principal_id: a.principal_id()?.into(),
                        })
                    });
                    Ok::<_, String>((rows.collect(), page.next_token().map(str::to_string)))
                })
                .await
                .map_err(|err| page_error("sso:ListAccountAssignments", err))
            })
            .buffer_unordered(concurrency)
            .collect()
            .await;
        map.provisioned.extend(here);
        for result in listed {
            match result {
                Ok(rows) => map.assignments.extend(rows),
                Err(err) => map.unavailable.push(err.into()),
            }
        }
        if !store_id.is_empty() {
            read_store(source, &store, store_id, &mut map).await;
        }
    }
    map.assignments.sort_by(|a, b| {
        (a.account_id.raw(), a.permission_set_arn.raw(), a.principal_id.raw()).cmp(&(
            b.account_id.raw(),
            b.permission_set_arn.raw(),
            b.principal_id.raw(),
        ))
    });
    map.assignments.dedup();
    // Listings finish in any order; the map is kept in one, so that two reads compare equal.
    map.permission_sets.sort_by(|a, b| a.arn.raw().cmp(b.arn.raw()));
    map.provisioned.sort_by(|a, b| {
        (a.account_id.raw(), a.permission_set_arn.raw()).cmp(&(b.account_id.raw(), b.permission_set_arn.raw()))
    });
    map.memberships.sort_by(|a, b| (a.group_id.raw(), a.user_id.raw()).cmp(&(b.group_id.raw(), b.user_id.raw())));
    map.unavailable.sort();
    tracing::info!(
        permission_sets = map.permission_sets.len(),
        assignments = map.assignments.len(),
        users = map.users.len(),
        groups = map.groups.len(),
        unavailable = map.unavailable.len(),
        calls = source.stats().calls(),
        "access map read"
    );
    Ok(map)
}

/// Users, groups and every group's members. A refusal is said once and the ids stay.
async fn read_store(source: &AwsSource, store: &aws_sdk_identitystore::Client, id: &str, map: &mut IdentityCenter) {
    let users = collect(|token| async move {
        let page = source
            .calls
            .call(Api::IdentityStore, || store.list_users().identity_store_id(id).set_next_token(token.clone()).send())
            .await
            .map_err(|err| said("identitystore:ListUsers", &err))?;
        let users = page.users().iter().map(|u| User {
            id: u.user_id().into(),
            user_name: u.user_name().map(Text::from),
            display_name: u.display_name().map(Text::from),
            emails: u.emails().iter().filter_map(|e| e.value()).map(Text::from).collect(),
        });
        Ok::<_, String>((users.collect(), page.next_token().map(str::to_string)))
    })
    .await;
    match users {
        Ok(users) => map.users = users,
        Err(err) => map
            .unavailable
            .push(format!("{}; users are shown by id", page_error("identitystore:ListUsers", err)).into()),
    }
    let groups = collect(|token| async move {
        let page = source
            .calls
            .call(Api::IdentityStore, || store.list_groups().identity_store_id(id).set_next_token(token.clone()).send())
            .await
            .map_err(|err| said("identitystore:ListGroups", &err))?;
        let groups = page
            .groups()
            .iter()
            .map(|g| Group { id: g.group_id().into(), display_name: g.display_name().map(Text::from) });
        Ok::<_, String>((groups.collect(), page.next_token().map(str::to_string)))
    })
    .await;
    match groups {
        Ok(groups) => map.groups = groups,
        Err(err) => {
            map.unavailable
                .push(format!("{}; groups are shown by id", page_error("identitystore:ListGroups", err)).into());
            return;
        }
    }
    let group_ids: Vec<String> = map.groups.iter().map(|g| g.id.raw().to_string()).collect();
    let concurrency = source.calls.concurrency().max(1);
    let members: Vec<Result<Vec<Membership>, String>> = stream::iter(group_ids)
        .map(|group| async move {
            let group = group.as_str();
            collect(|token| async move {
                let page = source
                    .calls
                    .call(Api::IdentityStore, || {
                        store
                            .list_group_memberships()
                            .identity_store_id(id)
                            .group_id(group)
                            .set_next_token(token.clone())
                            .send()
                    })
                    .await
                    .map_err(|err| said(&format!("identitystore:ListGroupMemberships for group {group}"), &err))?;
                let rows = page.group_memberships().iter().filter_map(|m| {
                    let user = m.member_id()?.as_user_id().ok()?;
                    Some(Membership { group_id: group.into(), user_id: user.as_str().into() })
                });
                Ok::<_, String>((rows.collect(), page.next_token().map(str::to_string)))
            })
            .await
            .map_err(|err| page_error("identitystore:ListGroupMemberships", err))
        })
        .buffer_unordered(concurrency)
        .collect()
        .await;
    for result in members {
        match result {
            Ok(rows) => map.memberships.extend(rows),
            Err(err) => map.unavailable.push(err.into()),
        }
    }
}
