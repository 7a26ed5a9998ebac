//! Keeping a cached access map fresh without reading it again: CloudTrail's `LookupEvents` for the
//! writes that change it (assignments created and deleted, permission sets created, updated,
//! deleted and provisioned, group memberships created and deleted) since the map was read, less
//! [`LATE_DELIVERY`] for events CloudTrail delivers late; then only what they touched is read
//! again. Anything that cannot be read this way (CloudTrail refused, a re-read failing) makes the
//! caller read the whole map.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use aws_sdk_cloudtrail::types::{LookupAttribute, LookupAttributeKey};
use serde_json::Value;

use super::super::pace::Api;
use super::super::paging::collect;
use super::calls::{Failed, Ic};
use super::read::at_most;
use crate::model::Text;
use crate::model::identity::IdentityCenter;

/// CloudTrail usually delivers an event within 15 minutes; a refresh reaches back this far.
pub const LATE_DELIVERY: chrono::TimeDelta = chrono::TimeDelta::minutes(15);

/// The sso-admin writes that change the map.
pub const SSO_EVENTS: [&str; 14] = [
    "CreateAccountAssignment",
    "DeleteAccountAssignment",
    "ProvisionPermissionSet",
    "UpdatePermissionSet",
    "CreatePermissionSet",
    "DeletePermissionSet",
    "AttachManagedPolicyToPermissionSet",
    "DetachManagedPolicyFromPermissionSet",
    "PutInlinePolicyToPermissionSet",
    "DeleteInlinePolicyFromPermissionSet",
    "AttachCustomerManagedPolicyReferenceToPermissionSet",
    "DetachCustomerManagedPolicyReferenceFromPermissionSet",
    "PutPermissionsBoundaryToPermissionSet",
    "DeletePermissionsBoundaryFromPermissionSet",
];
/// The Identity Store writes that change who is in which group.
pub const STORE_EVENTS: [&str; 2] = ["CreateGroupMembership", "DeleteGroupMembership"];

/// What a set of events touched in one instance.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Touched {
    /// `(account, permission set)` pairs whose assignments to read again.
    pub pairs: BTreeSet<(String, String)>,
    /// Accounts whose provisioned permission sets to read again.
    pub accounts: BTreeSet<String>,
    /// Permission sets to describe and whose provisioning to read again.
    pub sets: BTreeSet<String>,
    pub deleted_sets: BTreeSet<String>,
    /// Permission sets whose policies changed: their level is decided again.
    pub policies: BTreeSet<String>,
    /// Groups whose members to read again.
    pub groups: BTreeSet<String>,
}

impl Touched {
    pub fn is_empty(&self) -> bool {
        *self == Touched::default()
    }
}

/// What the raw CloudTrail events `events` touched in `instance` (whose Identity Store is
/// `store`); `membership_group` names the group of a membership id the map knows. Refused calls
/// change nothing and are passed over, and so are events of other instances.
pub fn touched(
    events: &[String],
    instance: &str,
    store: &str,
    membership_group: &dyn Fn(&str) -> Option<String>,
) -> Touched {
    let mut touched = Touched::default();
    for raw in events {
        let Ok(event) = serde_json::from_str::<Value>(raw) else { continue };
        if event.get("errorCode").is_some_and(|c| !c.is_null()) {
            continue;
        }
        let request = &event["requestParameters"];
        let text = |v: &Value| v.as_str().map(str::to_string);
        let field = |key: &str| text(&request[key]);
        let name = event["eventName"].as_str().unwrap_or_default();
        if SSO_EVENTS.contains(&name) && field("instanceArn").is_some_and(|i| i != instance) {
            continue;
        }
        if STORE_EVENTS.contains(&name) && field("identityStoreId").is_some_and(|s| s != store) {
            continue;
        }
        match name {
            "CreateAccountAssignment" | "DeleteAccountAssignment" => {
                if let (Some(account), Some(set)) = (field("targetId"), field("permissionSetArn")) {
                    touched.accounts.insert(account.clone());
                    touched.pairs.insert((account, set));
                }
            }
            "ProvisionPermissionSet" | "UpdatePermissionSet" => touched.sets.extend(field("permissionSetArn")),
            "CreatePermissionSet" => {
                touched.sets.extend(text(&event["responseElements"]["permissionSet"]["permissionSetArn"]))
            }
            "DeletePermissionSet" => touched.deleted_sets.extend(field("permissionSetArn")),
            policy if policy.ends_with("PermissionSet") => touched.policies.extend(field("permissionSetArn")),
            "CreateGroupMembership" => touched.groups.extend(field("groupId")),
            // A membership made since the map was read is unknown here, but its creation's event
            // re-reads its group, after this deletion.
            "DeleteGroupMembership" => touched.groups.extend(field("membershipId").and_then(|m| membership_group(&m))),
            _ => {}
        }
    }
    touched.sets.retain(|s| !touched.deleted_sets.contains(s));
    touched.policies.retain(|s| !touched.deleted_sets.contains(s));
    touched
}

/// `map` brought up to date: the events since it was read, then a re-read of what they touched.
/// `Err` says why the whole map must be read instead.
pub(super) async fn refresh(
    ic: &Ic<'_>,
    instances: &[(String, String)],
    mut map: IdentityCenter,
    now: chrono::DateTime<chrono::Utc>,
    hidden: Option<&str>,
) -> Result<IdentityCenter, String> {
    let since = map.read_at.ok_or("the cached map has no time")? - LATE_DELIVERY;
    let events = events_since(ic, since, now).await?;
    for (instance, store) in instances {
        let membership_group = |id: &str| {
            map.memberships
                .iter()
                .find(|m| m.membership_id.as_ref().is_some_and(|m| m.raw() == id))
                .map(|m| m.group_id.raw().to_string())
        };
        let mut touched = touched(&events, instance, store, &membership_group);
        if let Some(hidden) = hidden {
            touched.pairs.retain(|(account, _)| account != hidden);
            touched.accounts.remove(hidden);
        }
        tracing::info!(
            events = events.len(),
            pairs = touched.pairs.len(),
            accounts = touched.accounts.len(),
            sets = touched.sets.len() + touched.deleted_sets.len(),
            groups = touched.groups.len(),
            "access map: refreshing what changed"
        );
        // A set whose policies (or anything else) changed is read again with the map's meaning.
        for set in map.permission_sets.iter_mut().filter(|p| touched.policies.contains(p.arn.raw())) {
            set.policies = None;
        }
        if !touched.is_empty() {
            apply(ic, instance, store, &touched, &mut map).await.map_err(|f| f.sentence)?;
        }
    }
    Ok(map)
}

/// Every followed event from `since` to `now`, as raw CloudTrail JSON.
async fn events_since(
    ic: &Ic<'_>,
    since: chrono::DateTime<chrono::Utc>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<String>, String> {
    let cloudtrail = aws_sdk_cloudtrail::Client::from_conf(
        aws_sdk_cloudtrail::config::Builder::from(&ic.source.config).region(ic.region.clone()).build(),
    );
    let lookups = SSO_EVENTS.iter().chain(STORE_EVENTS.iter()).map(|name| {
        let cloudtrail = &cloudtrail;
        async move {
            let attribute = LookupAttribute::builder()
                .attribute_key(LookupAttributeKey::EventName)
                .attribute_value(*name)
                .build()
                .map_err(|err| err.to_string())?;
            collect(|token| {
                let attribute = attribute.clone();
                async move {
                    let page = ic
                        .source
                        .calls
                        .call(Api::CloudTrail, || {
                            cloudtrail
                                .lookup_events()
                                .lookup_attributes(attribute.clone())
                                .start_time(aws_smithy_types::DateTime::from_secs(since.timestamp()))
                                .end_time(aws_smithy_types::DateTime::from_secs(now.timestamp()))
                                .max_results(50)
                                .set_next_token(token.clone())
                                .send()
                        })
                        .await
                        .map_err(|err| {
                            use aws_smithy_types::error::metadata::ProvideErrorMetadata as _;
                            format!("cloudtrail:LookupEvents failed: {}", err.code().unwrap_or("no answer"))
                        })?;
                    let raw = page.events().iter().filter_map(|e| e.cloud_trail_event().map(str::to_string));
                    Ok::<_, String>((raw.collect::<Vec<_>>(), page.next_token().map(str::to_string)))
                }
            })
            .await
            .map_err(|err| match err {
                super::super::paging::PageError::Call(message) | super::super::paging::PageError::Paging(message) => {
                    message
                }
            })
        }
    });
    let found = futures::future::try_join_all(lookups).await?;
    Ok(found.into_iter().flatten().collect())
}

/// Reads again what `touched` names and puts it into `map`.
async fn apply(
    ic: &Ic<'_>,
    instance: &str,
    store: &str,
    touched: &Touched,
    map: &mut IdentityCenter,
) -> Result<(), Failed> {
    let gone = |arn: &Text| touched.deleted_sets.contains(arn.raw());
    map.permission_sets.retain(|p| !gone(&p.arn));
    map.provisioned.retain(|p| !gone(&p.permission_set_arn));
    map.assignments.retain(|a| !gone(&a.permission_set_arn));
    let known: HashSet<(String, String)> = map
        .provisioned
        .iter()
        .map(|p| (p.account_id.raw().to_string(), p.permission_set_arn.raw().to_string()))
        .collect();

    // Permission sets: their names and provisioning.
    let sets: Vec<_> = at_most(
        ic.concurrency(),
        touched.sets.iter().cloned().map(|arn| super::read::one_set(ic, instance, arn)).collect(),
    )
    .await;
    for (set, provisioned) in sets {
        let provisioned = provisioned?;
        map.provisioned.retain(|p| p.permission_set_arn != set.arn);
        map.provisioned.extend(provisioned);
        map.permission_sets.retain(|p| p.arn != set.arn);
        map.permission_sets.push(set);
    }
    // Accounts: what is provisioned to them.
    let accounts = at_most(
        ic.concurrency(),
        touched
            .accounts
            .iter()
            .map(|account| super::read::account_provisioning(ic, instance, account.clone()))
            .collect(),
    )
    .await;
    for here in accounts {
        let (account, provisioned) = here?;
        map.provisioned.retain(|p| p.account_id != account.as_str());
        map.provisioned.extend(provisioned);
    }
    // Assignments: the touched pairs, and any pair newly provisioned.
    let mut pairs = touched.pairs.clone();
    pairs.extend(
        map.provisioned
            .iter()
            .map(|p| (p.account_id.raw().to_string(), p.permission_set_arn.raw().to_string()))
            .filter(|pair| !known.contains(pair)),
    );
    let listed: Vec<_> = at_most(
        ic.concurrency(),
        pairs
            .into_iter()
            .map(|(account, arn)| async move {
                let found = ic.pair_assignments(instance, &account, &arn).await;
                (account, arn, found)
            })
            .collect(),
    )
    .await;
    for (account, arn, found) in listed {
        let found = found?;
        map.assignments.retain(|a| !(a.account_id == account.as_str() && a.permission_set_arn == arn.as_str()));
        map.assignments.extend(found);
    }
    // Groups: their members.
    if !store.is_empty() {
        let members: Vec<_> = at_most(
            ic.concurrency(),
            touched
                .groups
                .iter()
                .cloned()
                .map(|group| async move {
                    let found = ic.group_members(store, &group).await;
                    (group, found)
                })
                .collect(),
        )
        .await;
        for (group, found) in members {
            let found = found?;
            map.memberships.retain(|m| m.group_id != group.as_str());
            map.memberships.extend(found);
        }
        describe_newcomers(ic, store, map).await?;
    }
    Ok(())
}

/// Users and groups named by an assignment or a membership that the map does not know yet.
async fn describe_newcomers(ic: &Ic<'_>, store: &str, map: &mut IdentityCenter) -> Result<(), Failed> {
    let users: HashSet<&str> = map.users.iter().map(|u| u.id.raw()).collect();
    let groups: HashSet<&str> = map.groups.iter().map(|g| g.id.raw()).collect();
    let mut unknown: BTreeMap<String, &'static str> = BTreeMap::new();
    for a in &map.assignments {
        let kind = a.principal_type.code();
        let known = if kind == "GROUP" { &groups } else { &users };
        if !known.contains(a.principal_id.raw()) {
            unknown.insert(a.principal_id.raw().to_string(), kind);
        }
    }
    for m in &map.memberships {
        if !users.contains(m.user_id.raw()) {
            unknown.insert(m.user_id.raw().to_string(), "USER");
        }
        if !groups.contains(m.group_id.raw()) {
            unknown.insert(m.group_id.raw().to_string(), "GROUP");
        }
    }
    for (id, kind) in unknown {
        if kind == "GROUP" {
            match ic.describe_group(store, &id).await {
                Ok(group) => map.groups.push(group),
                Err(err) if err.not_found() => {}
                Err(err) => return Err(err),
            }
        } else {
            match ic.describe_user(store, &id).await {
                Ok(user) => map.users.push(user),
                Err(err) if err.not_found() => {}
                Err(err) => return Err(err),
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(name: &str, request: Value) -> String {
        serde_json::json!({"eventName": name, "requestParameters": request}).to_string()
    }

    #[test]
    fn each_followed_write_touches_what_it_changes() {
        let events = vec![
            event(
                "CreateAccountAssignment",
                serde_json::json!({"instanceArn": "i", "targetId": "111", "permissionSetArn": "ps-1"}),
            ),
            event(
                "DeleteAccountAssignment",
                serde_json::json!({"instanceArn": "i", "targetId": "222", "permissionSetArn": "ps-2"}),
            ),
            event("ProvisionPermissionSet", serde_json::json!({"instanceArn": "i", "permissionSetArn": "ps-3"})),
            event("UpdatePermissionSet", serde_json::json!({"instanceArn": "i", "permissionSetArn": "ps-4"})),
            serde_json::json!({"eventName": "CreatePermissionSet", "requestParameters": {"instanceArn": "i"},
                "responseElements": {"permissionSet": {"permissionSetArn": "ps-5"}}})
            .to_string(),
            event("DeletePermissionSet", serde_json::json!({"instanceArn": "i", "permissionSetArn": "ps-6"})),
            event("CreateGroupMembership", serde_json::json!({"identityStoreId": "d-1", "groupId": "g-1"})),
            event("DeleteGroupMembership", serde_json::json!({"identityStoreId": "d-1", "membershipId": "m-7"})),
            event("DeleteGroupMembership", serde_json::json!({"identityStoreId": "d-1", "membershipId": "m-new"})),
        ];
        let group_of = |m: &str| (m == "m-7").then(|| "g-7".to_string());
        let touched = touched(&events, "i", "d-1", &group_of);
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<BTreeSet<_>>();
        assert_eq!(touched.pairs, [("111".into(), "ps-1".into()), ("222".into(), "ps-2".into())].into());
        assert_eq!(touched.accounts, s(&["111", "222"]));
        assert_eq!(touched.sets, s(&["ps-3", "ps-4", "ps-5"]));
        assert_eq!(touched.deleted_sets, s(&["ps-6"]));
        assert_eq!(touched.groups, s(&["g-1", "g-7"]));
    }

    #[test]
    fn refused_calls_other_instances_and_garbage_touch_nothing() {
        let mut refused: Value = serde_json::from_str(&event(
            "CreateAccountAssignment",
            serde_json::json!({"instanceArn": "i", "targetId": "1", "permissionSetArn": "p"}),
        ))
        .expect("json");
        refused["errorCode"] = "AccessDenied".into();
        let events = vec![
            refused.to_string(),
            event(
                "CreateAccountAssignment",
                serde_json::json!({"instanceArn": "other", "targetId": "1", "permissionSetArn": "p"}),
            ),
            event("CreateGroupMembership", serde_json::json!({"identityStoreId": "d-other", "groupId": "g"})),
            "{not json".to_string(),
        ];
        assert!(touched(&events, "i", "d-1", &|_| None).is_empty());
    }
}
