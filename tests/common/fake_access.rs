//! The fake's access map: sso-admin's `ListPermissionSets`, `ListAccountsForProvisionedPermissionSet`,
//! `ListPermissionSetsProvisionedToAccount`, `ListAccountAssignments` and
//! `ListAccountAssignmentsForPrincipal`, and the Identity Store's `ListUsers`, `ListGroups`,
//! `ListGroupMemberships`, `ListGroupMembershipsForMember`, `DescribeUser`, `DescribeGroup`,
//! `GetUserId` and `GetGroupId`, with the SDK model's shapes (a membership's `MemberId` is the
//! `{"UserId": …}` union, an alternate identifier's value a document) and every listing paged by
//! [`FakeAccess::page`] items.

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
    /// Each permission set's policies, by ARN.
    pub policies: std::collections::HashMap<String, FakeSetPolicies>,
    /// The caller is Identity Center's delegated administrator: `ListAccountAssignmentsForPrincipal`
    /// is refused (AWS answers it only in the management account) and so is anything about the
    /// management account's assignments.
    pub delegated_admin_of: Option<String>,
}

/// A permission set's policies as sso-admin holds them.
#[derive(Debug, Clone, Default)]
pub struct FakeSetPolicies {
    pub managed: Vec<String>,
    /// `(path, name)`.
    pub customer: Vec<(String, String)>,
    pub inline: Option<String>,
    /// An AWS-managed policy ARN, or a customer-managed `(path, name)`.
    pub boundary: Option<Result<String, (String, String)>>,
    pub session_duration: Option<String>,
}

fn denied(message: &str) -> Answer {
    Answer::Error(Canned::new(400, "AccessDeniedException", message))
}

/// The policy calls of one permission set.
fn answer_policies(access: &FakeAccess, op: &str, set: &str) -> Option<Answer> {
    let policies = access.policies.get(set).cloned().unwrap_or_default();
    Some(match op {
        "ListManagedPoliciesInPermissionSet" => {
            let items = policies
                .managed
                .iter()
                .map(|arn| json!({"Arn": arn, "Name": arn.rsplit('/').next().unwrap_or_default()}))
                .collect();
            paged(items, "AttachedManagedPolicies", &json!({}), op, access.page)
        }
        "ListCustomerManagedPolicyReferencesInPermissionSet" => {
            let items = policies.customer.iter().map(|(path, name)| json!({"Name": name, "Path": path})).collect();
            paged(items, "CustomerManagedPolicyReferences", &json!({}), op, access.page)
        }
        // AWS (and moto) answer an empty string when there is no inline policy.
        "GetInlinePolicyForPermissionSet" => Answer::Ok(json!({"InlinePolicy": policies.inline.unwrap_or_default()})),
        "GetPermissionsBoundaryForPermissionSet" => match policies.boundary {
            None => Answer::Error(Canned::new(
                400,
                "ResourceNotFoundException",
                "The permissions boundary for the permission set was not found",
            )),
            Some(Ok(arn)) => Answer::Ok(json!({"PermissionsBoundary": {"ManagedPolicyArn": arn}})),
            Some(Err((path, name))) => Answer::Ok(
                json!({"PermissionsBoundary": {"CustomerManagedPolicyReference": {"Name": name, "Path": path}}}),
            ),
        },
        _ => return None,
    })
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
    if let Some(answer) = answer_policies(access, op, &text("PermissionSetArn")) {
        return Some(answer);
    }
    if let Some(management) = &access.delegated_admin_of {
        if op == "ListAccountAssignmentsForPrincipal" {
            return Some(denied("ListAccountAssignmentsForPrincipal can be called only from the management account"));
        }
        if text("AccountId") == *management {
            return Some(denied("The delegated administrator cannot access the management account's assignments"));
        }
    }
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
                .filter(|(ps, _, current)| *ps == set && status_matches(&wanted, *current))
                .map(|(_, account, _)| json!(account))
                .collect();
            paged(accounts, "AccountIds", params, &format!("{op}|{set}|{wanted}"), access.page)
        }
        "ListPermissionSetsProvisionedToAccount" => {
            let (account, wanted) = (text("AccountId"), text("ProvisioningStatus"));
            let sets: Vec<Value> = access
                .provisioned
                .iter()
                .filter(|(_, a, current)| *a == account && status_matches(&wanted, *current))
                .map(|(ps, _, _)| json!(ps))
                .collect();
            paged(sets, "PermissionSets", params, &format!("{op}|{account}|{wanted}"), access.page)
        }
        "ListAccountAssignmentsForPrincipal" => {
            let (kind, id) = (text("PrincipalType"), text("PrincipalId"));
            let rows: Vec<Value> = access
                .assignments
                .iter()
                .filter(|(_, _, k, p)| *k == kind && *p == id)
                .map(|(a, ps, kind, id)| {
                    json!({"AccountId": a, "PermissionSetArn": ps, "PrincipalType": kind, "PrincipalId": id})
                })
                .collect();
            paged(rows, "AccountAssignments", params, &format!("{op}|{kind}|{id}"), access.page)
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

fn status_matches(wanted: &str, current: bool) -> bool {
    match wanted {
        "LATEST_PERMISSION_SET_PROVISIONED" => current,
        "LATEST_PERMISSION_SET_NOT_PROVISIONED" => !current,
        _ => true,
    }
}

/// A membership's id: stable for a (group, user) pair.
pub fn membership_id(group: &str, user: &str) -> String {
    format!("m-{group}-{user}")
}

fn not_found(kind: &str) -> Answer {
    Answer::Error(Canned::new(400, "ResourceNotFoundException", &format!("{kind} not found.")))
}

pub fn answer_identity_store(state: &State, op: &str, params: &Value) -> Option<Answer> {
    let access = &state.access;
    let store = params["IdentityStoreId"].as_str().unwrap_or_default();
    let user_json = |(id, user_name, display, email): &(String, String, String, String)| {
        json!({"UserId": id, "UserName": user_name, "DisplayName": display, "IdentityStoreId": store,
               "Emails": [{"Value": email, "Type": "work", "Primary": true}]})
    };
    let membership_json = |g: &str, user: &str| json!({"IdentityStoreId": store, "MembershipId": membership_id(g, user), "GroupId": g, "MemberId": {"UserId": user}});
    let unique = &params["AlternateIdentifier"]["UniqueAttribute"];
    let (path, value) = (unique["AttributePath"].as_str().unwrap_or_default(), unique["AttributeValue"].as_str());
    Some(match op {
        "ListUsers" => paged(access.users.iter().map(user_json).collect(), "Users", params, op, access.page),
        "DescribeUser" => {
            let id = params["UserId"].as_str().unwrap_or_default();
            match access.users.iter().find(|u| u.0 == id) {
                Some(user) => Answer::Ok(user_json(user)),
                None => return None,
            }
        }
        "DescribeGroup" => {
            let id = params["GroupId"].as_str().unwrap_or_default();
            match access.groups.iter().find(|g| g.0 == id) {
                Some((id, name)) => Answer::Ok(json!({"GroupId": id, "DisplayName": name, "IdentityStoreId": store})),
                None => return None,
            }
        }
        "GetUserId" => {
            let found = access.users.iter().find(|(_, user_name, _, email)| match path.to_lowercase().as_str() {
                "username" => Some(user_name.as_str()) == value,
                "emails.value" => Some(email.as_str()) == value,
                _ => false,
            });
            match found {
                Some(user) => Answer::Ok(json!({"UserId": user.0, "IdentityStoreId": store})),
                None => not_found("USER"),
            }
        }
        "GetGroupId" => match access
            .groups
            .iter()
            .find(|(_, name)| path.eq_ignore_ascii_case("displayName") && Some(name.as_str()) == value)
        {
            Some((id, _)) => Answer::Ok(json!({"GroupId": id, "IdentityStoreId": store})),
            None => not_found("GROUP"),
        },
        "ListGroupMembershipsForMember" => {
            let user = params["MemberId"]["UserId"].as_str().unwrap_or_default();
            let rows = access.memberships.iter().filter(|(_, u)| u == user).map(|(g, u)| membership_json(g, u));
            paged(rows.collect(), "GroupMemberships", params, &format!("{op}|{user}"), access.page)
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
            let rows = access.memberships.iter().filter(|(g, _)| g == group).map(|(g, user)| membership_json(g, user));
            paged(rows.collect(), "GroupMemberships", params, &format!("{op}|{group}"), access.page)
        }
        _ => return None,
    })
}

/// A CloudTrail event of an Identity Center or Identity Store write, as CloudTrail records one
/// that succeeded: `request` its `requestParameters`, `response` its `responseElements`.
pub fn write_event(name: &str, id: &str, time: i64, request: Value, response: Value) -> super::FakeEvent {
    let source = if name.contains("GroupMembership") { "identitystore.amazonaws.com" } else { "sso.amazonaws.com" };
    let event = json!({
        "eventVersion": "1.08",
        "eventID": id,
        "eventName": name,
        "eventSource": source,
        "eventTime": chrono::DateTime::from_timestamp(time, 0).map(|t| t.to_rfc3339()),
        "awsRegion": "us-east-1",
        "userIdentity": {"type": "AssumedRole", "arn": "arn:aws:sts::111111111111:assumed-role/Admin/jane"},
        "requestParameters": request,
        "responseElements": response,
    });
    super::FakeEvent {
        event_id: id.into(),
        event_name: name.into(),
        event_time: time,
        cloudtrail_event: event.to_string(),
    }
}
