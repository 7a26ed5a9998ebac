//! Why did that Identity Center assignment fail: CloudTrail `LookupEvents` for
//! `CreateAccountAssignment` (one lookup attribute, 50 a page, every page, the same parameters with
//! every `NextToken`, at most 2 calls a second), then `DescribeAccountAssignmentCreationStatus` for
//! each distinct request (at most 20 a second, concurrently, as pages arrive), permission set names
//! from `DescribePermissionSet`, and final statuses cached on disk between runs.
//!
//! CloudTrail's history never changes, so the events read are cached too (per caller account): a
//! later run over a window the cache covers asks CloudTrail only for what came after the last run,
//! less [`LATE_DELIVERY`] since CloudTrail may deliver an event some minutes after it happened.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use aws_sdk_cloudtrail::types::{LookupAttribute, LookupAttributeKey};
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use futures::stream::{FuturesUnordered, StreamExt};
use serde::{Deserialize, Serialize};

use super::pace::Api;
use super::retry::Caller;
use super::{AwsSource, fatal, to_chrono};
use crate::model::{AssignmentAttempt, AssignmentStatus, RawText, Text};
use crate::source::{AssignmentProgress, AssignmentProgressFn, AssignmentQuery, SourceError};

/// CloudTrail's largest page for LookupEvents.
const PAGE_SIZE: i32 = 50;
/// CloudTrail usually delivers an event within 15 minutes; the cache trusts nothing newer.
const LATE_DELIVERY: i64 = 15 * 60;
/// LookupEvents reaches back 90 days; cached events older than that are dropped.
const HISTORY: i64 = 90 * 86_400;

/// What the disk cache keeps for a request that reached a final status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct CachedStatus {
    status: AssignmentStatus,
    failure_reason: Option<Text>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct StatusCache {
    format: u32,
    /// `instance_arn request_id` → final status.
    statuses: BTreeMap<String, CachedStatus>,
    /// The events read, by the account whose CloudTrail they came from.
    #[serde(default)]
    events: BTreeMap<String, EventCache>,
}

/// Every `CreateAccountAssignment` event between `from` and `until` (epoch seconds), as parsed.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct EventCache {
    from: i64,
    until: i64,
    attempts: Vec<AssignmentAttempt>,
}

impl EventCache {
    /// Whether the cache holds every event from `start` on (up to its `until`).
    fn reaches_back_to(&self, start: i64) -> bool {
        self.from <= start && start <= self.until
    }

    /// For the window `[start, end]`: where CloudTrail must be read from (`None` when the cache
    /// holds the whole window), and the cached attempts before that. The whole window is read
    /// when the cache does not reach back to `start`; the last [`LATE_DELIVERY`] it covers always.
    fn plan(&self, start: i64, end: i64) -> (Option<i64>, Vec<AssignmentAttempt>) {
        if !self.reaches_back_to(start) {
            return (Some(start), Vec::new());
        }
        let trusted = self.until - LATE_DELIVERY;
        let resume = (trusted <= end).then(|| trusted.max(start));
        let cached_before = resume.unwrap_or(end + 1);
        let cached = self
            .attempts
            .iter()
            .filter(|a| a.event_time.is_some_and(|t| (start..cached_before).contains(&t.timestamp())))
            .cloned()
            .collect();
        (resume, cached)
    }

    /// The cache after a run over `[start, end]` that read CloudTrail from `resume` to `end`.
    fn extend(mut self, start: i64, resume: Option<i64>, end: i64, read: &[AssignmentAttempt]) -> EventCache {
        let Some(resume) = resume else { return self };
        if !self.reaches_back_to(start) {
            self = EventCache { from: start, until: start, attempts: Vec::new() };
        }
        // What was read replaces what the cache held for the same span; the rest is kept.
        self.attempts.retain(|a| a.event_time.is_none_or(|t| !(resume..=end).contains(&t.timestamp())));
        self.attempts.extend(read.iter().cloned());
        self.from = self.from.min(start).max(end - HISTORY);
        self.until = self.until.max(end);
        let from = self.from;
        self.attempts.retain(|a| a.event_time.is_some_and(|t| t.timestamp() >= from));
        self
    }
}

fn cache_key(instance: &str, request: &str) -> String {
    format!("{instance} {request}")
}

fn read_cache(path: Option<&Path>) -> StatusCache {
    let Some(path) = path else { return StatusCache::default() };
    match std::fs::read_to_string(path) {
        Ok(text) => serde_json::from_str(&text).unwrap_or_else(|err| {
            tracing::warn!(path = %path.display(), %err, "the assignment status cache is unreadable; starting afresh");
            StatusCache::default()
        }),
        Err(_) => StatusCache::default(),
    }
}

fn write_cache(path: Option<&Path>, cache: &StatusCache) {
    let Some(path) = path else { return };
    if let Some(dir) = path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    match serde_json::to_vec(cache) {
        Ok(bytes) => {
            if let Err(err) = crate::files::write_atomic(path, &bytes, 0o600) {
                tracing::warn!(path = %path.display(), %err, "could not save the assignment status cache");
            }
        }
        Err(err) => tracing::warn!(%err, "could not encode the assignment status cache"),
    }
}

struct Clients {
    cloudtrail: aws_sdk_cloudtrail::Client,
    sso: aws_sdk_ssoadmin::Client,
}

fn clients(source: &AwsSource, region: &str) -> Clients {
    let region = aws_config::Region::new(region.to_string());
    let cloudtrail = aws_sdk_cloudtrail::config::Builder::from(&source.config).region(region.clone()).build();
    let sso = aws_sdk_ssoadmin::config::Builder::from(&source.config).region(region).build();
    Clients {
        cloudtrail: aws_sdk_cloudtrail::Client::from_conf(cloudtrail),
        sso: aws_sdk_ssoadmin::Client::from_conf(sso),
    }
}

type DescribeFuture = std::pin::Pin<Box<dyn std::future::Future<Output = Described> + Send>>;

/// One run's state: the attempts so far and the describes in flight.
struct Run<'a> {
    source: &'a AwsSource,
    sso: aws_sdk_ssoadmin::Client,
    cache: StatusCache,
    attempts: Vec<AssignmentAttempt>,
    asked: HashSet<String>,
    pending: FuturesUnordered<DescribeFuture>,
    names: HashMap<Text, Option<Text>>,
    report: AssignmentProgress,
    progress: AssignmentProgressFn,
}

impl Run<'_> {
    /// Takes one attempt: its final status from the cache, else a describe started for its
    /// request (once per request), and its permission set's name.
    async fn admit(&mut self, mut attempt: AssignmentAttempt) {
        self.report.events += 1;
        if attempt.status == AssignmentStatus::InProgress
            && let (Some(instance), Some(request)) = (attempt.instance_arn.clone(), attempt.request_id.clone())
        {
            let key = cache_key(instance.raw(), request.raw());
            if let Some(cached) = self.cache.statuses.get(&key) {
                attempt.status = cached.status;
                attempt.failure_reason = cached.failure_reason.clone();
            } else if self.asked.insert(key) {
                self.report.to_describe += 1;
                self.pending.push(describe(
                    self.source.calls.clone(),
                    self.sso.clone(),
                    instance.into_raw(),
                    request.into_raw(),
                ));
            }
        }
        if let (Some(instance), Some(permission_set)) = (&attempt.instance_arn, &attempt.permission_set_arn)
            && !self.names.contains_key(permission_set)
        {
            let name = permission_set_name(self.source, &self.sso, instance.raw(), permission_set.raw()).await;
            self.names.insert(permission_set.clone(), name);
        }
        self.attempts.push(attempt);
    }

    fn described(&mut self, done: Described) {
        finish_describe(&mut self.attempts, &mut self.cache, done);
        self.report.described += 1;
        self.tell();
    }

    fn tell(&mut self) {
        self.report.throttled = self.source.stats().throttled();
        (self.progress)(self.report);
    }
}

pub(super) async fn assignments(
    source: &AwsSource,
    query: &AssignmentQuery,
    progress: AssignmentProgressFn,
) -> Result<Vec<AssignmentAttempt>, SourceError> {
    let region =
        query.sso_region.clone().or_else(|| source.profile_sso_region.clone()).unwrap_or_else(|| source.region.clone());
    let clients = clients(source, &region);
    let cache = read_cache(query.cache_path.as_deref());
    // Events are cached per account: another profile's CloudTrail is another history.
    let account = match query.cache_path {
        Some(_) => source.caller_account().await,
        None => None,
    };
    let (start, end) = (query.start.timestamp(), query.end.timestamp());
    let cached_events = account.as_ref().and_then(|a| cache.events.get(a)).cloned().unwrap_or_default();
    let (resume, cached) = cached_events.plan(start, end);
    let mut run = Run {
        source,
        sso: clients.sso.clone(),
        cache,
        attempts: Vec::new(),
        asked: HashSet::new(),
        pending: FuturesUnordered::new(),
        names: HashMap::new(),
        report: AssignmentProgress::default(),
        progress,
    };
    for attempt in cached {
        run.admit(attempt).await;
    }
    let from_cache = run.attempts.len();
    if from_cache > 0 {
        tracing::info!(events = from_cache, resume, "assignment events from the cache");
        run.tell();
    }

    // The events CloudTrail answered in this run, as parsed, for the cache.
    let read = match resume {
        Some(resume) => read_cloudtrail(&mut run, &clients.cloudtrail, resume, end).await?,
        None => Vec::new(),
    };
    while let Some(done) = run.pending.next().await {
        run.described(done);
    }
    let Run { mut cache, mut attempts, names, report, .. } = run;
    // Requests described in this run with a final status become cache entries; those still
    // IN_PROGRESS are asked about again next time. The events read join the cached ones, as
    // parsed (statuses are filled from the status cache on the way out).
    if let Some(account) = account {
        cache.events.insert(account, cached_events.extend(start, resume, end, &read));
    }
    cache.format = 2;
    write_cache(query.cache_path.as_deref(), &cache);

    name_principals(source, &clients.sso, &region, &mut attempts).await;
    for attempt in &mut attempts {
        if let Some(permission_set) = &attempt.permission_set_arn {
            attempt.permission_set_name = names.get(permission_set).cloned().flatten();
        }
    }
    attempts.sort_by(|a, b| b.event_time.cmp(&a.event_time).then_with(|| a.event_id.cmp(&b.event_id)));
    tracing::info!(
        events = report.events,
        from_cache,
        described = report.described,
        pages = report.pages,
        calls = source.stats().calls(),
        "assignments read"
    );
    Ok(attempts)
}

/// Reads every `CreateAccountAssignment` event from `resume` to `end`, page after page, admitting
/// each into `run` (describes start as events arrive and keep running while the next page is
/// awaited); returns the events as parsed, for the cache.
async fn read_cloudtrail(
    run: &mut Run<'_>,
    cloudtrail: &aws_sdk_cloudtrail::Client,
    resume: i64,
    end: i64,
) -> Result<Vec<AssignmentAttempt>, SourceError> {
    let mut read: Vec<AssignmentAttempt> = Vec::new();
    let mut pages = super::paging::PageGuard::default();
    let mut token: Option<String> = None;
    let attribute = LookupAttribute::builder()
        .attribute_key(LookupAttributeKey::EventName)
        .attribute_value("CreateAccountAssignment")
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
                    Some(done) = run.pending.next(), if !run.pending.is_empty() => run.described(done),
                }
            }
        };
        let page = page.map_err(|err| fatal("cloudtrail:LookupEvents", "", err))?;
        run.report.pages += 1;
        for event in page.events() {
            let raw = event.cloud_trail_event().unwrap_or_default();
            let time = event.event_time().and_then(to_chrono);
            let attempt = crate::source::event::parse(event.event_id().unwrap_or_default(), time, raw);
            read.push(attempt.clone());
            run.admit(attempt).await;
        }
        run.tell();
        token = page.next_token().map(str::to_string);
        if !pages.follow(token.as_deref(), "cloudtrail:LookupEvents")? {
            break;
        }
    }
    Ok(read)
}

impl AwsSource {
    /// The outcome of one `CreateAccountAssignment` request in Identity Center's `region`:
    /// status, failure reason, and the error code when it could not be read.
    pub async fn assignment_status(
        &self,
        region: &str,
        instance_arn: &str,
        request_id: &str,
    ) -> (AssignmentStatus, Option<Text>, Option<Text>) {
        let sso = clients(self, region).sso;
        let (_, _, status, reason, code) =
            describe(self.calls.clone(), sso, instance_arn.to_string(), request_id.to_string()).await;
        (status, reason, code)
    }
}

/// The outcome of one request: `(instance, request, status, reason, error code)`.
type Described = (String, String, AssignmentStatus, Option<Text>, Option<Text>);

fn describe(calls: Caller, sso: aws_sdk_ssoadmin::Client, instance: String, request: String) -> DescribeFuture {
    Box::pin(async move {
        let result = calls
            .call(Api::SsoAdmin, || {
                sso.describe_account_assignment_creation_status()
                    .instance_arn(&instance)
                    .account_assignment_creation_request_id(&request)
                    .send()
            })
            .await;
        match result {
            Ok(output) => {
                let status = output.account_assignment_creation_status();
                let (status, reason) = match status.and_then(|s| s.status()).map(|s| s.as_str()) {
                    Some("SUCCEEDED") => (AssignmentStatus::Succeeded, None),
                    Some("FAILED") => {
                        (AssignmentStatus::Failed, status.and_then(|s| s.failure_reason()).map(Text::from))
                    }
                    Some("IN_PROGRESS") => (AssignmentStatus::InProgress, None),
                    other => (
                        AssignmentStatus::Unknown,
                        Some(format!("Identity Center answered an unknown status {other:?}").into()),
                    ),
                };
                (instance, request, status, reason, None)
            }
            Err(err) => {
                let code = Text::from(err.code().unwrap_or("NetworkError"));
                let message = Text::from(
                    err.message().map(str::to_string).unwrap_or_else(|| DisplayErrorContext(&err).to_string()),
                );
                (instance, request, AssignmentStatus::Unknown, Some(message), Some(code))
            }
        }
    })
}

fn finish_describe(attempts: &mut [AssignmentAttempt], cache: &mut StatusCache, done: Described) {
    let (instance, request, status, reason, code) = done;
    if matches!(status, AssignmentStatus::Succeeded | AssignmentStatus::Failed) {
        cache.statuses.insert(cache_key(&instance, &request), CachedStatus { status, failure_reason: reason.clone() });
    }
    for attempt in attempts.iter_mut() {
        if attempt.instance_arn.raw() == Some(instance.as_str()) && attempt.request_id.raw() == Some(request.as_str()) {
            attempt.status = status;
            attempt.failure_reason = reason.clone();
            attempt.error_code = code.clone();
        }
    }
    // Attempts of this request on later pages pick the status up from the cache.
}

/// Display names of the principals from the Identity Store, when the caller may read it: the
/// instance's identity store from `ListInstances`, then `DescribeUser` / `DescribeGroup` once per
/// principal. The first refusal stops the lookups; the ids stay.
async fn name_principals(
    source: &AwsSource,
    sso: &aws_sdk_ssoadmin::Client,
    region: &str,
    attempts: &mut [AssignmentAttempt],
) {
    let wanted: HashSet<(Text, Text)> =
        attempts.iter().filter_map(|a| Some((a.principal_type.clone()?, a.principal_id.clone()?))).collect();
    if wanted.is_empty() {
        return;
    }
    let instances = source.calls.call(Api::SsoAdmin, || sso.list_instances().send()).await;
    let stores: HashMap<String, String> = match instances {
        Ok(output) => output
            .instances()
            .iter()
            .filter_map(|i| Some((i.instance_arn()?.to_string(), i.identity_store_id()?.to_string())))
            .collect(),
        Err(err) => {
            tracing::debug!(code = err.code().unwrap_or("none"), "ListInstances failed; principals stay ids");
            return;
        }
    };
    let Some(store) = stores.values().next().cloned() else { return };
    let config = aws_sdk_identitystore::config::Builder::from(&source.config)
        .region(aws_config::Region::new(region.to_string()))
        .build();
    let identity = aws_sdk_identitystore::Client::from_conf(config);
    let mut names: HashMap<(Text, Text), Text> = HashMap::new();
    for (kind, id) in wanted {
        let name = if kind == "GROUP" {
            let result = source
                .calls
                .call(Api::IdentityStore, || {
                    identity.describe_group().identity_store_id(&store).group_id(id.raw()).send()
                })
                .await;
            match result {
                Ok(group) => group.display_name().map(Text::from),
                Err(err) if err.code().is_some_and(|c| c.contains("AccessDenied")) => break,
                Err(_) => None,
            }
        } else {
            let result = source
                .calls
                .call(Api::IdentityStore, || {
                    identity.describe_user().identity_store_id(&store).user_id(id.raw()).send()
                })
                .await;
            match result {
                Ok(user) => user.user_name().or_else(|| user.display_name()).map(Text::from),
                Err(err) if err.code().is_some_and(|c| c.contains("AccessDenied")) => break,
                Err(_) => None,
            }
        };
        if let Some(name) = name {
            names.insert((kind, id), name);
        }
    }
    apply_names(attempts, &names);
}

fn apply_names(attempts: &mut [AssignmentAttempt], names: &HashMap<(Text, Text), Text>) {
    for attempt in attempts {
        if let (Some(kind), Some(id)) = (&attempt.principal_type, &attempt.principal_id) {
            attempt.principal_name = names.get(&(kind.clone(), id.clone())).cloned();
        }
    }
}

async fn permission_set_name(
    source: &AwsSource,
    sso: &aws_sdk_ssoadmin::Client,
    instance: &str,
    permission_set: &str,
) -> Option<Text> {
    let result = source
        .calls
        .call(Api::SsoAdmin, || {
            sso.describe_permission_set().instance_arn(instance).permission_set_arn(permission_set).send()
        })
        .await;
    match result {
        Ok(output) => output.permission_set().and_then(|p| p.name()).map(Text::from),
        Err(err) => {
            tracing::debug!(permission_set = %crate::text::visible(permission_set), code = err.code().unwrap_or("none"), "DescribePermissionSet failed");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> AssignmentAttempt {
        let time = chrono::DateTime::from_timestamp(seconds, 0);
        crate::source::event::parse(&format!("ev-{seconds}"), time, "{}")
    }

    fn times(attempts: &[AssignmentAttempt]) -> Vec<i64> {
        let mut times: Vec<i64> = attempts.iter().filter_map(|a| a.event_time.map(|t| t.timestamp())).collect();
        times.sort_unstable();
        times
    }

    const DAY: i64 = 86_400;
    const NOW: i64 = 1_800_000_000;

    #[test]
    fn an_empty_cache_reads_the_whole_window() {
        let (resume, cached) = EventCache::default().plan(NOW - 7 * DAY, NOW);
        assert_eq!(resume, Some(NOW - 7 * DAY));
        assert!(cached.is_empty());
    }

    #[test]
    fn a_covering_cache_is_read_up_to_the_late_delivery_margin_and_cloudtrail_after_it() {
        let cache = EventCache::default().extend(
            NOW - 7 * DAY,
            Some(NOW - 7 * DAY),
            NOW,
            &[at(NOW - 6 * DAY), at(NOW - DAY), at(NOW - 600)],
        );
        assert_eq!((cache.from, cache.until), (NOW - 7 * DAY, NOW));
        let later = NOW + 3600;
        let (resume, cached) = cache.plan(NOW - 2 * DAY, later);
        assert_eq!(resume, Some(NOW - LATE_DELIVERY));
        assert_eq!(times(&cached), vec![NOW - DAY], "inside the window and before the margin");

        // The margin is read again: the event 10 minutes before the last run comes back from
        // CloudTrail once, not twice.
        let cache = cache.extend(NOW - 2 * DAY, resume, later, &[at(NOW - 600), at(NOW + 60)]);
        assert_eq!(times(&cache.attempts), vec![NOW - 6 * DAY, NOW - DAY, NOW - 600, NOW + 60]);
        assert_eq!((cache.from, cache.until), (NOW - 7 * DAY, later));
    }

    #[test]
    fn a_window_reaching_further_back_than_the_cache_reads_everything_and_replaces_it() {
        let cache = EventCache::default().extend(NOW - DAY, Some(NOW - DAY), NOW, &[at(NOW - 3600)]);
        let (resume, cached) = cache.plan(NOW - 30 * DAY, NOW);
        assert_eq!(resume, Some(NOW - 30 * DAY));
        assert!(cached.is_empty());
        let cache = cache.extend(NOW - 30 * DAY, resume, NOW, &[at(NOW - 20 * DAY), at(NOW - 3600)]);
        assert_eq!(times(&cache.attempts), vec![NOW - 20 * DAY, NOW - 3600]);
        assert_eq!(cache.from, NOW - 30 * DAY);
    }

    #[test]
    fn events_older_than_cloudtrails_history_are_dropped() {
        let cache = EventCache::default().extend(NOW - 89 * DAY, Some(NOW - 89 * DAY), NOW, &[at(NOW - 88 * DAY)]);
        let cache = cache.extend(NOW - DAY, Some(NOW - LATE_DELIVERY), NOW + 5 * DAY, &[]);
        assert_eq!(cache.from, NOW + 5 * DAY - HISTORY);
        assert!(cache.attempts.is_empty(), "88 days before the first run is 93 days before the second");
    }

    /// `--end` before the last run's end: a window the cache holds entirely asks CloudTrail
    /// nothing, and reading the late-delivery margin of a window that ends inside it keeps the
    /// cached events after the window.
    #[test]
    fn a_window_ending_before_the_last_run_keeps_what_it_does_not_read() {
        let events = [at(NOW - 3 * DAY), at(NOW - 2 * DAY), at(NOW - 600), at(NOW - 60)];
        let cache = EventCache::default().extend(NOW - 7 * DAY, Some(NOW - 7 * DAY), NOW, &events);

        let (resume, cached) = cache.plan(NOW - 4 * DAY, NOW - DAY);
        assert_eq!(resume, None, "all from the cache");
        assert_eq!(times(&cached), vec![NOW - 3 * DAY, NOW - 2 * DAY]);
        let unchanged = cache.clone().extend(NOW - 4 * DAY, resume, NOW - DAY, &[]);
        assert_eq!(times(&unchanged.attempts), times(&cache.attempts));

        let end = NOW - 300;
        let (resume, cached) = cache.plan(NOW - 4 * DAY, end);
        assert_eq!(resume, Some(NOW - LATE_DELIVERY));
        assert_eq!(times(&cached), vec![NOW - 3 * DAY, NOW - 2 * DAY]);
        let cache = cache.extend(NOW - 4 * DAY, resume, end, &[at(NOW - 600)]);
        assert_eq!(times(&cache.attempts), vec![NOW - 3 * DAY, NOW - 2 * DAY, NOW - 600, NOW - 60]);
        assert_eq!(cache.until, NOW);
    }
}
