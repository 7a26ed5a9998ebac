//! Every AWS call goes through [`Caller::call`]: paced per API by an adaptive [`Pacer`] that finds
//! the rate the service allows, at most `--concurrency` in flight, throttled calls retried (it slows
//! a run, never fails it; a call throttled again and again also backs off with full jitter),
//! transient faults retried a few times, and counts kept for the status bar and the benchmarks.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use rand::RngExt;
use tokio::sync::Semaphore;

use super::pace::{Api, Pacer, Pacers};

/// Error codes AWS services use for "slow down".
const THROTTLING_CODES: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "RequestThrottled",
    "SlowDown",
    "PriorRequestNotComplete",
];

/// Service-side faults worth another try.
const TRANSIENT_CODES: &[&str] =
    &["InternalFailure", "InternalError", "ServiceException", "ServiceUnavailable", "ServiceUnavailableException"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    Throttled,
    Transient,
    Fatal,
}

/// Decides whether an SDK error is worth another try.
pub fn classify<E: ProvideErrorMetadata>(err: &SdkError<E, HttpResponse>) -> Failure {
    match err {
        SdkError::ServiceError(ctx) => {
            let code = ctx.err().code().unwrap_or_default();
            let status = ctx.raw().status().as_u16();
            if THROTTLING_CODES.contains(&code) || status == 429 {
                Failure::Throttled
            } else if TRANSIENT_CODES.contains(&code) || status >= 500 {
                Failure::Transient
            } else {
                Failure::Fatal
            }
        }
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => Failure::Transient,
        _ => Failure::Fatal,
    }
}

#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// First backoff step; doubles on every further failure up to `cap`.
    pub base: Duration,
    pub cap: Duration,
    /// Throttled attempts allowed on one call before it gives up (as `throttled`).
    pub max_throttled: u32,
    /// Transient failures (5xx, timeouts, broken connections) allowed on one call.
    pub max_transient: u32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            base: Duration::from_millis(100),
            cap: Duration::from_secs(10),
            max_throttled: 60,
            max_transient: 4,
        }
    }
}

impl RetryPolicy {
    /// Full jitter: a uniform pick in `[0, min(cap, base * 2^attempt)]`.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let ceiling = self.base.saturating_mul(1u32 << attempt.min(16)).min(self.cap);
        let millis = ceiling.as_millis() as u64;
        Duration::from_millis(rand::rng().random_range(0..=millis))
    }
}

/// Counters shared by every call of a run.
#[derive(Debug, Default)]
pub struct CallStats {
    pub calls: AtomicU64,
    pub throttled: AtomicU64,
}

impl CallStats {
    pub fn calls(&self) -> u64 {
        self.calls.load(Ordering::Relaxed)
    }

    pub fn throttled(&self) -> u64 {
        self.throttled.load(Ordering::Relaxed)
    }
}

/// A call throttled this many times retries as soon as its pacer allows; after that it also backs
/// off, in case the pacer has not caught up yet.
const PACED_RETRIES: u32 = 2;

/// Runs AWS calls under the pacers, a concurrency bound and the retry policy.
#[derive(Debug, Clone)]
pub struct Caller {
    permits: Arc<Semaphore>,
    concurrency: usize,
    pacers: Arc<Pacers>,
    policy: RetryPolicy,
    stats: Arc<CallStats>,
}

impl Caller {
    pub fn new(concurrency: usize, policy: RetryPolicy) -> Caller {
        Caller {
            permits: Arc::new(Semaphore::new(concurrency.max(1))),
            concurrency: concurrency.max(1),
            pacers: Arc::default(),
            policy,
            stats: Arc::default(),
        }
    }

    /// The most calls in flight at once.
    pub fn concurrency(&self) -> usize {
        self.concurrency
    }

    pub fn stats(&self) -> &Arc<CallStats> {
        &self.stats
    }

    /// Sends the request `op` builds to `api`, again while the failure is retryable. A permit is
    /// held only while a request is in flight, never while waiting for a slot or sleeping.
    pub async fn call<T, E, F, Fut>(&self, api: Api, op: F) -> Result<T, SdkError<E, HttpResponse>>
    where
        E: ProvideErrorMetadata,
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, SdkError<E, HttpResponse>>>,
    {
        self.paced(self.pacers.of(api), op).await
    }

    /// Like [`Caller::call`], for IAM inside member account `account`, paced by that account's
    /// own pacer (IAM's budget is per account).
    pub async fn call_in<T, E, F, Fut>(&self, account: &str, op: F) -> Result<T, SdkError<E, HttpResponse>>
    where
        E: ProvideErrorMetadata,
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, SdkError<E, HttpResponse>>>,
    {
        let pacer = self.pacers.iam_in(account);
        self.paced(&pacer, op).await
    }

    async fn paced<T, E, F, Fut>(&self, pacer: &Pacer, mut op: F) -> Result<T, SdkError<E, HttpResponse>>
    where
        E: ProvideErrorMetadata,
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, SdkError<E, HttpResponse>>>,
    {
        let (mut throttled, mut transient) = (0u32, 0u32);
        loop {
            pacer.wait().await;
            let result = {
                // The semaphore is never closed, so acquiring cannot fail; fall back to no permit.
                let _permit = self.permits.acquire().await.ok();
                self.stats.calls.fetch_add(1, Ordering::Relaxed);
                op().await
            };
            let err = match result {
                Ok(value) => {
                    pacer.record(false);
                    return Ok(value);
                }
                Err(err) => err,
            };
            let failure = classify(&err);
            if failure == Failure::Throttled {
                // A call throttled again and again backs off on its own; past its paced retries
                // it tells the pacer nothing new, and one stubborn call must not slow all others.
                if throttled <= PACED_RETRIES {
                    pacer.record(true);
                }
                self.stats.throttled.fetch_add(1, Ordering::Relaxed);
            }
            let backoff = match failure {
                Failure::Throttled if throttled < self.policy.max_throttled => {
                    throttled += 1;
                    throttled.checked_sub(PACED_RETRIES + 1).map(|attempt| self.policy.backoff(attempt))
                }
                Failure::Transient if transient < self.policy.max_transient => {
                    transient += 1;
                    Some(self.policy.backoff(transient - 1))
                }
                _ => return Err(err),
            };
            tracing::debug!(throttled, transient, code = err.code().unwrap_or("none"), "retrying AWS call");
            if let Some(backoff) = backoff {
                tokio::time::sleep(backoff).await;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_stays_under_the_growing_ceiling_and_the_cap() {
        let policy =
            RetryPolicy { base: Duration::from_millis(100), cap: Duration::from_secs(2), ..RetryPolicy::default() };
        for attempt in 0..40 {
            let ceiling = Duration::from_millis(100).saturating_mul(1 << attempt.min(16)).min(Duration::from_secs(2));
            assert!(policy.backoff(attempt) <= ceiling, "attempt {attempt}");
        }
    }
}
