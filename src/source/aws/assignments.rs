//! Why did that Identity Center assignment fail: CloudTrail `LookupEvents` for
//! `CreateAccountAssignment` (one lookup attribute, 50 a page, every page, the same parameters with
//! every `NextToken`, at most 2 calls a second), then `DescribeAccountAssignmentCreationStatus` for
//! each distinct request (at most 20 a second, concurrently, as pages arrive), permission set names
//! from `DescribePermissionSet`, and final statuses cached on disk between runs.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use aws_sdk_cloudtrail::types::{LookupAttribute, LookupAttributeKey};
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use futures::stream::{FuturesUnordered, StreamExt};
use serde::{Deserialize, Serialize};
use tokio::sync::Mutex;

use super::retry::Caller;
use super::{AwsSource, fatal, to_chrono};
use crate::model::{AssignmentAttempt, AssignmentStatus};
use crate::source::{AssignmentProgress, AssignmentProgressFn, AssignmentQuery, SourceError};

/// CloudTrail's largest page for LookupEvents.
const PAGE_SIZE: i32 = 50;
/// CloudTrail allows 2 LookupEvents calls a second per account and region.
const LOOKUP_INTERVAL: Duration = Duration::from_millis(500);
/// Identity Center's shared limit is about 20 calls a second.
const DESCRIBE_INTERVAL: Duration = Duration::from_millis(50);
/// A lookup longer than this many pages is a broken paginator.
const MAX_PAGES: usize = 20_000;

/// Spaces calls at least `interval` apart, however many tasks ask.
#[derive(Debug)]
pub struct RateLimiter {
    interval: Duration,
    next: Mutex<tokio::time::Instant>,
}

impl RateLimiter {
    pub fn new(interval: Duration) -> RateLimiter {
        RateLimiter { interval, next: Mutex::new(tokio::time::Instant::now()) }
    }

    /// Waits for this caller's slot.
    pub async fn wait(&self) {
        let slot = {
            let mut next = self.next.lock().await;
            let now = tokio::time::Instant::now();
            let slot = (*next).max(now);
            *next = slot + self.interval;
            slot
        };
        tokio::time::sleep_until(slot).await;
    }
}

/// What the disk cache keeps for a request that reached a final status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct CachedStatus {
    status: AssignmentStatus,
    failure_reason: Option<String>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct StatusCache {
    format: u32,
    /// `instance_arn request_id` → final status.
    statuses: BTreeMap<String, CachedStatus>,
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

pub(super) async fn assignments(
    source: &AwsSource,
    query: &AssignmentQuery,
    progress: AssignmentProgressFn,
) -> Result<Vec<AssignmentAttempt>, SourceError> {
    let region =
        query.sso_region.clone().or_else(|| source.profile_sso_region.clone()).unwrap_or_else(|| source.region.clone());
    let clients = clients(source, &region);
    let mut cache = read_cache(query.cache_path.as_deref());
    let lookups = RateLimiter::new(LOOKUP_INTERVAL);
    let describes = Arc::new(RateLimiter::new(DESCRIBE_INTERVAL));
    let names: Arc<Mutex<HashMap<String, Option<String>>>> = Arc::default();
    let mut report = AssignmentProgress::default();
    let mut attempts: Vec<AssignmentAttempt> = Vec::new();
    let mut asked: HashSet<String> = HashSet::new();
    let mut pending = FuturesUnordered::new();
    let mut seen_tokens: HashSet<String> = HashSet::new();
    let mut token: Option<String> = None;
    let attribute = LookupAttribute::builder()
        .attribute_key(LookupAttributeKey::EventName)
        .attribute_value("CreateAccountAssignment")
        .build()
        .map_err(|err| SourceError::Service {
            action: "cloudtrail:LookupEvents",
            code: "InvalidRequest".into(),
            message: err.to_string(),
        })?;
    let start = aws_smithy_types::DateTime::from_secs(query.start.timestamp());
    let end = aws_smithy_types::DateTime::from_secs(query.end.timestamp());

    loop {
        // The same parameters with every page: a NextToken is only valid with them.
        let page = {
            let lookup = clients
                .cloudtrail
                .lookup_events()
                .lookup_attributes(attribute.clone())
                .start_time(start)
                .end_time(end)
                .max_results(PAGE_SIZE)
                .set_next_token(token.clone());
            let page_future = source.calls.call(|| {
                let lookup = lookup.clone();
                let lookups = &lookups;
                async move {
                    lookups.wait().await;
                    lookup.send().await
                }
            });
            // Describes already started keep running while the next page is awaited.
            let mut page_future = std::pin::pin!(page_future);
            loop {
                tokio::select! {
                    page = &mut page_future => break page,
                    Some(done) = pending.next(), if !pending.is_empty() => {
                        finish_describe(&mut attempts, &mut cache, done);
                        report.described += 1;
                        report.throttled = source.stats().throttled();
                        progress(report);
                    }
                }
            }
        };
        let page = page.map_err(|err| fatal("cloudtrail:LookupEvents", "", err))?;
        report.pages += 1;
        for event in page.events() {
            let raw = event.cloud_trail_event().unwrap_or_default();
            let time = event.event_time().and_then(to_chrono);
            let mut attempt = crate::source::event::parse(event.event_id().unwrap_or_default(), time, raw);
            report.events += 1;
            if attempt.status == AssignmentStatus::InProgress
                && let (Some(instance), Some(request)) = (attempt.instance_arn.clone(), attempt.request_id.clone())
            {
                let key = cache_key(&instance, &request);
                if let Some(cached) = cache.statuses.get(&key) {
                    attempt.status = cached.status;
                    attempt.failure_reason = cached.failure_reason.clone();
                } else if asked.insert(key) {
                    report.to_describe += 1;
                    pending.push(describe(
                        source.calls.clone(),
                        clients.sso.clone(),
                        Arc::clone(&describes),
                        instance,
                        request,
                    ));
                }
            }
            if let (Some(instance), Some(permission_set)) = (&attempt.instance_arn, &attempt.permission_set_arn) {
                let known = names.lock().await.contains_key(permission_set);
                if !known {
                    let name = permission_set_name(source, &clients.sso, &describes, instance, permission_set).await;
                    names.lock().await.insert(permission_set.clone(), name);
                }
            }
            attempts.push(attempt);
        }
        report.throttled = source.stats().throttled();
        progress(report);
        token = page.next_token().map(str::to_string).filter(|t| !t.is_empty());
        match &token {
            None => break,
            Some(t) if !seen_tokens.insert(t.clone()) || seen_tokens.len() > MAX_PAGES => {
                return Err(SourceError::Service {
                    action: "cloudtrail:LookupEvents",
                    code: "InvalidPagination".into(),
                    message: "CloudTrail returned a NextToken seen before; stopped paging to avoid an endless loop"
                        .into(),
                });
            }
            Some(_) => {}
        }
    }
    while let Some(done) = pending.next().await {
        finish_describe(&mut attempts, &mut cache, done);
        report.described += 1;
        report.throttled = source.stats().throttled();
        progress(report);
    }
    // Requests described in this run with a final status become cache entries; those still
    // IN_PROGRESS are asked about again next time.
    cache.format = 1;
    write_cache(query.cache_path.as_deref(), &cache);

    name_principals(source, &clients.sso, &region, &describes, &mut attempts).await;
    let names = names.lock().await;
    for attempt in &mut attempts {
        if let Some(permission_set) = &attempt.permission_set_arn {
            attempt.permission_set_name = names.get(permission_set).cloned().flatten();
        }
        let management = query.management_account_id.is_some() && attempt.account_id == query.management_account_id;
        attempt.hint = match attempt.status {
            AssignmentStatus::Failed => attempt
                .failure_reason
                .as_deref()
                .and_then(|reason| crate::remedy::assignment::hint(reason, None, management)),
            AssignmentStatus::ApiError => crate::remedy::assignment::hint(
                attempt.failure_reason.as_deref().unwrap_or_default(),
                attempt.error_code.as_deref(),
                management,
            ),
            _ => None,
        };
    }
    attempts.sort_by(|a, b| b.event_time.cmp(&a.event_time).then_with(|| a.event_id.cmp(&b.event_id)));
    tracing::info!(
        events = report.events,
        described = report.described,
        pages = report.pages,
        calls = source.stats().calls(),
        "assignments read"
    );
    Ok(attempts)
}

impl AwsSource {
    /// The outcome of one `CreateAccountAssignment` request in Identity Center's `region`:
    /// status, failure reason, and the error code when it could not be read.
    pub async fn assignment_status(
        &self,
        region: &str,
        instance_arn: &str,
        request_id: &str,
    ) -> (AssignmentStatus, Option<String>, Option<String>) {
        let sso = clients(self, region).sso;
        let limiter = Arc::new(RateLimiter::new(DESCRIBE_INTERVAL));
        let (_, _, status, reason, code) =
            describe(self.calls.clone(), sso, limiter, instance_arn.to_string(), request_id.to_string()).await;
        (status, reason, code)
    }
}

/// The outcome of one request: `(instance, request, status, reason, error code)`.
type Described = (String, String, AssignmentStatus, Option<String>, Option<String>);

fn describe(
    calls: Caller,
    sso: aws_sdk_ssoadmin::Client,
    limiter: Arc<RateLimiter>,
    instance: String,
    request: String,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = Described> + Send>> {
    Box::pin(async move {
        let result = calls
            .call(|| {
                let call = sso
                    .describe_account_assignment_creation_status()
                    .instance_arn(&instance)
                    .account_assignment_creation_request_id(&request);
                let limiter = Arc::clone(&limiter);
                async move {
                    limiter.wait().await;
                    call.send().await
                }
            })
            .await;
        match result {
            Ok(output) => {
                let status = output.account_assignment_creation_status();
                let (status, reason) = match status.and_then(|s| s.status()).map(|s| s.as_str()) {
                    Some("SUCCEEDED") => (AssignmentStatus::Succeeded, None),
                    Some("FAILED") => {
                        (AssignmentStatus::Failed, status.and_then(|s| s.failure_reason()).map(str::to_string))
                    }
                    Some("IN_PROGRESS") => (AssignmentStatus::InProgress, None),
                    other => (
                        AssignmentStatus::Unknown,
                        Some(format!("Identity Center answered an unknown status {other:?}")),
                    ),
                };
                (instance, request, status, reason, None)
            }
            Err(err) => {
                let code = err.code().map(str::to_string).unwrap_or_else(|| "NetworkError".to_string());
                let message =
                    err.message().map(str::to_string).unwrap_or_else(|| DisplayErrorContext(&err).to_string());
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
        if attempt.instance_arn.as_deref() == Some(instance.as_str())
            && attempt.request_id.as_deref() == Some(request.as_str())
        {
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
    limiter: &RateLimiter,
    attempts: &mut [AssignmentAttempt],
) {
    let wanted: HashSet<(String, String)> =
        attempts.iter().filter_map(|a| Some((a.principal_type.clone()?, a.principal_id.clone()?))).collect();
    if wanted.is_empty() {
        return;
    }
    let instances = source
        .calls
        .call(|| {
            let call = sso.list_instances();
            async move {
                limiter.wait().await;
                call.send().await
            }
        })
        .await;
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
    let mut names: HashMap<(String, String), String> = HashMap::new();
    for (kind, id) in wanted {
        let name = if kind == "GROUP" {
            let result = source
                .calls
                .call(|| {
                    let call = identity.describe_group().identity_store_id(&store).group_id(&id);
                    async move {
                        limiter.wait().await;
                        call.send().await
                    }
                })
                .await;
            match result {
                Ok(group) => group.display_name().map(str::to_string),
                Err(err) if err.code().is_some_and(|c| c.contains("AccessDenied")) => break,
                Err(_) => None,
            }
        } else {
            let result = source
                .calls
                .call(|| {
                    let call = identity.describe_user().identity_store_id(&store).user_id(&id);
                    async move {
                        limiter.wait().await;
                        call.send().await
                    }
                })
                .await;
            match result {
                Ok(user) => user.user_name().map(str::to_string).or_else(|| user.display_name().map(str::to_string)),
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

fn apply_names(attempts: &mut [AssignmentAttempt], names: &HashMap<(String, String), String>) {
    for attempt in attempts {
        if let (Some(kind), Some(id)) = (&attempt.principal_type, &attempt.principal_id) {
            attempt.principal_name = names.get(&(kind.clone(), id.clone())).cloned();
        }
    }
}

async fn permission_set_name(
    source: &AwsSource,
    sso: &aws_sdk_ssoadmin::Client,
    limiter: &RateLimiter,
    instance: &str,
    permission_set: &str,
) -> Option<String> {
    let result = source
        .calls
        .call(|| {
            let call = sso.describe_permission_set().instance_arn(instance).permission_set_arn(permission_set);
            async move {
                limiter.wait().await;
                call.send().await
            }
        })
        .await;
    match result {
        Ok(output) => output.permission_set().and_then(|p| p.name()).map(str::to_string),
        Err(err) => {
            tracing::debug!(%permission_set, code = err.code().unwrap_or("none"), "DescribePermissionSet failed");
            None
        }
    }
}
