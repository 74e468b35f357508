//! A budget for heavy computations. Work is charged as it is done (in rough units of one
//! multiply-add), and the computation stops when the budget is spent or when whoever asked for
//! it stops waiting, so a request past its time limit does not keep a core busy after its client
//! has gone.

use std::cell::Cell;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Why a computation stopped before it finished.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the computation was stopped before it finished (its time or work budget ran out)")]
pub struct Stopped;

/// Work allowed to one computation on one thread.
#[derive(Debug, Default)]
pub struct Budget {
    spent: Cell<u64>,
    limit: Option<u64>,
    stop: Option<Arc<AtomicBool>>,
}

impl Budget {
    /// No limit: the computation always finishes.
    pub fn unlimited() -> Self {
        Self::default()
    }

    /// At most `units` of work.
    pub fn with_limit(units: u64) -> Self {
        Self {
            limit: Some(units),
            ..Self::default()
        }
    }

    /// Stops as soon as `stop` is set (by another thread: the one that gave up waiting).
    pub fn with_stop(stop: Arc<AtomicBool>) -> Self {
        Self {
            stop: Some(stop),
            ..Self::default()
        }
    }

    /// Records `units` of work done or about to be done; `Err` when the budget is spent or the
    /// computation was asked to stop. O(1).
    pub fn charge(&self, units: u64) -> Result<(), Stopped> {
        let spent = self.spent.get().saturating_add(units);
        self.spent.set(spent);
        if self.limit.is_some_and(|limit| spent > limit)
            || self
                .stop
                .as_ref()
                .is_some_and(|s| s.load(Ordering::Relaxed))
        {
            return Err(Stopped);
        }
        Ok(())
    }

    /// The work charged so far.
    pub fn spent(&self) -> u64 {
        self.spent.get()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_limit_stops_work_past_it_and_a_stop_flag_stops_at_once() {
        let budget = Budget::with_limit(10);
        assert_eq!(budget.charge(10), Ok(()));
        assert_eq!(budget.charge(1), Err(Stopped));
        assert_eq!(budget.spent(), 11);

        let flag = Arc::new(AtomicBool::new(false));
        let budget = Budget::with_stop(flag.clone());
        assert_eq!(budget.charge(1_000_000), Ok(()));
        flag.store(true, Ordering::Relaxed);
        assert_eq!(budget.charge(1), Err(Stopped));
        assert_eq!(Budget::unlimited().charge(u64::MAX), Ok(()));
    }
}
