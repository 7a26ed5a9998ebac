//! Why did that Identity Center request fail — an account assignment created or deleted, a
//! permission set provisioned. Two records are merged into one row per request:
//! - CloudTrail ([`cloudtrail`]): the `CreateAccountAssignment`, `DeleteAccountAssignment` and
//!   `ProvisionPermissionSet` events, with the actor, the time and the calls refused outright;
//! - Identity Center's status APIs ([`status`]): the FAILED and IN_PROGRESS requests, which answer
//!   without CloudTrail (delegated administrators often cannot read it).
//!
//! Every request still IN_PROGRESS is described (at most 20 a second, concurrently, as pages
//! arrive); permission sets and principals are named ([`names`]). Final statuses, the events read
//! and the rows only the status APIs know are cached on disk between runs ([`cache`]): a later run
//! asks CloudTrail only for what came after the last run, less [`cache::LATE_DELIVERY`].
//! When one record cannot be read the other's rows still come, with a note saying what is missing.

mod cache;
mod cloudtrail;
mod names;
mod retry;
mod status;

use std::collections::{HashMap, HashSet};

use futures::stream::{FuturesUnordered, StreamExt};

use super::AwsSource;
use crate::model::{AssignmentAttempt, AssignmentStatus, Operation, RawText, Text};
use crate::source::{AssignmentProgress, AssignmentProgressFn, AssignmentQuery, AssignmentsRead, SourceError};
use cache::{CachedStatus, StatusCache, cache_key};
pub(super) use names::permission_set_name;
use status::Described;
pub(super) use status::instances;

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

impl AwsSource {
    /// Identity Center's region: the flag, else the profile's `sso_region`, else the run's region.
    pub(super) fn sso_region_for(&self, asked: Option<&str>) -> String {
        asked.map(str::to_string).or_else(|| self.profile_sso_region.clone()).unwrap_or_else(|| self.region.clone())
    }
}

/// What finished in the background: a request described, or a permission set named.
enum Finished {
    Status(Box<Described>),
    Name(Text, Option<Text>),
}

type Pending = std::pin::Pin<Box<dyn std::future::Future<Output = Finished> + Send>>;

/// One run's state: the rows so far and the describes and name lookups in flight.
struct Run<'a> {
    source: &'a AwsSource,
    sso: aws_sdk_ssoadmin::Client,
    cache: StatusCache,
    attempts: Vec<AssignmentAttempt>,
    /// Cache keys of the requests among `attempts`.
    known: HashSet<String>,
    /// Cache keys already being described.
    asked: HashSet<String>,
    pending: FuturesUnordered<Pending>,
    names: HashMap<Text, Option<Text>>,
    report: AssignmentProgress,
    progress: AssignmentProgressFn,
}

impl Run<'_> {
    /// Takes one row: its final status from the cache, else a describe started for its request
    /// (once per request), and a lookup of its permission set's name.
    fn admit(&mut self, mut attempt: AssignmentAttempt) {
        self.report.events += 1;
        if let (Some(instance), Some(request)) = (attempt.instance_arn.clone(), attempt.request_id.clone()) {
            let key = cache_key(instance.raw(), request.raw());
            self.known.insert(key.clone());
            if attempt.status == AssignmentStatus::InProgress {
                if let Some(cached) = self.cache.statuses.get(&key) {
                    attempt.status = cached.status;
                    attempt.failure_reason = cached.failure_reason.clone();
                } else {
                    self.describe(attempt.operation, instance.into_raw(), request.into_raw(), key);
                }
            }
        }
        self.name(&attempt);
        self.attempts.push(attempt);
    }

    /// Takes a request a status listing named, unless CloudTrail already brought it: the row the
    /// cache kept from an earlier describe, else a describe of it.
    fn admit_listed(&mut self, listed: status::Listed) {
        let key = cache_key(&listed.instance, &listed.request_id);
        if self.known.contains(&key) {
            return;
        }
        if let Some(row) = self.cache.described.get(&key).cloned() {
            self.known.insert(key);
            self.report.events += 1;
            self.name(&row);
            self.attempts.push(row);
            return;
        }
        let mut row = AssignmentAttempt::empty(listed.operation);
        row.instance_arn = Some(listed.instance.as_str().into());
        row.request_id = Some(listed.request_id.as_str().into());
        row.event_time = listed.created;
        row.status = AssignmentStatus::InProgress;
        self.admit(row);
    }

    fn describe(&mut self, operation: Operation, instance: String, request: String, key: String) {
        if !self.asked.insert(key) {
            return;
        }
        self.report.to_describe += 1;
        let (calls, sso) = (self.source.calls.clone(), self.sso.clone());
        self.pending.push(Box::pin(async move {
            Finished::Status(Box::new(status::describe(calls, sso, operation, instance, request).await))
        }));
    }

    /// Starts the lookup of `attempt`'s permission set name, once per permission set.
    fn name(&mut self, attempt: &AssignmentAttempt) {
        let (Some(instance), Some(permission_set)) = (&attempt.instance_arn, &attempt.permission_set_arn) else {
            return;
        };
        if self.names.contains_key(permission_set) {
            return;
        }
        self.names.insert(permission_set.clone(), None);
        let (source_calls, sso) = (self.source.calls.clone(), self.sso.clone());
        let (instance, permission_set) = (instance.clone(), permission_set.clone());
        self.pending.push(Box::pin(async move {
            let name = names::permission_set_name(&source_calls, &sso, instance.raw(), permission_set.raw()).await;
            Finished::Name(permission_set, name)
        }));
    }

    fn finished(&mut self, done: Finished) {
        match done {
            Finished::Name(permission_set, name) => {
                self.names.insert(permission_set, name);
            }
            Finished::Status(described) => {
                let filled = finish_describe(&mut self.attempts, &mut self.cache, *described);
                if let Some(row) = filled {
                    self.name(&row);
                }
                self.report.described += 1;
                self.tell();
            }
        }
    }

    fn tell(&mut self) {
        self.report.throttled = self.source.stats().throttled();
        (self.progress)(self.report);
    }

    /// Waits for everything in flight.
    async fn drain(&mut self) {
        while let Some(done) = self.pending.next().await {
            self.finished(done);
        }
    }
}

pub(super) async fn assignments(
    source: &AwsSource,
    query: &AssignmentQuery,
    progress: AssignmentProgressFn,
) -> Result<AssignmentsRead, SourceError> {
    let region = source.sso_region_for(query.sso_region.as_deref());
    let clients = clients(source, &region);
    let cache = cache::read_cache(query.cache_path.as_deref());
    // Events are cached per account: another profile's CloudTrail is another history.
    let account = match query.cache_path {
        Some(_) => source.caller_account().await,
        None => None,
    };
    let mut run = Run {
        source,
        sso: clients.sso.clone(),
        cache,
        attempts: Vec::new(),
        known: HashSet::new(),
        asked: HashSet::new(),
        pending: FuturesUnordered::new(),
        names: HashMap::new(),
        report: AssignmentProgress::default(),
        progress,
    };
    let operations = query.operations();
    let ((stores, listed), read) = read_both(&mut run, &clients, query, account.as_deref(), &operations).await;
    let mut unavailable = Vec::new();
    match listed {
        Ok(listed) => {
            for request in listed {
                run.admit_listed(request);
            }
        }
        Err(err) => {
            if let Err(cloudtrail) = read {
                return Err(cloudtrail);
            }
            tracing::warn!(error = %err, "Identity Center's status APIs could not be read");
            unavailable.push(Text::from(format!(
                "Identity Center's status APIs could not be read ({}): only CloudTrail's requests are listed",
                brief(&err)
            )));
        }
    }
    if let Err(err) = read {
        tracing::warn!(error = %err, "CloudTrail could not be read");
        unavailable.push(Text::from(format!(
            "CloudTrail could not be read ({}): the requests come from Identity Center's status APIs alone \
             (FAILED and IN_PROGRESS, without who made them or the calls refused outright)",
            brief(&err)
        )));
    }
    run.tell();
    run.drain().await;

    let Run { mut cache, mut attempts, names, report, .. } = run;
    // Rows only the status APIs know are kept with the parameters their describe gave, once final.
    for attempt in attempts.iter().filter(|a| a.event_id.is_none() && is_final(a.status)) {
        if let (Some(instance), Some(request)) = (&attempt.instance_arn, &attempt.request_id) {
            cache.described.insert(cache_key(instance.raw(), request.raw()), attempt.clone());
        }
    }
    cache.format = 3;
    cache::write_cache(query.cache_path.as_deref(), &cache);

    names::name_principals(source, &stores, &region, &mut attempts).await;
    for attempt in &mut attempts {
        if let Some(permission_set) = &attempt.permission_set_arn {
            attempt.permission_set_name = names.get(permission_set).cloned().flatten();
        }
    }
    attempts.sort_by(|a, b| b.event_time.cmp(&a.event_time).then_with(|| a.key().cmp(&b.key())));
    tracing::info!(
        rows = attempts.len(),
        described = report.described,
        pages = report.pages,
        calls = source.stats().calls(),
        "assignments read"
    );
    Ok(AssignmentsRead { attempts, unavailable })
}

/// A failure as a clause inside a sentence: the call, AWS's code and words.
fn brief(err: &SourceError) -> String {
    match err {
        SourceError::AccessDenied { action, message, .. } => format!("AccessDenied on {action}: {message}"),
        SourceError::Service { action, code, message } => format!("{code} on {action}: {message}"),
        other => other.to_string(),
    }
}

/// The instances (with their identity stores, for the principals' names: kept when only the
/// status listings fail) and their FAILED / IN_PROGRESS requests from the status APIs.
type Listing = (Vec<(String, String)>, Result<Vec<status::Listed>, SourceError>);

/// Reads CloudTrail's events into `run` and, beside them, the status listings (each record has
/// its own budget); the listed requests are admitted by the caller once CloudTrail's rows are in,
/// so a request seen by both is one row.
async fn read_both(
    run: &mut Run<'_>,
    clients: &Clients,
    query: &AssignmentQuery,
    account: Option<&str>,
    operations: &[Operation],
) -> (Listing, Result<(), SourceError>) {
    let source = run.source;
    // The status listings run beside CloudTrail (each has its own budget); their requests are
    // admitted once CloudTrail's rows are in, so a request seen by both is one row.
    let listing = async {
        match status::instances(source, &clients.sso).await {
            Ok(instances) => {
                let arns: Vec<String> = instances.iter().map(|(arn, _)| arn.clone()).collect();
                let listed = status::list(source, &clients.sso, &arns, operations, (query.start, query.end)).await;
                (instances, listed)
            }
            Err(err) => (Vec::new(), Err(err)),
        }
    };
    // Describes in flight hold call slots the listing may wait for, so whoever waits keeps
    // them moving: CloudTrail's reading while it runs, then the loop below.
    let mut listing = std::pin::pin!(listing);
    let mut listed = None;
    let read = {
        let reading = read_events(run, &clients.cloudtrail, query, account, operations);
        let mut reading = std::pin::pin!(reading);
        loop {
            tokio::select! {
                read = &mut reading => break read,
                done = &mut listing, if listed.is_none() => listed = Some(done),
            }
        }
    };
    let listed = match listed {
        Some(listed) => listed,
        None => loop {
            tokio::select! {
                done = &mut listing => break done,
                Some(done) = run.pending.next(), if !run.pending.is_empty() => run.finished(done),
            }
        },
    };
    (listed, read)
}

fn is_final(status: AssignmentStatus) -> bool {
    matches!(status, AssignmentStatus::Succeeded | AssignmentStatus::Failed)
}

/// CloudTrail's events of every operation asked for: from the cache where it covers the window,
/// the rest from LookupEvents. The first refusal stops the reading (the cached rows stay).
async fn read_events(
    run: &mut Run<'_>,
    cloudtrail: &aws_sdk_cloudtrail::Client,
    query: &AssignmentQuery,
    account: Option<&str>,
    operations: &[Operation],
) -> Result<(), SourceError> {
    let (start, end) = (query.start.timestamp(), query.end.timestamp());
    for &operation in operations {
        let key = account.map(|a| cache::events_key(a, operation));
        let cached_events = key.as_ref().and_then(|k| run.cache.events.get(k)).cloned().unwrap_or_default();
        let (resume, cached) = cached_events.plan(start, end);
        if !cached.is_empty() {
            tracing::info!(events = cached.len(), resume, operation = operation.code(), "events from the cache");
        }
        for attempt in cached {
            run.admit(attempt);
        }
        run.tell();
        // The events CloudTrail answered in this run, as parsed, for the cache.
        let read = match resume {
            Some(resume) => cloudtrail::read(run, cloudtrail, operation, resume, end).await?,
            None => Vec::new(),
        };
        if let Some(key) = key {
            run.cache.events.insert(key, cached_events.extend(start, resume, end, &read));
        }
    }
    Ok(())
}

/// Puts a describe's answer on every row of its request; returns the row when the describe filled
/// in parameters it lacked (a request only the status APIs named), so its names can be looked up.
fn finish_describe(
    attempts: &mut [AssignmentAttempt],
    cache: &mut StatusCache,
    done: Described,
) -> Option<AssignmentAttempt> {
    let Described { instance, request, status, reason, code, row } = done;
    if is_final(status) {
        cache.statuses.insert(cache_key(&instance, &request), CachedStatus { status, failure_reason: reason.clone() });
    }
    let mut filled = None;
    for attempt in attempts.iter_mut() {
        if attempt.instance_arn.raw() == Some(instance.as_str()) && attempt.request_id.raw() == Some(request.as_str()) {
            attempt.status = status;
            attempt.failure_reason = reason.clone();
            attempt.error_code = code.clone();
            if let Some(row) = &row
                && attempt.account_id.is_none()
                && attempt.permission_set_arn.is_none()
            {
                attempt.account_id = row.account_id.clone();
                attempt.target_type = row.target_type.clone();
                attempt.permission_set_arn = row.permission_set_arn.clone();
                attempt.principal_type = row.principal_type.clone();
                attempt.principal_id = row.principal_id.clone();
                attempt.event_time = attempt.event_time.or(row.event_time);
                filled = Some(attempt.clone());
            }
        }
    }
    filled
}
