//! The bookkeeping of a running task, one shape for all: what it has reported so far and when it
//! started (for the status bar's progress bar and estimate).

use std::time::Instant;

#[derive(Debug, Clone, PartialEq)]
pub struct Task<P> {
    pub progress: P,
    pub started: Instant,
}

impl<P: Default> Task<P> {
    pub fn start() -> Task<P> {
        Task { progress: P::default(), started: Instant::now() }
    }
}

impl<P> Task<P> {
    pub fn with(progress: P) -> Task<P> {
        Task { progress, started: Instant::now() }
    }
}

/// How far the running probe has got; `generation` tells its reports from an older probe's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ProbeProgress {
    pub generation: u64,
    pub done: usize,
    pub total: usize,
}
