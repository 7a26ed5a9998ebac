//! Reading a CloudTrail event of an Identity Center write — `CreateAccountAssignment`,
//! `DeleteAccountAssignment`, `ProvisionPermissionSet` — (its `CloudTrailEvent` JSON) into an
//! [`AssignmentAttempt`]. Tolerant: missing fields stay `None`, unknown versions and extra keys are
//! ignored, and text that is not a JSON object becomes an `UNKNOWN` / `unparseable_event` attempt
//! that keeps the raw text.

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::model::{AssignmentAttempt, AssignmentStatus, Operation, RawText, Text};

/// The error code of an event that could not be read.
pub const UNPARSEABLE: &str = "unparseable_event";

fn text(value: &Value, path: &[&str]) -> Option<Text> {
    let mut at = value;
    for key in path {
        at = at.get(key)?;
    }
    match at {
        Value::String(s) if !s.is_empty() => Some(Text::from(s.as_str())),
        Value::Number(n) => Some(Text::from(n.to_string())),
        _ => None,
    }
}

/// Who made the call, as readable as the event allows: the ARN, else the user name, else the
/// principal id, else the identity type.
fn actor(identity: &Value) -> Option<Text> {
    text(identity, &["arn"])
        .or_else(|| text(identity, &["userName"]))
        .or_else(|| text(identity, &["principalId"]))
        .or_else(|| text(identity, &["invokedBy"]))
        .or_else(|| text(identity, &["type"]))
}

/// The response element that holds the request's status, per operation.
fn status_element(operation: Operation) -> &'static str {
    match operation {
        Operation::Create => "accountAssignmentCreationStatus",
        Operation::Delete => "accountAssignmentDeletionStatus",
        Operation::Provision => "permissionSetProvisioningStatus",
    }
}

/// Parses one event. `event_id` and `fallback_time` come from the LookupEvents record, used when the
/// JSON lacks them (or cannot be read at all); `looked_up` is the event name the lookup asked for,
/// used when the JSON does not name a known one.
pub fn parse(
    event_id: &str,
    fallback_time: Option<DateTime<Utc>>,
    raw: &str,
    looked_up: Operation,
) -> AssignmentAttempt {
    let mut attempt = AssignmentAttempt::empty(looked_up);
    attempt.event_id = (!event_id.is_empty()).then(|| Text::from(event_id));
    attempt.event_time = fallback_time;
    attempt.raw_event = Some(Text::from(raw));
    let event: Value = match serde_json::from_str(raw) {
        Ok(value @ Value::Object(_)) => value,
        Ok(_) => {
            attempt.error_code = Some(UNPARSEABLE.into());
            attempt.failure_reason = Some("the CloudTrail event is not a JSON object".into());
            return attempt;
        }
        Err(err) => {
            attempt.error_code = Some(UNPARSEABLE.into());
            attempt.failure_reason = Some(format!("the CloudTrail event could not be parsed: {err}").into());
            return attempt;
        }
    };
    if let Some(operation) = text(&event, &["eventName"]).and_then(|name| Operation::from_api(name.raw())) {
        attempt.operation = operation;
    }
    if attempt.event_id.is_none() {
        attempt.event_id = text(&event, &["eventID"]);
    }
    if let Some(time) = text(&event, &["eventTime"]).and_then(|t| DateTime::parse_from_rfc3339(t.raw()).ok()) {
        attempt.event_time = Some(time.with_timezone(&Utc));
    }
    attempt.actor = event.get("userIdentity").and_then(actor);
    let request = event.get("requestParameters").cloned().unwrap_or(Value::Null);
    attempt.instance_arn = text(&request, &["instanceArn"]);
    attempt.account_id = text(&request, &["targetId"]);
    attempt.target_type = text(&request, &["targetType"]);
    attempt.permission_set_arn = text(&request, &["permissionSetArn"]);
    attempt.principal_type = text(&request, &["principalType"]);
    attempt.principal_id = text(&request, &["principalId"]);

    if let Some(code) = text(&event, &["errorCode"]) {
        // The call itself was refused: nothing was created, nothing to describe.
        attempt.status = AssignmentStatus::ApiError;
        attempt.failure_reason = text(&event, &["errorMessage"]).or_else(|| Some(code.clone()));
        attempt.error_code = Some(code);
        return attempt;
    }
    let element = status_element(attempt.operation);
    match event.get("responseElements").and_then(|r| r.get(element)) {
        Some(status) => {
            attempt.request_id = text(status, &["requestId"]);
            attempt.status = match text(status, &["status"]).raw() {
                Some("SUCCEEDED") => AssignmentStatus::Succeeded,
                Some("FAILED") => AssignmentStatus::Failed,
                _ => AssignmentStatus::InProgress,
            };
            attempt.failure_reason = text(status, &["failureReason"]);
            // Older events carry the target in the response only; a provisioning names its
            // account `accountId` there.
            if attempt.account_id.is_none() {
                attempt.account_id = text(status, &["targetId"]).or_else(|| text(status, &["accountId"]));
            }
            if attempt.permission_set_arn.is_none() {
                attempt.permission_set_arn = text(status, &["permissionSetArn"]);
            }
            if attempt.request_id.is_none() {
                attempt.status = AssignmentStatus::Unknown;
                attempt.error_code = Some("missing_request_id".into());
                attempt.failure_reason = Some("the event names no request id, so its outcome cannot be read".into());
            }
        }
        None => {
            attempt.status = AssignmentStatus::Unknown;
            attempt.error_code = Some("missing_response".into());
            attempt.failure_reason = Some(format!("the event has no {element}, so its outcome cannot be read").into());
        }
    }
    attempt
}

#[cfg(test)]
mod tests {
    use super::*;

    const SUCCESS: &str = r#"{
      "eventVersion": "1.08",
      "userIdentity": {"type": "AssumedRole", "principalId": "AROAEXAMPLE:jane", "arn": "arn:aws:sts::111111111111:assumed-role/Admin/jane", "accountId": "111111111111"},
      "eventTime": "2026-11-17T10:00:00Z",
      "eventSource": "sso.amazonaws.com",
      "eventName": "CreateAccountAssignment",
      "awsRegion": "eu-west-1",
      "requestParameters": {"instanceArn": "arn:aws:sso:::instance/ssoins-1", "targetId": "222222222222", "targetType": "AWS_ACCOUNT",
        "permissionSetArn": "arn:aws:sso:::permissionSet/ssoins-1/ps-1", "principalType": "GROUP", "principalId": "g-1"},
      "responseElements": {"accountAssignmentCreationStatus": {"status": "IN_PROGRESS", "requestId": "req-1", "targetId": "222222222222"}},
      "requestID": "aws-req", "eventID": "ev-1", "readOnly": false, "eventType": "AwsApiCall", "someNewKey": {"x": 1}
    }"#;

    #[test]
    fn a_successful_call_is_in_progress_with_its_request_id() {
        let attempt = parse("ev-1", None, SUCCESS, Operation::Create);
        assert_eq!(attempt.status, AssignmentStatus::InProgress);
        assert_eq!(attempt.request_id.raw(), Some("req-1"));
        assert_eq!(attempt.instance_arn.raw(), Some("arn:aws:sso:::instance/ssoins-1"));
        assert_eq!(attempt.account_id.raw(), Some("222222222222"));
        assert_eq!(attempt.principal_type.raw(), Some("GROUP"));
        assert_eq!(attempt.actor.raw(), Some("arn:aws:sts::111111111111:assumed-role/Admin/jane"));
        assert_eq!(attempt.event_time.map(|t| t.to_rfc3339()), Some("2026-11-17T10:00:00+00:00".to_string()));
    }

    #[test]
    fn a_refused_call_is_an_api_error_with_aws_words() {
        let raw = r#"{"eventVersion":"1.09","userIdentity":{"type":"IAMUser","userName":"bob"},"eventTime":"2026-11-17T10:00:00Z",
          "requestParameters":{"instanceArn":"arn:aws:sso:::instance/ssoins-1","targetId":"3"},"responseElements":null,
          "errorCode":"AccessDeniedException","errorMessage":"User: bob is not authorized to perform: sso:CreateAccountAssignment"}"#;
        let attempt = parse("ev-2", None, raw, Operation::Create);
        assert_eq!(attempt.status, AssignmentStatus::ApiError);
        assert_eq!(attempt.error_code.raw(), Some("AccessDeniedException"));
        assert!(attempt.failure_reason.raw().is_some_and(|r| r.contains("not authorized")));
        assert_eq!(attempt.actor.raw(), Some("bob"));
        assert_eq!(attempt.request_id, None);
    }

    #[test]
    fn missing_response_elements_and_unknown_versions_are_kept_as_unknown() {
        let raw = r#"{"eventVersion":"9.99","eventTime":"2026-11-17T10:00:00Z","requestParameters":{"targetId":"3"}}"#;
        let attempt = parse("ev-3", None, raw, Operation::Create);
        assert_eq!(attempt.status, AssignmentStatus::Unknown);
        assert_eq!(attempt.error_code.raw(), Some("missing_response"));
        assert_eq!(attempt.account_id.raw(), Some("3"));
    }

    #[test]
    fn garbage_is_unparseable_and_keeps_its_raw_text() {
        let fallback = DateTime::parse_from_rfc3339("2026-11-01T00:00:00Z").ok().map(|t| t.with_timezone(&Utc));
        for raw in ["{\"eventVersion\": \"1.08\", \"userIdent", "[1,2,3]", "", "null", "\u{0}\u{1}"] {
            let attempt = parse("ev-4", fallback, raw, Operation::Delete);
            assert_eq!(attempt.status, AssignmentStatus::Unknown, "{raw:?}");
            assert_eq!(attempt.error_code.raw(), Some(UNPARSEABLE), "{raw:?}");
            assert_eq!(attempt.raw_event.raw(), Some(raw));
            assert_eq!(attempt.event_time, fallback, "the LookupEvents time is kept");
            assert_eq!(attempt.operation, Operation::Delete, "the lookup's event name is kept");
        }
    }

    #[test]
    fn wrong_types_in_known_fields_do_not_break_the_rest() {
        let raw = r#"{"eventTime": 12, "userIdentity": "nobody", "requestParameters": {"targetId": ["x"], "instanceArn": "i"},
          "responseElements": {"accountAssignmentCreationStatus": {"status": 5, "requestId": "r"}}}"#;
        let attempt = parse("ev-5", None, raw, Operation::Create);
        assert_eq!(attempt.request_id.raw(), Some("r"));
        assert_eq!(attempt.status, AssignmentStatus::InProgress);
        assert_eq!(attempt.account_id, None);
        assert_eq!(attempt.actor, None);
    }

    #[test]
    fn a_deletion_and_a_provisioning_read_their_own_response_elements() {
        let delete = r#"{"eventName":"DeleteAccountAssignment","eventTime":"2026-11-17T10:00:00Z",
          "requestParameters":{"instanceArn":"arn:aws:sso:::instance/ssoins-1","targetId":"222222222222","targetType":"AWS_ACCOUNT",
            "permissionSetArn":"arn:aws:sso:::permissionSet/ssoins-1/ps-1","principalType":"USER","principalId":"u-1"},
          "responseElements":{"accountAssignmentDeletionStatus":{"status":"IN_PROGRESS","requestId":"del-1"}}}"#;
        let attempt = parse("ev-6", None, delete, Operation::Create);
        assert_eq!(attempt.operation, Operation::Delete, "the event's own name wins");
        assert_eq!(attempt.request_id.raw(), Some("del-1"));
        assert_eq!(attempt.principal_id.raw(), Some("u-1"));
        assert_eq!(attempt.status, AssignmentStatus::InProgress);

        let provision = r#"{"eventName":"ProvisionPermissionSet","eventTime":"2026-11-17T10:00:00Z",
          "requestParameters":{"instanceArn":"arn:aws:sso:::instance/ssoins-1","permissionSetArn":"arn:aws:sso:::permissionSet/ssoins-1/ps-1",
            "targetId":"333333333333","targetType":"AWS_ACCOUNT"},
          "responseElements":{"permissionSetProvisioningStatus":{"status":"IN_PROGRESS","requestId":"prov-1","accountId":"333333333333"}}}"#;
        let attempt = parse("ev-7", None, provision, Operation::Provision);
        assert_eq!(attempt.operation, Operation::Provision);
        assert_eq!(attempt.request_id.raw(), Some("prov-1"));
        assert_eq!(attempt.account_id.raw(), Some("333333333333"));
        assert_eq!(attempt.target_type.raw(), Some("AWS_ACCOUNT"));
        assert_eq!(attempt.principal_type, None, "a provisioning has no principal");

        let wrong_element = provision.replace("permissionSetProvisioningStatus", "accountAssignmentCreationStatus");
        let attempt = parse("ev-8", None, &wrong_element, Operation::Provision);
        assert_eq!(attempt.error_code.raw(), Some("missing_response"));
    }
}
