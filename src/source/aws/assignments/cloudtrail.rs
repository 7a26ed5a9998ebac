//! CloudTrail's side of the triage: `LookupEvents` for one event name (`CreateAccountAssignment`,
//! `DeleteAccountAssignment` or `ProvisionPermissionSet`; one lookup attribute, 50 a page, every
//! page, the same parameters with every `NextToken`, at most 2 calls a second). CloudTrail adds
//! who made the call, when, and the calls refused outright.

use aws_sdk_cloudtrail::types::{LookupAttribute, LookupAttributeKey};

use super::super::pace::Api;
use super::super::{fatal, to_chrono};
use futures::StreamExt;

use super::Run;
use crate::model::{AssignmentAttempt, Operation};
use crate::source::SourceError;

/// CloudTrail's largest page for LookupEvents.
const PAGE_SIZE: i32 = 50;

/// Reads every `operation` event from `resume` to `end`, page after page, admitting
/// each into `run` (describes start as events arrive and keep running while the next page is
/// awaited); returns the events as parsed, for the cache.
pub(super) async fn read(
    run: &mut Run<'_>,
    cloudtrail: &aws_sdk_cloudtrail::Client,
    operation: Operation,
    resume: i64,
    end: i64,
) -> Result<Vec<AssignmentAttempt>, SourceError> {
    let mut read: Vec<AssignmentAttempt> = Vec::new();
    let mut pages = super::super::paging::PageGuard::default();
    let mut token: Option<String> = None;
    let attribute = LookupAttribute::builder()
        .attribute_key(LookupAttributeKey::EventName)
        .attribute_value(operation.api())
        .build()
        .map_err(|err| SourceError::Service {
            action: "cloudtrail:LookupEvents",
            code: "InvalidRequest".into(),
            message: err.to_string().into(),
        })?;
    loop {
        // The same parameters with every page: a NextToken is only valid with them.
        let page = {
            let lookup = cloudtrail
                .lookup_events()
                .lookup_attributes(attribute.clone())
                .start_time(aws_smithy_types::DateTime::from_secs(resume))
                .end_time(aws_smithy_types::DateTime::from_secs(end))
                .max_results(PAGE_SIZE)
                .set_next_token(token.clone());
            let page_future = run.source.calls.call(Api::CloudTrail, || lookup.clone().send());
            // Describes already started keep running while the next page is awaited.
            let mut page_future = std::pin::pin!(page_future);
            loop {
                tokio::select! {
                    page = &mut page_future => break page,
                    Some(done) = run.pending.next(), if !run.pending.is_empty() => run.finished(done),
                }
            }
        };
        let page = page.map_err(|err| fatal("cloudtrail:LookupEvents", "", err))?;
        run.report.pages += 1;
        for event in page.events() {
            let raw = event.cloud_trail_event().unwrap_or_default();
            let time = event.event_time().and_then(to_chrono);
            let attempt = crate::source::event::parse(event.event_id().unwrap_or_default(), time, raw, operation);
            read.push(attempt.clone());
            run.admit(attempt);
        }
        run.tell();
        token = page.next_token().map(str::to_string);
        if !pages.follow(token.as_deref(), "cloudtrail:LookupEvents")? {
            break;
        }
    }
    Ok(read)
}
