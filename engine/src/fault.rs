//! Fault injection for crash tests: a budget of durable writes, shared by every store of a
//! process, after which every write fails as if the process had been killed right after its
//! last commit.
//!
//! A kill can only leave behind a prefix of the commits the process made (redb commits are
//! atomic and durable when they return), so running an operation once for every budget from
//! zero up to the number of commits it makes, and then once more without a budget, covers
//! every point at which it can be killed.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// The number of commits left before the injected crash.
#[derive(Debug)]
pub struct CrashPoint {
    remaining: AtomicU64,
    hit: AtomicBool,
    abort: bool,
}

impl CrashPoint {
    /// A crash right after `commits` more commits: every later write fails, and the process
    /// goes on (in-process crash tests stop everything and start again).
    pub fn after(commits: u64) -> Arc<Self> {
        Arc::new(Self {
            remaining: AtomicU64::new(commits),
            hit: AtomicBool::new(false),
            abort: false,
        })
    }

    /// A real crash right after `commits` more commits: the process aborts where the next
    /// commit would have begun, leaving its stores as a kill would (`qoesign migrate` reads
    /// the number from `QOESIGN_TEST_ABORT_AFTER_COMMITS`, for the command-line crash test).
    pub fn abort_after(commits: u64) -> Arc<Self> {
        Arc::new(Self {
            remaining: AtomicU64::new(commits),
            hit: AtomicBool::new(false),
            abort: true,
        })
    }

    /// Whether one more commit may happen; once this says no, it always does. A crash point
    /// made by [`CrashPoint::abort_after`] aborts the process instead of saying no.
    pub fn permit(&self) -> bool {
        let granted = self
            .remaining
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |left| {
                left.checked_sub(1)
            })
            .is_ok();
        if !granted {
            if self.abort {
                std::process::abort();
            }
            self.hit.store(true, Ordering::SeqCst);
        }
        granted
    }

    /// Whether a commit was refused: the crash happened.
    pub fn hit(&self) -> bool {
        self.hit.load(Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permits_exactly_the_budget_then_nothing() {
        let point = CrashPoint::after(2);
        assert!(point.permit());
        assert!(point.permit());
        assert!(!point.hit());
        assert!(!point.permit());
        assert!(!point.permit());
        assert!(point.hit());
    }
}
