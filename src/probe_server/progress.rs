//! [`Progress`]: forwarded requests completing, read as proof that the application's
//! runtime is working even when its heartbeat runs late.

use std::time::{Duration, Instant};

use crate::health::Health;

/// When the count of completed forwarded requests last moved, for a handle that observes
/// its traffic.
#[derive(Debug)]
pub(super) struct Progress {
    health: Health,
    completed: Option<u64>,
    moved_at: Instant,
}

impl Progress {
    /// Watch `health`'s completed requests from `now`.
    pub(super) fn new(health: Health, now: Instant) -> Self {
        Progress {
            completed: health.completed_requests(),
            health,
            moved_at: now,
        }
    }

    /// How long, at `now`, since a forwarded request last completed (since the watch began
    /// when none has); `None` when the handle does not observe its traffic, so only the
    /// heartbeat counts.
    pub(super) fn silence(&mut self, now: Instant) -> Option<Duration> {
        let completed = self.health.completed_requests()?;
        if self.completed != Some(completed) {
            self.completed = Some(completed);
            self.moved_at = now;
        }
        Some(now.saturating_duration_since(self.moved_at))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::traffic::Traffic;

    #[test]
    fn without_traffic_only_the_heartbeat_counts() {
        let mut progress = Progress::new(Health::default(), Instant::now());
        assert_eq!(progress.silence(Instant::now()), None);
    }

    #[test]
    fn silence_since_the_count_last_moved() {
        let health = Health::builder().traffic(Traffic::new()).build();
        let start = Instant::now();
        let mut progress = Progress::new(health, start);
        let later = start + Duration::from_secs(3);
        assert_eq!(progress.silence(later), Some(Duration::from_secs(3)));
    }
}
