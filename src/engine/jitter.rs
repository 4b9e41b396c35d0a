//! [`Jitter`]: the random delays that keep checks from running in lockstep.

use std::hash::BuildHasher;
use std::time::Duration;

/// Random delays, so checks registered together do not run in lockstep: up to a tenth of
/// the interval after each run, and a random part of the initial jitter before the first.
#[derive(Debug, Default)]
pub(super) struct Jitter {
    runs: u64,
}

impl Jitter {
    /// Up to a tenth of `interval`.
    pub(super) fn next(&mut self, interval: Duration) -> Duration {
        self.below(interval / 10)
    }

    /// A random delay in `[0, bound)`; zero for a zero bound.
    pub(super) fn below(&mut self, bound: Duration) -> Duration {
        self.runs += 1;
        let random = std::collections::hash_map::RandomState::new().hash_one(self.runs);
        let nanos = u64::try_from(bound.as_nanos()).unwrap_or(u64::MAX);
        Duration::from_nanos(random.checked_rem(nanos).unwrap_or(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jitter_stays_within_a_tenth() {
        let mut jitter = Jitter::default();
        for _ in 0..1000 {
            assert!(jitter.next(Duration::from_secs(10)) < Duration::from_secs(1));
        }
        assert_eq!(jitter.next(Duration::ZERO), Duration::ZERO);
        assert_eq!(jitter.below(Duration::ZERO), Duration::ZERO);
    }
}
