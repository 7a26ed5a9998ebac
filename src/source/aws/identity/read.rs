//! The whole access map, read cold: for every instance the permission sets (`ListPermissionSets`,
//! `DescribePermissionSet`), where each is provisioned and whether at its latest version
//! (`ListAccountsForProvisionedPermissionSet` twice), the Identity Store's users and groups
//! (`ListUsers`, `ListGroups`) and every group's members (`ListGroupMemberships`), then the
//! assignments of every provisioned (account, permission set) pair (`ListAccountAssignments`).
//!
//! Per pair, not per principal: `ListAccountAssignmentsForPrincipal` cannot find an assignment
//! whose user or group was deleted (the orphan an audit looks for: no listing names its id any
//! more), and it answers only in the management account, not from a delegated administrator.

use std::collections::BTreeSet;

use super::calls::{Failed, Ic};
use crate::model::Text;
use crate::model::identity::{Assignment, IdentityCenter, PermissionSet, Provisioned};

/// Reads one instance whole into `map`.
pub(super) async fn instance(ic: &Ic<'_>, instance: &str, store: &str, hidden: Option<&str>, map: &mut IdentityCenter) {
    let sets = async {
        match ic.permission_sets(instance).await {
            Ok(arns) => Ok(sets_and_provisioning(ic, instance, arns).await),
            Err(err) => Err(err),
        }
    };
    let people = async {
        if store.is_empty() {
            return None;
        }
        Some(futures::join!(ic.users(store), ic.groups(store)))
    };
    let (sets, people) = futures::join!(sets, people);
    let (sets, mut provisioned) = match sets {
        Ok((sets, provisioned, failed)) => {
            map.unavailable.extend(failed.into_iter().map(|f| Text::from(f.sentence)));
            (sets, provisioned)
        }
        Err(err) => {
            map.unavailable.push(err.sentence.into());
            (Vec::new(), Vec::new())
        }
    };
    let (mut users_read, mut groups_read) = (false, false);
    if let Some((users, groups)) = people {
        match users {
            Ok(users) => {
                map.users.extend(users);
                users_read = true;
            }
            Err(err) => map.unavailable.push(format!("{}; users are shown by id", err.sentence).into()),
        }
        match groups {
            Ok(groups) => {
                map.groups.extend(groups);
                groups_read = true;
            }
            Err(err) => map.unavailable.push(format!("{}; groups are shown by id", err.sentence).into()),
        }
    }
    // A delegated administrator is not shown the management account's assignments (said once).
    provisioned.retain(|p| Some(p.account_id.raw()) != hidden);
    let pairs: BTreeSet<(String, String)> =
        provisioned.iter().map(|p| (p.account_id.raw().to_string(), p.permission_set_arn.raw().to_string())).collect();
    map.store_listed = users_read && groups_read;
    tracing::info!(pairs = pairs.len(), "access map: the assignments of every provisioned pair");
    let members = members(ic, store, map.groups.iter().map(|g| g.id.raw().to_string()).collect());
    let assignments = pair_assignments(ic, instance, pairs.into_iter().collect());
    let ((memberships, member_failures), (assignments, assignment_failures)) = futures::join!(members, assignments);
    map.memberships.extend(memberships);
    map.assignments.extend(assignments);
    map.unavailable.extend(member_failures.into_iter().chain(assignment_failures).map(|f| Text::from(f.sentence)));
    map.permission_sets.extend(sets);
    map.provisioned.extend(provisioned);
}

/// Every permission set's name and where it is provisioned (at its latest version or not).
pub(super) async fn sets_and_provisioning(
    ic: &Ic<'_>,
    instance: &str,
    arns: Vec<String>,
) -> (Vec<PermissionSet>, Vec<Provisioned>, Vec<Failed>) {
    let per_set: Vec<_> =
        at_most(ic.concurrency(), arns.into_iter().map(|arn| one_set(ic, instance, arn)).collect()).await;
    let (mut sets, mut provisioned, mut failures) = (Vec::new(), Vec::new(), Vec::new());
    for (set, here) in per_set {
        sets.push(set);
        match here {
            Ok(here) => provisioned.extend(here),
            Err(err) => failures.push(err),
        }
    }
    (sets, provisioned, failures)
}

/// One permission set: its name, and its provisioning (`Err` when a listing failed).
pub(super) async fn one_set(
    ic: &Ic<'_>,
    instance: &str,
    arn: String,
) -> (PermissionSet, Result<Vec<Provisioned>, Failed>) {
    let (name, provisioned) =
        futures::join!(ic.permission_set_name(instance, &arn), one_set_provisioning(ic, instance, arn.clone()));
    (PermissionSet::new(arn, name), provisioned)
}

/// Where one permission set is provisioned, at its latest version or not.
pub(super) async fn one_set_provisioning(ic: &Ic<'_>, instance: &str, arn: String) -> Result<Vec<Provisioned>, Failed> {
    let (current, not_current) =
        futures::join!(ic.provisioned_accounts(instance, &arn, true), ic.provisioned_accounts(instance, &arn, false),);
    let pair = |current: bool| {
        let arn = arn.as_str();
        move |account: String| Provisioned { account_id: account.into(), permission_set_arn: arn.into(), current }
    };
    Ok(current?.into_iter().map(pair(true)).chain(not_current?.into_iter().map(pair(false))).collect())
}

/// What is provisioned to one account, at its latest version or not.
pub(super) async fn account_provisioning(
    ic: &Ic<'_>,
    instance: &str,
    account: String,
) -> Result<(String, Vec<Provisioned>), Failed> {
    let (current, not_current) =
        futures::join!(ic.provisioned_sets(instance, &account, true), ic.provisioned_sets(instance, &account, false));
    let pair = |current: bool| {
        let account = account.as_str();
        move |arn: String| Provisioned { account_id: account.into(), permission_set_arn: arn.into(), current }
    };
    let found = current?.into_iter().map(pair(true)).chain(not_current?.into_iter().map(pair(false))).collect();
    Ok((account, found))
}

/// The assignments of every pair.
pub(super) async fn pair_assignments(
    ic: &Ic<'_>,
    instance: &str,
    pairs: Vec<(String, String)>,
) -> (Vec<Assignment>, Vec<Failed>) {
    let listed: Vec<_> = at_most(
        ic.concurrency(),
        pairs
            .into_iter()
            .map(|(account, arn)| async move { ic.pair_assignments(instance, &account, &arn).await })
            .collect(),
    )
    .await;
    split(listed)
}

/// The assignments of every principal (`(USER|GROUP, id)`).
pub(super) async fn principal_assignments(
    ic: &Ic<'_>,
    instance: &str,
    principals: Vec<(&'static str, String)>,
) -> (Vec<Assignment>, Vec<Failed>) {
    let listed: Vec<_> = at_most(
        ic.concurrency(),
        principals
            .into_iter()
            .map(
                |(kind, id): (&'static str, String)| async move { ic.principal_assignments(instance, kind, &id).await },
            )
            .collect(),
    )
    .await;
    split(listed)
}

/// Every member of every group in `groups`.
pub(super) async fn members(
    ic: &Ic<'_>,
    store: &str,
    groups: Vec<String>,
) -> (Vec<crate::model::identity::Membership>, Vec<Failed>) {
    if store.is_empty() {
        return (Vec::new(), Vec::new());
    }
    let listed: Vec<_> = at_most(
        ic.concurrency(),
        groups.into_iter().map(|group| async move { ic.group_members(store, &group).await }).collect(),
    )
    .await;
    split(listed)
}

/// Runs `futures` at most `limit` at a time; the results in the order they finish.
pub(super) async fn at_most<F: std::future::Future>(limit: usize, futures: Vec<F>) -> Vec<F::Output> {
    use futures::stream::StreamExt;
    futures::stream::iter(futures).buffer_unordered(limit).collect().await
}

fn split<T>(listed: Vec<Result<Vec<T>, Failed>>) -> (Vec<T>, Vec<Failed>) {
    let (mut items, mut failures) = (Vec::new(), Vec::new());
    for result in listed {
        match result {
            Ok(more) => items.extend(more),
            Err(err) => failures.push(err),
        }
    }
    (items, failures)
}
