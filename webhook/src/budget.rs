//! The global budget of bytes held for requests in flight: request bodies
//! while they arrive and are decided, then responses until they are sent.
//!
//! Bytes are taken as they are needed and never waited for: a request that
//! does not fit is refused at once (503), so memory stays bounded whatever
//! clients send. The last part of the budget is kept for small requests: a
//! request holding more than `small_bytes` holds all of them in the large
//! pool, so large bodies (an attack, or a burst of huge objects) can never
//! take the room a normal review needs.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// Shares of the budget; see [`crate::resources`] for how they are derived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BudgetShares {
    /// All bytes held at once.
    pub total: usize,
    /// Bytes held at once by requests holding more than `small_bytes` each;
    /// `total - large` is the reserve only small requests use.
    pub large: usize,
    /// Largest lease that counts as small.
    pub small_bytes: usize,
}

#[derive(Debug)]
pub struct Budget {
    shares: BudgetShares,
    used: AtomicUsize,
    large_used: AtomicUsize,
}

impl Budget {
    pub fn new(shares: BudgetShares) -> Arc<Budget> {
        Arc::new(Budget {
            shares,
            used: AtomicUsize::new(0),
            large_used: AtomicUsize::new(0),
        })
    }

    /// Bytes held right now.
    pub fn used(&self) -> usize {
        self.used.load(Ordering::Relaxed)
    }

    /// A lease of `bytes`, or `None` when they do not fit now.
    pub fn lease(self: &Arc<Budget>, bytes: usize) -> Option<Lease> {
        let mut lease = Lease {
            budget: self.clone(),
            bytes: 0,
        };
        lease.resize(bytes).then_some(lease)
    }

    /// The large-pool part of a request holding `bytes`: all or nothing.
    fn large_part(&self, bytes: usize) -> usize {
        if bytes > self.shares.small_bytes {
            bytes
        } else {
            0
        }
    }

    fn take(&self, bytes: usize, large: usize) -> bool {
        if !take(&self.large_used, large, self.shares.large) {
            return false;
        }
        if !take(&self.used, bytes, self.shares.total) {
            self.large_used.fetch_sub(large, Ordering::AcqRel);
            return false;
        }
        true
    }

    fn give(&self, bytes: usize, large: usize) {
        self.used.fetch_sub(bytes, Ordering::AcqRel);
        self.large_used.fetch_sub(large, Ordering::AcqRel);
    }
}

/// Adds `n` to `counter` unless that would pass `limit`.
fn take(counter: &AtomicUsize, n: usize, limit: usize) -> bool {
    if n == 0 {
        return true;
    }
    counter
        .fetch_update(Ordering::AcqRel, Ordering::Acquire, |used| {
            used.checked_add(n).filter(|&sum| sum <= limit)
        })
        .is_ok()
}

/// Bytes held for one request; given back when dropped.
#[derive(Debug)]
pub struct Lease {
    budget: Arc<Budget>,
    bytes: usize,
}

impl Lease {
    #[cfg(test)]
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// Holds `bytes` from now on (more or fewer). False, and unchanged, when
    /// more do not fit.
    pub fn resize(&mut self, bytes: usize) -> bool {
        let budget = &self.budget;
        let (old_large, new_large) = (budget.large_part(self.bytes), budget.large_part(bytes));
        if bytes > self.bytes {
            if !budget.take(bytes - self.bytes, new_large - old_large) {
                return false;
            }
        } else {
            budget.give(self.bytes - bytes, old_large - new_large);
        }
        self.bytes = bytes;
        true
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        let budget = &self.budget;
        budget.give(self.bytes, budget.large_part(self.bytes));
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn budget() -> Arc<Budget> {
        Budget::new(BudgetShares {
            total: 1000,
            large: 700,
            small_bytes: 100,
        })
    }

    #[test]
    fn a_lease_that_does_not_fit_is_refused_and_takes_nothing() {
        let b = budget();
        let big = b.lease(700).unwrap();
        assert_eq!(b.used(), 700);
        assert!(b.lease(101).is_none(), "large pool full");
        assert_eq!(b.used(), 700);
        drop(big);
        assert_eq!(b.used(), 0);
        assert!(b.lease(701).is_none(), "larger than the large pool");
    }

    #[test]
    fn large_requests_cannot_take_the_reserve_for_small_ones() {
        let b = budget();
        // Many medium requests fill the large pool and stop there.
        let large: Vec<Lease> = (0..10).filter_map(|_| b.lease(150)).collect();
        assert_eq!(large.len(), 4, "4 × 150 = 600 of the 700");
        // The 300 of the reserve (and the 100 left of the pool) serve small requests.
        let small: Vec<Lease> = (0..10).filter_map(|_| b.lease(100)).collect();
        assert_eq!(small.len(), 4);
        assert_eq!(b.used(), 1000);
        drop((large, small));
        assert_eq!(b.used(), 0);
    }

    #[test]
    fn leases_grow_and_shrink_across_the_small_limit() {
        let b = budget();
        let mut lease = b.lease(50).unwrap();
        assert!(lease.resize(650));
        assert_eq!(b.used(), 650);
        assert!(!lease.resize(701), "over the large pool");
        assert_eq!(lease.bytes(), 650);
        assert!(lease.resize(10));
        assert_eq!(b.used(), 10);
        // Back under the small limit: the large pool is free again.
        assert!(b.lease(700).is_some());
        drop(lease);
        assert_eq!(b.used(), 0);
    }
}
