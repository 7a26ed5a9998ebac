//! One principal's reach without the whole map: the user or group is found by a unique name
//! (`GetUserId` by user name or email, `GetGroupId` by display name, else `DescribeUser` /
//! `DescribeGroup` by id; only when none knows it are every user and group listed, for a display
//! name or the close matches), then a user's groups (`ListGroupMembershipsForMember`,
//! `DescribeGroup`), the assignments of the user and of each group
//! (`ListAccountAssignmentsForPrincipal`), the names of the permission sets they name, and the
//! provisioning of just those pairs (per account or per permission set, whichever is fewer calls).
//! A refused Identity Store falls back to the whole map, whose names then fall back to ids.

use std::collections::BTreeSet;

use super::super::AwsSource;
use super::calls::{Failed, Ic};
use super::read::at_most;
use crate::model::Text;
use crate::model::identity::{IdentityCenter, Principal, Provisioned};
use crate::source::{AccessQuery, SourceError};

enum Found {
    Principal(Principal),
    /// Not found by a unique name: the map holds every user and group to search.
    Listed,
    /// The Identity Store may not be read.
    Denied,
}

pub(in crate::source::aws) async fn principal(
    source: &AwsSource,
    query: &AccessQuery,
    wanted: &str,
) -> Result<IdentityCenter, SourceError> {
    let ic = &Ic::new(source, query.sso_region.as_deref());
    let instances = super::super::assignments::instances(source, &ic.sso).await?;
    let Some((instance, store)) = instances.iter().find(|(_, store)| !store.is_empty()) else {
        return super::identity_center(source, query).await;
    };
    let mut map = IdentityCenter::default();
    let principal = match find(ic, store, wanted, &mut map).await {
        Found::Principal(principal) => principal,
        Found::Listed => match map.find_principal(wanted) {
            Ok(principal) => principal,
            // The caller finds nothing either, and lists the close matches.
            Err(_) => return Ok(map),
        },
        Found::Denied => {
            tracing::info!("the Identity Store refused a lookup: reading the whole access map");
            return super::identity_center(source, query).await;
        }
    };
    let mut principals: Vec<(&'static str, String)> = Vec::new();
    match &principal {
        Principal::User(user) => {
            push_unique(&mut map.users, user.clone(), |u| u.id.clone());
            principals.push(("USER", user.id.raw().to_string()));
            let memberships = ic.member_of(store, user.id.raw()).await.map_err(unavailable)?;
            let groups: Vec<_> = at_most(
                ic.concurrency(),
                (memberships.iter().map(|m| m.group_id.raw().to_string()))
                    .map(|id| async move { ic.describe_group(store, &id).await })
                    .collect(),
            )
            .await;
            for group in groups {
                let group = group.map_err(unavailable)?;
                principals.push(("GROUP", group.id.raw().to_string()));
                push_unique(&mut map.groups, group, |g| g.id.clone());
            }
            map.memberships.extend(memberships);
        }
        Principal::Group(group) => {
            push_unique(&mut map.groups, group.clone(), |g| g.id.clone());
            principals.push(("GROUP", group.id.raw().to_string()));
        }
    }
    let (assignments, failures) = super::read::principal_assignments(ic, instance, principals).await;
    if failures.iter().any(Failed::denied) {
        // A delegated administrator: AWS answers this call only in the management account. The
        // other way round: every pair's assignments (the whole map, its cache refreshed) and the
        // groups' members, which the rows then follow from this principal.
        tracing::info!("ListAccountAssignmentsForPrincipal refused: reading the map per pair");
        return super::identity_center(source, query).await;
    }
    map.unavailable.extend(failures.into_iter().map(|f| Text::from(f.sentence)));
    map.assignments = assignments;
    let sets: BTreeSet<String> = map.assignments.iter().map(|a| a.permission_set_arn.raw().to_string()).collect();
    let accounts: BTreeSet<String> = map.assignments.iter().map(|a| a.account_id.raw().to_string()).collect();
    let pairs: BTreeSet<(String, String)> = map
        .assignments
        .iter()
        .map(|a| (a.account_id.raw().to_string(), a.permission_set_arn.raw().to_string()))
        .collect();
    let names = at_most(
        ic.concurrency(),
        sets.iter()
            .cloned()
            .map(|arn| async move {
                let name = ic.permission_set_name(instance, &arn).await;
                crate::model::identity::PermissionSet::new(arn, name)
            })
            .collect(),
    );
    let (names, provisioned) = futures::join!(names, provisioning(ic, instance, &sets, &accounts));
    map.permission_sets = names;
    match provisioned {
        Ok(provisioned) => map.provisioned = provisioned.into_iter().filter(|p| pairs.contains(&key(p))).collect(),
        Err(err) => map.unavailable.push(format!("{}; provisioning is shown as current", err.sentence).into()),
    }
    map.normalize();
    let now = chrono::Utc::now();
    let arns: Vec<String> = instances.iter().map(|(instance, _)| instance.clone()).collect();
    super::meaning::read(ic, &arns, query, &mut map, now).await;
    map.read_at = Some(now);
    Ok(map)
}

fn key(p: &Provisioned) -> (String, String) {
    (p.account_id.raw().to_string(), p.permission_set_arn.raw().to_string())
}

fn unavailable(err: Failed) -> SourceError {
    SourceError::Service {
        action: "identitystore",
        code: err.code.unwrap_or_default().into(),
        message: err.sentence.into(),
    }
}

fn push_unique<T, K: PartialEq>(items: &mut Vec<T>, item: T, key: impl Fn(&T) -> K) {
    if !items.iter().any(|i| key(i) == key(&item)) {
        items.push(item);
    }
}

/// The user or group `wanted` names, by the cheapest lookups first.
async fn find(ic: &Ic<'_>, store: &str, wanted: &str, map: &mut IdentityCenter) -> Found {
    let mut denied = false;
    let mut note = |err: &Failed| denied |= err.denied();
    let mut paths = vec!["userName"];
    if wanted.contains('@') {
        paths.push("emails.value");
    }
    for path in paths {
        match ic.user_id(store, path, wanted).await {
            Ok(id) => match ic.describe_user(store, &id).await {
                Ok(user) => return Found::Principal(Principal::User(user)),
                Err(err) => note(&err),
            },
            Err(err) => note(&err),
        }
    }
    match ic.group_id(store, wanted).await {
        Ok(id) => match ic.describe_group(store, &id).await {
            Ok(group) => return Found::Principal(Principal::Group(group)),
            Err(err) => note(&err),
        },
        Err(err) => note(&err),
    }
    let id_like = !wanted.is_empty() && !wanted.contains(|c: char| c.is_whitespace() || c == '@');
    if id_like {
        match ic.describe_user(store, wanted).await {
            Ok(user) => return Found::Principal(Principal::User(user)),
            Err(err) => note(&err),
        }
        match ic.describe_group(store, wanted).await {
            Ok(group) => return Found::Principal(Principal::Group(group)),
            Err(err) => note(&err),
        }
    }
    if denied {
        return Found::Denied;
    }
    let (users, groups) = futures::join!(ic.users(store), ic.groups(store));
    match (users, groups) {
        (Ok(users), Ok(groups)) => {
            map.users = users;
            map.groups = groups;
            Found::Listed
        }
        _ => Found::Denied,
    }
}

/// Where `sets` are provisioned among `accounts`: per account (`ListPermissionSetsProvisionedToAccount`
/// twice each) or per permission set (`ListAccountsForProvisionedPermissionSet` twice each),
/// whichever is fewer calls.
async fn provisioning(
    ic: &Ic<'_>,
    instance: &str,
    sets: &BTreeSet<String>,
    accounts: &BTreeSet<String>,
) -> Result<Vec<Provisioned>, Failed> {
    let mut found = Vec::new();
    if accounts.len() <= sets.len() {
        let listed = at_most(
            ic.concurrency(),
            accounts.iter().map(|account| super::read::account_provisioning(ic, instance, account.clone())).collect(),
        )
        .await;
        for here in listed {
            found.extend(here?.1);
        }
    } else {
        let listed: Vec<_> = at_most(
            ic.concurrency(),
            sets.iter().cloned().map(|arn| super::read::one_set_provisioning(ic, instance, arn)).collect(),
        )
        .await;
        for here in listed {
            found.extend(here?);
        }
    }
    Ok(found)
}
