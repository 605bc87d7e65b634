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
}

impl CrashPoint {
    /// A crash right after `commits` more commits.
    pub fn after(commits: u64) -> Arc<Self> {
        Arc::new(Self {
            remaining: AtomicU64::new(commits),
            hit: AtomicBool::new(false),
        })
    }

    /// Whether one more commit may happen; once this says no, it always does.
    pub fn permit(&self) -> bool {
        let granted = self
            .remaining
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |left| {
                left.checked_sub(1)
            })
            .is_ok();
        if !granted {
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
