//! [`CheckResult`]: one check result as the model takes it, and how it moves a
//! [`Component`]'s status ([`Component::record`]).

use std::time::{Duration, SystemTime};

use tokio::time::Instant;

use super::component::{Change, Component};
use super::status::ComponentStatus;
use super::thresholds::Thresholds;

/// One result of a check: passing, passing but impaired (with why), or failing (with why).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CheckResult {
    /// Passing.
    Passed,
    /// Passing, but impaired: the component turns `degraded`, the reason its error text.
    Degraded(String),
    /// Failing, with the failure's message.
    Failed(String),
}

impl From<Result<(), String>> for CheckResult {
    fn from(result: Result<(), String>) -> Self {
        match result {
            Ok(()) => CheckResult::Passed,
            Err(error) => CheckResult::Failed(error),
        }
    }
}

impl Component {
    /// Apply one check result that arrived at `now`.
    ///
    /// From `unknown`, a failure turns the check `down` at once and `successes` successes
    /// turn it `up`; a passing check turns `down` after `failures` failures in a row, a
    /// failing one `up` after `successes` successes in a row. `down_after` and `up_after`,
    /// when set, replace those counts: the streak must have lasted that long, from its first
    /// result to this one (from `unknown` too: a check with `up_after` turns up once it has
    /// passed for that long).
    ///
    /// A degraded result is a passing one: it counts as a success for every rule above
    /// and, where a success would turn the check `up` or keep it passing, makes it
    /// `degraded` instead, its reason the error text. Passing checks move between `up` and
    /// `degraded` at once, with each result.
    pub(crate) fn record(
        &mut self,
        result: impl Into<CheckResult>,
        duration: Duration,
        thresholds: Thresholds,
        now: Instant,
        fresh_until: Instant,
    ) -> Change {
        let before = (self.status, self.error.take());
        match result.into() {
            CheckResult::Passed => self.pass(ComponentStatus::Up, thresholds, now),
            CheckResult::Degraded(reason) => {
                self.error = Some(reason);
                self.pass(ComponentStatus::Degraded, thresholds, now);
            }
            CheckResult::Failed(error) => {
                self.consecutive_failures = self.consecutive_failures.saturating_add(1);
                self.consecutive_successes = 0;
                self.passing_since = None;
                self.error = Some(error);
                let lasted = now - *self.failing_since.get_or_insert(now);
                if !self.status.is_passing()
                    || thresholds.turns_down(self.consecutive_failures, lasted)
                {
                    self.status = ComponentStatus::Down;
                }
            }
        }
        self.last_duration = Some(duration);
        self.last_checked = Some(SystemTime::now());
        self.fresh_until = Some(fresh_until);
        Change {
            status: before.0 != self.status,
            visible: before != (self.status, self.error.clone()),
        }
    }

    /// One passing result: `to` (`up` or `degraded`) at once when it is passing already,
    /// once the success rule says so otherwise.
    fn pass(&mut self, to: ComponentStatus, thresholds: Thresholds, now: Instant) {
        self.consecutive_successes = self.consecutive_successes.saturating_add(1);
        self.consecutive_failures = 0;
        self.failing_since = None;
        let lasted = now - *self.passing_since.get_or_insert(now);
        if self.status.is_passing() || thresholds.turns_up(self.consecutive_successes, lasted) {
            self.status = to;
            self.ever_up = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::component::ComponentKind;

    const THRESHOLDS: Thresholds = Thresholds::counts(3, 2);

    fn record(component: &mut Component, result: CheckResult) -> Change {
        let now = Instant::now();
        let fresh = now + Duration::from_secs(60);
        component.record(result, Duration::from_millis(1), THRESHOLDS, now, fresh)
    }

    fn degraded() -> CheckResult {
        CheckResult::Degraded("expires in 2 days".to_owned())
    }

    fn failed() -> CheckResult {
        CheckResult::Failed("boom".to_owned())
    }

    #[test]
    fn degraded_counts_toward_the_success_threshold_from_unknown() {
        let mut c = Component::new(ComponentKind::Check, true);
        let first = record(&mut c, degraded());
        assert_eq!(c.status(), ComponentStatus::Unknown, "1 of 2 successes");
        assert!(!first.status && first.visible, "the reason is news");
        assert_eq!(c.error(), Some("expires in 2 days"));
        assert!(!c.ever_up);
        assert!(record(&mut c, degraded()).status);
        assert_eq!(c.status(), ComponentStatus::Degraded);
        assert_eq!(c.consecutive_successes, 2);
        assert!(c.ever_up, "degraded passes: a startup requirement is met");
    }

    #[test]
    fn passing_checks_move_between_up_and_degraded_at_once() {
        let mut c = Component::new(ComponentKind::Check, true);
        record(&mut c, CheckResult::Passed);
        record(&mut c, CheckResult::Passed);
        assert_eq!(c.status(), ComponentStatus::Up);
        let change = record(&mut c, degraded());
        assert!(change.status && change.visible);
        assert_eq!(c.status(), ComponentStatus::Degraded);
        assert!(
            !record(&mut c, degraded()).visible,
            "same status, same reason"
        );
        let reason = CheckResult::Degraded("expires in 1 day".to_owned());
        let change = record(&mut c, reason);
        assert!(!change.status && change.visible, "a new reason is news");
        let change = record(&mut c, CheckResult::Passed);
        assert!(change.status);
        assert_eq!((c.status(), c.error()), (ComponentStatus::Up, None));
    }

    #[test]
    fn a_degraded_check_follows_the_failure_threshold_and_resets_it() {
        let mut c = Component::new(ComponentKind::Check, true);
        record(&mut c, degraded());
        record(&mut c, degraded());
        record(&mut c, failed());
        record(&mut c, failed());
        assert_eq!(c.status(), ComponentStatus::Degraded, "2 of 3 failures");
        assert_eq!(c.error(), Some("boom"));
        // A degraded result ends the streak like a success.
        record(&mut c, degraded());
        assert_eq!(c.consecutive_failures(), 0);
        record(&mut c, failed());
        record(&mut c, failed());
        assert_eq!(c.status(), ComponentStatus::Degraded);
        record(&mut c, failed());
        assert_eq!(c.status(), ComponentStatus::Down);
    }

    #[test]
    fn degraded_counts_toward_recovery_from_down() {
        let mut c = Component::new(ComponentKind::Check, true);
        record(&mut c, failed());
        assert_eq!(c.status(), ComponentStatus::Down);
        record(&mut c, degraded());
        assert_eq!(c.status(), ComponentStatus::Down, "1 of 2 successes");
        assert_eq!(c.error(), Some("expires in 2 days"));
        record(&mut c, CheckResult::Passed);
        assert_eq!(c.status(), ComponentStatus::Up, "a mixed streak counts");
        let mut c = Component::new(ComponentKind::Check, true);
        record(&mut c, failed());
        record(&mut c, CheckResult::Passed);
        record(&mut c, degraded());
        assert_eq!(
            c.status(),
            ComponentStatus::Degraded,
            "the last result says which"
        );
    }
}
