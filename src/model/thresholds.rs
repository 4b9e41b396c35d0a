//! [`Thresholds`]: what it takes to move a check's status.

use std::time::Duration;

/// What it takes to change a check's status: results in a row, or, when set, how long a
/// streak of them has lasted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Thresholds {
    /// Failures in a row that turn a passing check down, unless `down_after` is set.
    pub(crate) failures: u32,
    /// Successes in a row that turn a check up, unless `up_after` is set.
    pub(crate) successes: u32,
    /// Instead of `failures`: how long a passing check's failures in a row must last.
    pub(crate) down_after: Option<Duration>,
    /// Instead of `successes`: how long a check's successes in a row must last.
    pub(crate) up_after: Option<Duration>,
}

impl Thresholds {
    /// Count rules only: down after `failures` failures in a row, up after `successes`
    /// successes in a row.
    pub(crate) const fn counts(failures: u32, successes: u32) -> Self {
        Thresholds {
            failures,
            successes,
            down_after: None,
            up_after: None,
        }
    }

    /// Whether a passing check's streak of `failures` failures, `lasted` long, turns it down.
    pub(crate) fn turns_down(&self, failures: u32, lasted: Duration) -> bool {
        match self.down_after {
            Some(down_after) => lasted >= down_after,
            None => failures >= self.failures,
        }
    }

    /// Whether a streak of `successes` successes, `lasted` long, turns a check up.
    pub(crate) fn turns_up(&self, successes: u32, lasted: Duration) -> bool {
        match self.up_after {
            Some(up_after) => lasted >= up_after,
            None => successes >= self.successes,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::component::{Component, ComponentKind};
    use crate::model::status::ComponentStatus;
    use tokio::time::Instant;

    fn record_at(component: &mut Component, ok: bool, rule: Thresholds, now: Instant) -> bool {
        let result = if ok { Ok(()) } else { Err("boom".to_owned()) };
        let fresh = now + Duration::from_secs(60);
        component
            .record(result, Duration::from_millis(1), rule, now, fresh)
            .status
    }

    /// Instants `n` seconds from now, for results on a timeline.
    fn seconds_from_now() -> impl Fn(u64) -> Instant {
        let start = Instant::now();
        move |seconds| start + Duration::from_secs(seconds)
    }

    #[test]
    fn down_after_replaces_the_failure_count() {
        let rule = Thresholds {
            down_after: Some(Duration::from_secs(10)),
            ..Thresholds::counts(3, 1)
        };
        let at = seconds_from_now();
        let mut c = Component::new(ComponentKind::Check, true);
        record_at(&mut c, true, rule, at(0));
        assert_eq!(c.status(), ComponentStatus::Up);
        // Five failures over 9 s: more than three, not yet 10 s.
        for secs in [1, 3, 5, 7, 10] {
            record_at(&mut c, false, rule, at(secs));
        }
        assert_eq!(c.status(), ComponentStatus::Up, "failing for 9 s");
        assert!(record_at(&mut c, false, rule, at(11)));
        assert_eq!(c.status(), ComponentStatus::Down, "failing for 10 s");

        // A success ends the streak: the next one starts from its own first failure.
        record_at(&mut c, true, rule, at(12));
        record_at(&mut c, false, rule, at(13));
        record_at(&mut c, false, rule, at(22));
        assert_eq!(c.status(), ComponentStatus::Up, "failing for 9 s");
        // From unknown, the first failure still turns it down at once.
        let mut fresh = Component::new(ComponentKind::Check, true);
        assert!(record_at(&mut fresh, false, rule, at(23)));
    }

    #[test]
    fn up_after_replaces_the_success_count_from_unknown_and_down() {
        let rule = Thresholds {
            up_after: Some(Duration::from_secs(10)),
            ..Thresholds::counts(1, 1)
        };
        let at = seconds_from_now();
        let mut c = Component::new(ComponentKind::Check, true);
        record_at(&mut c, true, rule, at(0));
        record_at(&mut c, true, rule, at(9));
        assert_eq!(c.status(), ComponentStatus::Unknown, "passing for 9 s");
        record_at(&mut c, true, rule, at(10));
        assert_eq!(c.status(), ComponentStatus::Up, "passing for 10 s");

        record_at(&mut c, false, rule, at(11));
        assert_eq!(c.status(), ComponentStatus::Down);
        record_at(&mut c, true, rule, at(12));
        record_at(&mut c, false, rule, at(20));
        record_at(&mut c, true, rule, at(21));
        record_at(&mut c, true, rule, at(30));
        assert_eq!(
            c.status(),
            ComponentStatus::Down,
            "the failure restarted the streak"
        );
        record_at(&mut c, true, rule, at(31));
        assert_eq!(c.status(), ComponentStatus::Up);
    }
}
