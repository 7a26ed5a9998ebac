//! The fake's access map: sso-admin's `ListPermissionSets`, `ListAccountsForProvisionedPermissionSet`
//! and `ListAccountAssignments`, and the Identity Store's `ListUsers`, `ListGroups` and
//! `ListGroupMemberships`, with the SDK model's shapes (a membership's `MemberId` is the
//! `{"UserId": …}` union) and every listing paged by [`FakeAccess::page`] items.

use serde_json::{Value, json};

use super::{Answer, Canned, State};

#[derive(Debug, Clone, Default)]
pub struct FakeAccess {
    /// `(permission set ARN, account, at its latest version)`.
    pub provisioned: Vec<(String, String, bool)>,
    /// `(account, permission set ARN, USER|GROUP, principal id)`.
    pub assignments: Vec<(String, String, String, String)>,
    /// `(id, user name, display name, email)`.
    pub users: Vec<(String, String, String, String)>,
    /// `(id, display name)`.
    pub groups: Vec<(String, String)>,
    /// `(group id, user id)`.
    pub memberships: Vec<(String, String)>,
    /// Items a page (default when 0: 100).
    pub page: usize,
}

/// One page of `items` under `key`, the NextToken bound to `signature`.
fn paged(items: Vec<Value>, key: &str, params: &Value, signature: &str, page: usize) -> Answer {
    let max = params["MaxResults"].as_u64().map(|m| m as usize).unwrap_or(100).min(if page == 0 { 100 } else { page });
    let max = max.max(1);
    let offset = match params["NextToken"].as_str() {
        None => 0,
        Some(token) => match token.split_once('#') {
            Some((offset, sig)) if sig == signature => offset.parse().unwrap_or(0),
            _ => return Answer::Error(Canned::new(400, "ValidationException", "Invalid NextToken")),
        },
    };
    let mut body = json!({key: items.iter().skip(offset).take(max).cloned().collect::<Vec<_>>()});
    if offset + max < items.len() {
        body["NextToken"] = json!(format!("{}#{signature}", offset + max));
    }
    Answer::Ok(body)
}

pub fn answer_sso(state: &State, op: &str, params: &Value) -> Option<Answer> {
    let access = &state.access;
    let text = |key: &str| params[key].as_str().unwrap_or_default().to_string();
    Some(match op {
        "ListPermissionSets" => {
            let mut arns: Vec<&String> = state.permission_sets.keys().collect();
            arns.sort();
            paged(arns.into_iter().map(|a| json!(a)).collect(), "PermissionSets", params, op, access.page)
        }
        "ListAccountsForProvisionedPermissionSet" => {
            let (set, wanted) = (text("PermissionSetArn"), text("ProvisioningStatus"));
            let accounts: Vec<Value> = access
                .provisioned
                .iter()
                .filter(|(ps, _, current)| {
                    *ps == set
                        && match wanted.as_str() {
                            "LATEST_PERMISSION_SET_PROVISIONED" => *current,
                            "LATEST_PERMISSION_SET_NOT_PROVISIONED" => !*current,
                            _ => true,
                        }
                })
                .map(|(_, account, _)| json!(account))
                .collect();
            paged(accounts, "AccountIds", params, &format!("{op}|{set}|{wanted}"), access.page)
        }
        "ListAccountAssignments" => {
            let (account, set) = (text("AccountId"), text("PermissionSetArn"));
            let rows: Vec<Value> = access
                .assignments
                .iter()
                .filter(|(a, ps, _, _)| *a == account && *ps == set)
                .map(|(a, ps, kind, id)| {
                    json!({"AccountId": a, "PermissionSetArn": ps, "PrincipalType": kind, "PrincipalId": id})
                })
                .collect();
            paged(rows, "AccountAssignments", params, &format!("{op}|{account}|{set}"), access.page)
        }
        _ => return None,
    })
}

pub fn answer_identity_store(state: &State, op: &str, params: &Value) -> Option<Answer> {
    let access = &state.access;
    let store = params["IdentityStoreId"].as_str().unwrap_or_default();
    Some(match op {
        "ListUsers" => {
            let users = access.users.iter().map(|(id, user_name, display, email)| {
                json!({"UserId": id, "UserName": user_name, "DisplayName": display, "IdentityStoreId": store,
                       "Emails": [{"Value": email, "Type": "work", "Primary": true}]})
            });
            paged(users.collect(), "Users", params, op, access.page)
        }
        "ListGroups" => {
            let groups = access
                .groups
                .iter()
                .map(|(id, name)| json!({"GroupId": id, "DisplayName": name, "IdentityStoreId": store}));
            paged(groups.collect(), "Groups", params, op, access.page)
        }
        "ListGroupMemberships" => {
            let group = params["GroupId"].as_str().unwrap_or_default();
            let rows = access.memberships.iter().filter(|(g, _)| g == group).enumerate().map(|(n, (g, user))| {
                json!({"IdentityStoreId": store, "MembershipId": format!("m-{g}-{n}"), "GroupId": g, "MemberId": {"UserId": user}})
            });
            paged(rows.collect(), "GroupMemberships", params, &format!("{op}|{group}"), access.page)
        }
        _ => return None,
    })
}
