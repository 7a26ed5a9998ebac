//! The fake's sso-admin requests: account assignments created and deleted, permission sets
//! provisioned. Shapes from the AWS SDK model (`AccountAssignmentOperationStatus`,
//! `PermissionSetProvisioningStatus`, the `…Metadata` of the status listings, `CreatedDate` as
//! epoch seconds), the listings paged with a NextToken bound to their parameters, and the three
//! writes making new requests whose outcome the test scripts ([`FakeWrites`]).

use serde_json::{Value, json};

use super::{Answer, Canned, FakeStatus, State};

pub const INSTANCE: &str = "arn:aws:sso:::instance/ssoins-fake";

/// One request Identity Center remembers.
#[derive(Debug, Clone)]
pub struct FakeRequest {
    pub request_id: String,
    /// `create`, `delete` or `provision`.
    pub operation: &'static str,
    pub account: String,
    pub permission_set: String,
    /// `USER` or `GROUP`; empty for a provisioning.
    pub principal_type: String,
    pub principal_id: String,
    /// Epoch seconds.
    pub created: i64,
    pub status: FakeStatus,
    /// Describes that still answer IN_PROGRESS before `status` shows.
    pub polls_left: u32,
}

impl FakeRequest {
    pub fn new(
        request_id: &str,
        operation: &'static str,
        account: &str,
        permission_set: &str,
        created: i64,
    ) -> FakeRequest {
        let (principal_type, principal_id) =
            if operation == "provision" { (String::new(), String::new()) } else { ("GROUP".into(), "g-fake".into()) };
        FakeRequest {
            request_id: request_id.into(),
            operation,
            account: account.into(),
            permission_set: permission_set.into(),
            principal_type,
            principal_id,
            created,
            status: FakeStatus::Succeeded,
            polls_left: 0,
        }
    }

    pub fn with_status(mut self, status: FakeStatus) -> FakeRequest {
        self.status = status;
        self
    }
}

/// What a write (a retry) makes: the new request ends with `outcome` after `polls` describes
/// answered IN_PROGRESS.
#[derive(Debug, Clone)]
pub struct FakeWrites {
    pub outcome: FakeStatus,
    pub polls: u32,
    /// Requests made so far, to name the next one.
    pub made: u32,
}

impl Default for FakeWrites {
    fn default() -> FakeWrites {
        FakeWrites { outcome: FakeStatus::Succeeded, polls: 1, made: 0 }
    }
}

fn status_code(status: &FakeStatus) -> &'static str {
    match status {
        FakeStatus::Succeeded => "SUCCEEDED",
        FakeStatus::InProgress => "IN_PROGRESS",
        FakeStatus::Failed(_) => "FAILED",
        FakeStatus::Error(_) => "IN_PROGRESS",
    }
}

/// The request's status object, in the shape its operation's API answers.
fn status_body(request: &FakeRequest, status: &FakeStatus) -> Value {
    let mut body = if request.operation == "provision" {
        json!({"Status": status_code(status), "RequestId": request.request_id, "AccountId": request.account,
               "PermissionSetArn": request.permission_set, "CreatedDate": request.created as f64})
    } else {
        json!({"Status": status_code(status), "RequestId": request.request_id, "TargetId": request.account,
               "TargetType": "AWS_ACCOUNT", "PermissionSetArn": request.permission_set,
               "PrincipalType": request.principal_type, "PrincipalId": request.principal_id,
               "CreatedDate": request.created as f64})
    };
    if let FakeStatus::Failed(reason) = status {
        body["FailureReason"] = json!(reason);
    }
    body
}

fn operation_of(op: &str) -> Option<(&'static str, &'static str, &'static str)> {
    // (operation, the id parameter of its describe, the response key of its describe and write)
    match op {
        "DescribeAccountAssignmentCreationStatus" | "CreateAccountAssignment" => {
            Some(("create", "AccountAssignmentCreationRequestId", "AccountAssignmentCreationStatus"))
        }
        "DescribeAccountAssignmentDeletionStatus" | "DeleteAccountAssignment" => {
            Some(("delete", "AccountAssignmentDeletionRequestId", "AccountAssignmentDeletionStatus"))
        }
        "DescribePermissionSetProvisioningStatus" | "ProvisionPermissionSet" => {
            Some(("provision", "ProvisionPermissionSetRequestId", "PermissionSetProvisioningStatus"))
        }
        _ => None,
    }
}

fn listing_of(op: &str) -> Option<(&'static str, &'static str)> {
    match op {
        "ListAccountAssignmentCreationStatus" => Some(("create", "AccountAssignmentsCreationStatus")),
        "ListAccountAssignmentDeletionStatus" => Some(("delete", "AccountAssignmentsDeletionStatus")),
        "ListPermissionSetProvisioningStatus" => Some(("provision", "PermissionSetsProvisioningStatus")),
        _ => None,
    }
}

/// The sso-admin request calls; None for an operation this file does not fake.
pub fn answer(state: &mut State, op: &str, params: &Value) -> Option<Answer> {
    if let Some((operation, key)) = listing_of(op) {
        return Some(list(state, operation, key, op, params));
    }
    let (operation, id_param, response_key) = operation_of(op)?;
    if op.starts_with("Describe") {
        let id = params[id_param].as_str().unwrap_or_default();
        return Some(describe(state, operation, response_key, id));
    }
    Some(write(state, operation, response_key, params))
}

fn describe(state: &mut State, operation: &str, response_key: &str, id: &str) -> Answer {
    if let Some(request) = state.requests.iter_mut().find(|r| r.request_id == id) {
        if request.operation != operation {
            return Answer::Error(Canned::new(400, "ResourceNotFoundException", "Request not found"));
        }
        let status = if request.polls_left > 0 {
            request.polls_left -= 1;
            FakeStatus::InProgress
        } else {
            request.status.clone()
        };
        if let FakeStatus::Error(canned) = &status {
            return Answer::Error(canned.clone());
        }
        return Answer::Ok(json!({response_key: status_body(request, &status)}));
    }
    if operation != "create" || (!state.unknown_requests_succeed && !state.statuses.contains_key(id)) {
        return Answer::Error(Canned::new(400, "ResourceNotFoundException", "Request not found"));
    }
    // Requests only the test's CloudTrail events name: `statuses` says how they ended.
    let (status, reason) = match state.statuses.get(id) {
        Some(FakeStatus::Error(canned)) => return Answer::Error(canned.clone()),
        Some(FakeStatus::Failed(reason)) => ("FAILED", Some(reason.clone())),
        Some(FakeStatus::InProgress) => ("IN_PROGRESS", None),
        Some(FakeStatus::Succeeded) | None => ("SUCCEEDED", None),
    };
    let mut body = json!({"Status": status, "RequestId": id, "TargetType": "AWS_ACCOUNT"});
    if let Some(reason) = reason {
        body["FailureReason"] = json!(reason);
    }
    Answer::Ok(json!({response_key: body}))
}

fn list(state: &State, operation: &str, key: &str, op: &str, params: &Value) -> Answer {
    let wanted = params["Filter"]["Status"].as_str().map(str::to_string);
    let max = params["MaxResults"].as_u64().unwrap_or(100).clamp(1, 100) as usize;
    let max = max.min(state.status_page.max(1));
    let signature = format!("{op}|{wanted:?}");
    let offset = match params["NextToken"].as_str() {
        None => 0,
        Some(token) => match token.split_once('#') {
            Some((offset, sig)) if sig == signature => offset.parse().unwrap_or(0),
            _ => return Answer::Error(Canned::new(400, "ValidationException", "Invalid NextToken")),
        },
    };
    if state.faults.repeat_token_parents.contains(op) {
        return Answer::Ok(json!({key: [], "NextToken": format!("0#{signature}")}));
    }
    let empty = state.faults.empty_pages;
    if empty > 0 && offset < empty {
        return Answer::Ok(json!({key: [], "NextToken": format!("{}#{signature}", offset + 1)}));
    }
    let offset = offset.saturating_sub(empty);
    let matching: Vec<&FakeRequest> = state
        .requests
        .iter()
        .filter(|r| r.operation == operation)
        .filter(|r| {
            let shown = if r.polls_left > 0 { "IN_PROGRESS" } else { status_code(&r.status) };
            wanted.as_deref().is_none_or(|w| w == shown)
        })
        .collect();
    let page: Vec<Value> = matching
        .iter()
        .skip(offset)
        .take(max)
        .map(|r| {
            let shown = if r.polls_left > 0 { "IN_PROGRESS" } else { status_code(&r.status) };
            json!({"Status": shown, "RequestId": r.request_id, "CreatedDate": r.created as f64})
        })
        .collect();
    let mut body = json!({key: page});
    if offset + max < matching.len() {
        body["NextToken"] = json!(format!("{}#{signature}", offset + max + empty));
    }
    Answer::Ok(body)
}

fn write(state: &mut State, operation: &'static str, response_key: &str, params: &Value) -> Answer {
    let text = |key: &str| params[key].as_str().unwrap_or_default().to_string();
    if params["InstanceArn"].as_str() != Some(INSTANCE) {
        return Answer::Error(Canned::new(400, "ResourceNotFoundException", "Instance not found"));
    }
    state.writes.made += 1;
    let request = FakeRequest {
        request_id: format!("retry-{operation}-{}", state.writes.made),
        operation,
        account: text("TargetId"),
        permission_set: text("PermissionSetArn"),
        principal_type: text("PrincipalType"),
        principal_id: text("PrincipalId"),
        created: chrono::Utc::now().timestamp(),
        status: state.writes.outcome.clone(),
        polls_left: state.writes.polls,
    };
    let body = status_body(&request, &FakeStatus::InProgress);
    state.requests.push(request);
    Answer::Ok(json!({response_key: body}))
}
