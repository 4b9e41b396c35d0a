//! [`Counts`]: what forwarded requests did, as plain numbers: totals read from the
//! counters, and the differences between two readings that make a window's buckets.

use super::latency::{self, BUCKETS};

/// The response classes counted: 1xx, 2xx, 3xx, 4xx, 5xx (a status of 600 or more counts
/// as 5xx).
pub(crate) const CLASSES: usize = 5;

/// The class index of a status code: 0 for 1xx … 4 for 5xx.
#[inline]
pub(crate) fn class(status: u16) -> usize {
    (usize::from(status / 100)).clamp(1, CLASSES) - 1
}

/// Requests, their ends and their latencies, summed over a span (or since the start).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Counts {
    /// Requests forwarded to the inner service.
    pub(crate) requests: u64,
    /// Responses by class, 1xx to 5xx.
    pub(crate) classes: [u64; CLASSES],
    /// Responses and errors the classifier counts as failures.
    pub(crate) failures: u64,
    /// The inner service's errors (its `Err`).
    pub(crate) errors: u64,
    /// Requests whose response future was dropped before it completed.
    pub(crate) abandoned: u64,
    /// Responses and errors by latency bucket.
    pub(crate) latency: [u64; BUCKETS],
}

impl Default for Counts {
    fn default() -> Self {
        Counts {
            requests: 0,
            classes: [0; CLASSES],
            failures: 0,
            errors: 0,
            abandoned: 0,
            latency: [0; BUCKETS],
        }
    }
}

impl Counts {
    /// Responses of every class.
    pub(crate) fn responses(&self) -> u64 {
        self.classes.iter().sum()
    }

    /// Requests that completed: a response or an error.
    pub(crate) fn completed(&self) -> u64 {
        self.responses() + self.errors
    }

    /// Requests that have not ended yet (when these are totals since the start).
    pub(crate) fn in_flight(&self) -> u64 {
        self.requests
            .saturating_sub(self.completed() + self.abandoned)
    }

    /// Add `other` to these.
    pub(crate) fn add(&mut self, other: &Counts) {
        self.combine(other, u64::wrapping_add);
    }

    /// What happened between the reading `earlier` and this one.
    pub(crate) fn since(&self, earlier: &Counts) -> Counts {
        let mut delta = self.clone();
        delta.combine(earlier, u64::wrapping_sub);
        delta
    }

    fn combine(&mut self, other: &Counts, op: fn(u64, u64) -> u64) {
        self.requests = op(self.requests, other.requests);
        self.failures = op(self.failures, other.failures);
        self.errors = op(self.errors, other.errors);
        self.abandoned = op(self.abandoned, other.abandoned);
        for (mine, theirs) in self.classes.iter_mut().zip(&other.classes) {
            *mine = op(*mine, *theirs);
        }
        for (mine, theirs) in self.latency.iter_mut().zip(&other.latency) {
            *mine = op(*mine, *theirs);
        }
    }

    /// The `q` quantile of the latencies counted.
    pub(crate) fn latency_quantile(&self, q: f64) -> Option<std::time::Duration> {
        latency::quantile(&self.latency, q)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_of_statuses() {
        assert_eq!(class(101), 0);
        assert_eq!(class(200), 1);
        assert_eq!(class(304), 2);
        assert_eq!(class(429), 3);
        assert_eq!(class(503), 4);
        assert_eq!(class(999), 4);
        assert_eq!(class(0), 0);
    }

    #[test]
    fn differences_and_sums() {
        let mut total = Counts {
            requests: 10,
            classes: [0, 6, 0, 1, 2],
            failures: 2,
            errors: 0,
            abandoned: 0,
            ..Counts::default()
        };
        assert_eq!(total.in_flight(), 1);
        let earlier = total.clone();
        total.requests += 5;
        total.classes[1] += 4;
        total.abandoned += 1;
        let delta = total.since(&earlier);
        assert_eq!(
            (delta.requests, delta.responses(), delta.abandoned),
            (5, 4, 1)
        );
        let mut sum = Counts::default();
        sum.add(&earlier);
        sum.add(&delta);
        assert_eq!(sum, total);
    }
}
