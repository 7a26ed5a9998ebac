//! What the assignments read keeps between runs (one file per Identity Center region, mode
//! 0600): the final status of every request described, the rows that only the status APIs know
//! (with the parameters their describe gave), and the CloudTrail events read, per caller account
//! and operation.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::model::{AssignmentAttempt, AssignmentStatus, Operation, Text};

/// CloudTrail usually delivers an event within 15 minutes; the cache trusts nothing newer.
pub(super) const LATE_DELIVERY: i64 = 15 * 60;
/// LookupEvents reaches back 90 days; cached events older than that are dropped.
const HISTORY: i64 = 90 * 86_400;

/// What the disk cache keeps for a request that reached a final status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct CachedStatus {
    pub(super) status: AssignmentStatus,
    pub(super) failure_reason: Option<Text>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
pub(super) struct StatusCache {
    pub(super) format: u32,
    /// `instance_arn request_id` → final status.
    pub(super) statuses: BTreeMap<String, CachedStatus>,
    /// The events read, by [`events_key`]: the account whose CloudTrail they came from and the
    /// event name.
    #[serde(default)]
    pub(super) events: BTreeMap<String, EventCache>,
    /// `instance_arn request_id` → a row only the status APIs listed, as its describe filled it,
    /// once final.
    #[serde(default)]
    pub(super) described: BTreeMap<String, AssignmentAttempt>,
}

/// The event cache's key: the account alone for `CreateAccountAssignment` (what format 2 kept),
/// `account/delete` and `account/provision` for the others.
pub(super) fn events_key(account: &str, operation: Operation) -> String {
    match operation {
        Operation::Create => account.to_string(),
        other => format!("{account}/{}", other.code()),
    }
}

/// Every `CreateAccountAssignment` event between `from` and `until` (epoch seconds), as parsed.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(super) struct EventCache {
    pub(super) from: i64,
    pub(super) until: i64,
    pub(super) attempts: Vec<AssignmentAttempt>,
}

impl EventCache {
    /// Whether the cache holds every event from `start` on (up to its `until`).
    fn reaches_back_to(&self, start: i64) -> bool {
        self.from <= start && start <= self.until
    }

    /// For the window `[start, end]`: where CloudTrail must be read from (`None` when the cache
    /// holds the whole window), and the cached attempts before that. The whole window is read
    /// when the cache does not reach back to `start`; the last [`LATE_DELIVERY`] it covers always.
    pub(super) fn plan(&self, start: i64, end: i64) -> (Option<i64>, Vec<AssignmentAttempt>) {
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
    pub(super) fn extend(
        mut self,
        start: i64,
        resume: Option<i64>,
        end: i64,
        read: &[AssignmentAttempt],
    ) -> EventCache {
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

pub(super) fn cache_key(instance: &str, request: &str) -> String {
    format!("{instance} {request}")
}

pub(super) fn read_cache(path: Option<&Path>) -> StatusCache {
    let Some(path) = path else { return StatusCache::default() };
    match std::fs::read_to_string(path) {
        Ok(text) => serde_json::from_str(&text).unwrap_or_else(|err| {
            tracing::warn!(path = %path.display(), %err, "the assignment status cache is unreadable; starting afresh");
            StatusCache::default()
        }),
        Err(_) => StatusCache::default(),
    }
}

pub(super) fn write_cache(path: Option<&Path>, cache: &StatusCache) {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> AssignmentAttempt {
        let time = chrono::DateTime::from_timestamp(seconds, 0);
        crate::source::event::parse(&format!("ev-{seconds}"), time, "{}", Operation::Create)
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
