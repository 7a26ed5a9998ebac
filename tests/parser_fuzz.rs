//! Property-based fuzzing of the CloudTrail event parser: arbitrary text and arbitrary JSON values
//! in every field never panic it, and whatever it cannot read is kept as UNKNOWN with the raw text.
//! `PROPTEST_CASES` sets the length of a run (CI uses the default, a few hundred cases).

use orgscope::model::RawText;
use orgscope::model::{AssignmentStatus, Operation};
use orgscope::source::event::{UNPARSEABLE, parse};
use proptest::prelude::*;
use serde_json::{Value, json};

fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        ".{0,40}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-zA-Z]{1,12}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #[test]
    fn arbitrary_text_never_panics_and_is_kept(raw in ".{0,400}") {
        let attempt = parse("ev", None, &raw, Operation::Create);
        prop_assert_eq!(attempt.raw_event.raw(), Some(raw.as_str()));
        if serde_json::from_str::<serde_json::Map<String, Value>>(&raw).is_err() {
            prop_assert_eq!(attempt.status, AssignmentStatus::Unknown);
            prop_assert_eq!(attempt.error_code.raw(), Some(UNPARSEABLE));
        }
    }

    #[test]
    fn any_value_in_any_field_never_panics(
        identity in any_json(), request in any_json(), response in any_json(),
        time in any_json(), code in any_json(), extra in any_json(),
        name in prop::sample::select(vec!["CreateAccountAssignment", "DeleteAccountAssignment", "ProvisionPermissionSet", "Other"]),
    ) {
        let event = json!({
            "eventVersion": "1.08", "eventTime": time, "userIdentity": identity, "eventName": name,
            "requestParameters": request, "responseElements": response, "errorCode": code, "extra": extra,
        });
        let raw = event.to_string();
        let attempt = parse("ev", None, &raw, Operation::Create);
        prop_assert_eq!(attempt.raw_event.raw(), Some(raw.as_str()));
        // A describable attempt always has its request id.
        if attempt.status == AssignmentStatus::InProgress {
            prop_assert!(attempt.request_id.is_some());
        }
    }

    #[test]
    fn truncated_real_events_never_panic(cut in 0usize..900) {
        let real = r#"{"eventVersion":"1.08","userIdentity":{"type":"AssumedRole","arn":"arn:aws:sts::1:assumed-role/A/b"},"eventTime":"2026-11-17T10:00:00Z","eventName":"CreateAccountAssignment","requestParameters":{"instanceArn":"arn:aws:sso:::instance/ssoins-1","targetId":"2","targetType":"AWS_ACCOUNT","permissionSetArn":"arn:aws:sso:::permissionSet/ssoins-1/ps-1","principalType":"GROUP","principalId":"g"},"responseElements":{"accountAssignmentCreationStatus":{"status":"IN_PROGRESS","requestId":"r-1"}},"eventID":"e"}"#;
        let raw: String = real.chars().take(cut).collect();
        let attempt = parse("ev", None, &raw, Operation::Create);
        if raw.len() < real.len() {
            prop_assert_eq!(attempt.status, AssignmentStatus::Unknown);
        } else {
            prop_assert_eq!(attempt.request_id.raw(), Some("r-1"));
        }
    }
}
