//! Adaptive pacing, one pacer per AWS API: the client finds the rate each service allows instead of
//! guessing a fixed number, the way AWS's own token buckets want to be used.
//!
//! An API starts unpaced (only `--concurrency` bounds it) unless AWS documents its quota, in which
//! case it starts at that quota and never goes above it. On the first throttle the pacer starts
//! spacing calls at the rate that succeeded so far, and lets the calls already in flight answer
//! (one window it does not judge). After that it looks back over short windows:
//! when more than a tenth of the calls were throttled, the rate becomes what succeeded in the window
//! plus a little headroom (a throttled call costs AWS no token, so while the offer exceeds the limit
//! the successes measure the limit itself); when almost none were and calls were queueing, it speeds
//! up (doubling until the first cut, then by a tenth). The result is a run that goes as fast as the
//! service allows with a few percent of attempts throttled, rather than a storm of retries.

use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// The AWS APIs orgscope calls; each has its own limits and so its own pacer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Api {
    Organizations,
    Sts,
    CloudTrail,
    SsoAdmin,
    IdentityStore,
    /// The access portal and its OIDC sign-in, through your own Identity Center sign-in.
    Portal,
    /// IAM inside member accounts, through a foothold (`GetRole`, and `fix`'s writes).
    Iam,
    /// CloudFormation StackSets (`fix --stackset`).
    CloudFormation,
}

/// One pacer per API; [`Pacers::of`] matches every variant, so a new API cannot be left without one.
#[derive(Debug)]
pub struct Pacers {
    organizations: Pacer,
    sts: Pacer,
    cloudtrail: Pacer,
    identity_center: Pacer,
    portal: Pacer,
    iam: Pacer,
    cloudformation: Pacer,
    /// IAM's budget is each account's own: one pacer per member account read.
    iam_accounts: Mutex<std::collections::HashMap<String, std::sync::Arc<Pacer>>>,
}

impl Default for Pacers {
    fn default() -> Pacers {
        Pacers {
            organizations: Pacer::new(Api::Organizations),
            sts: Pacer::new(Api::Sts),
            cloudtrail: Pacer::new(Api::CloudTrail),
            identity_center: Pacer::new(Api::SsoAdmin),
            portal: Pacer::new(Api::Portal),
            iam: Pacer::new(Api::Iam),
            cloudformation: Pacer::new(Api::CloudFormation),
            iam_accounts: Mutex::default(),
        }
    }
}

impl Pacers {
    /// The pacer of IAM in `account`.
    pub fn iam_in(&self, account: &str) -> std::sync::Arc<Pacer> {
        let mut accounts = self.iam_accounts.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        accounts.entry(account.to_string()).or_insert_with(|| std::sync::Arc::new(Pacer::new(Api::Iam))).clone()
    }

    pub fn of(&self, api: Api) -> &Pacer {
        match api {
            Api::Organizations => &self.organizations,
            Api::Sts => &self.sts,
            Api::CloudTrail => &self.cloudtrail,
            // Identity Center's calls, sso-admin's and the Identity Store's, share one budget.
            Api::SsoAdmin | Api::IdentityStore => &self.identity_center,
            Api::Portal => &self.portal,
            Api::Iam => &self.iam,
            Api::CloudFormation => &self.cloudformation,
        }
    }
}

impl Api {
    /// The calls per second AWS documents for what orgscope calls on this API, where it publishes
    /// one: CloudTrail's LookupEvents allows 2 a second per account and region, Identity Center
    /// about 20.
    fn quota(self) -> Option<f64> {
        match self {
            Api::CloudTrail => Some(2.0),
            Api::SsoAdmin | Api::IdentityStore => Some(20.0),
            Api::Organizations | Api::Sts | Api::Portal | Api::Iam | Api::CloudFormation => None,
        }
    }
}

/// A window closes after this long and at least [`WINDOW_EVENTS`] answers, or after [`MAX_WINDOW`].
const WINDOW: Duration = Duration::from_millis(250);
const WINDOW_EVENTS: u32 = 20;
/// The first throttle trusts the successes before it as a rate only from this many on.
const FIRST_SUCCESSES: u64 = 8;
const MAX_WINDOW: Duration = Duration::from_secs(2);
/// The slowest pace: one call every five seconds.
const MIN_RATE: f64 = 0.2;
/// Above this share of throttled answers in a window the rate is cut.
const TOO_MANY_THROTTLED: f64 = 0.10;
/// At or below this share (and with calls queueing) the rate grows.
const FEW_THROTTLED: f64 = 0.02;
/// After a cut the rate is the measured success rate times this.
const HEADROOM: f64 = 1.05;
/// Growth per quiet window after the first cut.
const GROWTH: f64 = 1.10;

/// Paces the calls of one API.
#[derive(Debug)]
pub struct Pacer {
    /// Waiters take turns in arrival order; only the one holding the turn sleeps for a slot.
    turn: tokio::sync::Mutex<()>,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    /// Calls per second; `None` while unpaced.
    rate: Option<f64>,
    ceiling: Option<f64>,
    /// The earliest time the next call may go.
    next: Instant,
    /// The first call, and the calls sent and succeeded before pacing started.
    started: Option<Instant>,
    sent_unpaced: u64,
    ok_unpaced: u64,
    /// The throttled share of the window that last cut the rate to what succeeded, until a window
    /// is calm again. A further cut needs a clearly different share: a cut after which about as
    /// many calls are throttled means the throttling does not follow this client's rate, and
    /// cutting on would only spiral the pace down.
    last_cut: Option<f64>,
    /// No window has been cut yet: grow fast.
    slow_start: bool,
    /// The window since pacing started: its answers are mostly those of the calls that were
    /// already in flight, sent unpaced, so their throttles say nothing of the pace.
    first_window: bool,
    window: Window,
}

#[derive(Debug, Clone, Copy)]
struct Window {
    start: Instant,
    ok: u32,
    throttled: u32,
    /// A call had to wait for its slot: the rate, not the demand, was the limit.
    saturated: bool,
}

impl Window {
    fn new(start: Instant) -> Window {
        Window { start, ok: 0, throttled: 0, saturated: false }
    }
}

impl Pacer {
    pub fn new(api: Api) -> Pacer {
        Pacer::with_quota(api.quota())
    }

    /// A pacer starting at, and never going above, `quota` calls a second (unpaced when `None`).
    pub fn with_quota(quota: Option<f64>) -> Pacer {
        let now = Instant::now();
        Pacer {
            turn: tokio::sync::Mutex::new(()),
            state: Mutex::new(State {
                rate: quota,
                ceiling: quota,
                next: now,
                started: None,
                sent_unpaced: 0,
                ok_unpaced: 0,
                last_cut: None,
                slow_start: true,
                first_window: false,
                window: Window::new(now),
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Calls per second now, `None` while unpaced.
    #[cfg(test)]
    fn rate(&self) -> Option<f64> {
        self.lock().rate
    }

    /// Waits until this call may go.
    pub async fn wait(&self) {
        {
            let mut state = self.lock();
            if state.rate.is_none() {
                state.started.get_or_insert_with(Instant::now);
                state.sent_unpaced += 1;
                return;
            }
        }
        let _turn = self.turn.lock().await;
        loop {
            let slot = {
                let mut state = self.lock();
                let Some(rate) = state.rate else { return };
                let interval = Duration::from_secs_f64(1.0 / rate);
                let now = Instant::now();
                if state.next <= now {
                    // Keep the cadence when a call came (or woke) late, but never bank slots
                    // while idle: one call may follow another closely, yet any three are at
                    // least one slot apart, the rate holds, and a dependent call that arrives
                    // just after its slot is not sent a whole slot later.
                    let base = if now - state.next < interval { state.next } else { now };
                    state.next = base + interval;
                    return;
                }
                state.window.saturated = true;
                state.next
            };
            // The rate may change while this sleeps; the loop reads the slot again on waking.
            tokio::time::sleep_until(slot).await;
        }
    }

    /// Learns from one answer: `throttled` when AWS said slow down.
    pub fn record(&self, throttled: bool) {
        let mut state = self.lock();
        let now = Instant::now();
        if throttled {
            state.window.throttled += 1;
        } else {
            state.window.ok += 1;
        }
        let Some(rate) = state.rate else {
            if !throttled {
                state.ok_unpaced += 1;
                return;
            }
            // The first throttle: pace at what succeeded so far, over at least a second (a burst
            // allowance inflates a shorter look); with too few successes to tell, at the rate
            // calls were sent.
            let elapsed = (now - state.started.unwrap_or(now)).as_secs_f64();
            let measured = if state.ok_unpaced >= FIRST_SUCCESSES {
                state.ok_unpaced as f64 / elapsed.max(1.0)
            } else {
                state.sent_unpaced as f64 / elapsed.max(0.05)
            };
            let rate = clamp(measured.max(1.0), state.ceiling);
            tracing::debug!(rate, "throttled: pacing calls");
            state.rate = Some(rate);
            state.next = now + Duration::from_secs_f64(1.0 / rate);
            state.window = Window::new(now);
            state.first_window = true;
            return;
        };
        let window = state.window;
        let elapsed = now - window.start;
        let answers = window.ok + window.throttled;
        if !(elapsed >= WINDOW && answers >= WINDOW_EVENTS || elapsed >= MAX_WINDOW) {
            return;
        }
        if std::mem::take(&mut state.first_window) {
            state.window = Window::new(now);
            return;
        }
        let share = f64::from(window.throttled) / f64::from(answers.max(1));
        let next = if share > TOO_MANY_THROTTLED {
            state.slow_start = false;
            if state.last_cut.is_some_and(|last| (last * 0.75..=last * 1.5).contains(&share)) {
                rate
            } else {
                // What succeeded plus headroom, at most halved in one window (and then the next
                // window may cut again whatever its share).
                let target = f64::from(window.ok) / elapsed.as_secs_f64() * HEADROOM;
                state.last_cut = (target >= rate * 0.5).then_some(share);
                target.max(rate * 0.5).min(rate)
            }
        } else {
            state.last_cut = None;
            // Until the first cut any window short of one doubles the pace (a stray throttle
            // must not pin a low first guess); after it, growth needs an almost clean window.
            if window.saturated && (state.slow_start || share <= FEW_THROTTLED) {
                rate * if state.slow_start { 2.0 } else { GROWTH }
            } else {
                rate
            }
        };
        let next = clamp(next, state.ceiling);
        if next != rate {
            tracing::debug!(from = rate, to = next, throttled = window.throttled, answers, "pace changed");
        }
        state.rate = Some(next);
        state.window = Window::new(now);
    }
}

fn clamp(rate: f64, ceiling: Option<f64>) -> f64 {
    let rate = if rate.is_finite() { rate.max(MIN_RATE) } else { MIN_RATE };
    ceiling.map_or(rate, |ceiling| rate.min(ceiling))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A server-side token bucket like AWS's: a rejected call costs no token.
    struct Bucket {
        rate: f64,
        burst: f64,
        tokens: f64,
        last: Instant,
    }

    impl Bucket {
        fn take(&mut self) -> bool {
            let now = Instant::now();
            self.tokens = (self.tokens + (now - self.last).as_secs_f64() * self.rate).min(self.burst);
            self.last = now;
            if self.tokens >= 1.0 {
                self.tokens -= 1.0;
                true
            } else {
                false
            }
        }
    }

    /// `calls` calls, each retried until it succeeds, `in_flight` at a time, against a bucket of
    /// `limit` a second; `(seconds taken, attempts)`.
    async fn run(pacer: &Pacer, limit: f64, calls: usize, in_flight: usize) -> (f64, u64) {
        run_with_burst(pacer, limit, limit, calls, in_flight).await
    }

    /// [`run`] against a bucket holding `burst` tokens at most.
    async fn run_with_burst(pacer: &Pacer, limit: f64, burst: f64, calls: usize, in_flight: usize) -> (f64, u64) {
        use futures::StreamExt;
        let bucket =
            std::sync::Arc::new(Mutex::new(Bucket { rate: limit, burst, tokens: burst, last: Instant::now() }));
        let attempts = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
        let started = Instant::now();
        futures::stream::iter(0..calls)
            .map(|_| {
                let bucket = bucket.clone();
                let attempts = attempts.clone();
                async move {
                    loop {
                        pacer.wait().await;
                        attempts.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let ok = bucket.lock().map(|mut b| b.take()).unwrap_or(false);
                        tokio::time::sleep(Duration::from_millis(20)).await;
                        pacer.record(!ok);
                        if ok {
                            break;
                        }
                    }
                }
            })
            .buffer_unordered(in_flight)
            .collect::<Vec<_>>()
            .await;
        (started.elapsed().as_secs_f64(), attempts.load(std::sync::atomic::Ordering::Relaxed))
    }

    #[tokio::test(start_paused = true)]
    async fn an_unknown_limit_is_found_and_held_close_to_its_floor() {
        let pacer = Pacer::new(Api::Organizations);
        let (seconds, attempts) = run(&pacer, 20.0, 400, 64).await;
        // 400 calls at 20 a second, the first 20 on the bucket's burst: 19 s at best.
        assert!(seconds < 19.0 * 1.10, "took {seconds:.2} s");
        // 44 of the first 64 unpaced calls are throttled; after that a few percent.
        assert!(attempts < 400 * 125 / 100, "{attempts} attempts for 400 calls");
        let rate = pacer.rate().unwrap_or_default();
        assert!((15.0..=30.0).contains(&rate), "settled at {rate}");
    }

    /// A small burst makes the first guess low (8 successes in the first second); the throttles
    /// of the calls already in flight then must not end the slow start, or the pace would climb
    /// back 10 % a window and take twice as long.
    #[tokio::test(start_paused = true)]
    async fn a_low_first_guess_is_doubled_back_up() {
        let pacer = Pacer::new(Api::Organizations);
        let (seconds, _) = run_with_burst(&pacer, 20.0, 8.0, 400, 64).await;
        // 400 calls at 20 a second, 8 on the burst: 19.6 s at best.
        assert!(seconds < 19.6 * 1.15, "took {seconds:.2} s");
    }

    #[tokio::test(start_paused = true)]
    async fn a_documented_quota_is_the_start_and_the_ceiling() {
        let pacer = Pacer::new(Api::CloudTrail);
        assert_eq!(pacer.rate(), Some(2.0));
        let (seconds, attempts) = run(&pacer, 2.0, 20, 8).await;
        assert_eq!(attempts, 20, "no call throttled at the documented rate");
        assert!((9.0..11.0).contains(&seconds), "took {seconds:.2} s");
        assert_eq!(pacer.rate(), Some(2.0), "never above the quota");
    }

    #[tokio::test(start_paused = true)]
    async fn a_limit_below_the_quota_is_followed_down() {
        let pacer = Pacer::with_quota(Some(20.0));
        let (seconds, attempts) = run(&pacer, 5.0, 100, 8).await;
        assert!(seconds < 19.0 * 1.15, "took {seconds:.2} s");
        assert!(attempts < 130, "{attempts} attempts for 100 calls");
    }

    #[tokio::test(start_paused = true)]
    async fn throttling_that_does_not_follow_the_rate_cannot_spiral_the_pace_down() {
        let pacer = Pacer::new(Api::Organizations);
        let started = Instant::now();
        // Every third answer throttled, however slowly the calls come.
        let mut answers = 0u32;
        for _ in 0..400 {
            pacer.wait().await;
            tokio::time::sleep(Duration::from_millis(20)).await;
            answers += 1;
            pacer.record(answers.is_multiple_of(3));
        }
        let rate = pacer.rate().unwrap_or_default();
        assert!(rate >= 5.0, "spiralled down to {rate}/s");
        assert!(started.elapsed() < Duration::from_secs(60), "took {:?}", started.elapsed());
    }

    #[tokio::test(start_paused = true)]
    async fn a_storm_from_the_first_call_does_not_start_at_a_crawl() {
        let pacer = Pacer::new(Api::Organizations);
        // 25 calls in flight are all throttled.
        for _ in 0..25 {
            pacer.wait().await;
        }
        pacer.record(true);
        let rate = pacer.rate().unwrap_or_default();
        assert!(rate >= 20.0, "started at {rate}/s");
    }

    #[tokio::test(start_paused = true)]
    async fn no_throttling_means_no_pacing() {
        let pacer = Pacer::new(Api::Sts);
        let (seconds, attempts) = run(&pacer, 1_000_000.0, 200, 50).await;
        assert_eq!(attempts, 200);
        assert_eq!(pacer.rate(), None);
        assert!(seconds < 0.1, "took {seconds:.2} s");
    }
}
