//! [`Component`]: one named part of the service's health, and how results move its status.

use std::time::{Duration, SystemTime};

use tokio::time::Instant;

use super::fleet::FleetView;
use super::probe_set::ProbeSet;
use super::status::ComponentStatus;

/// Where a component's status comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ComponentKind {
    /// Set by the application through [`Health::mark_up`](crate::health::Health::mark_up)
    /// and [`Health::mark_down`](crate::health::Health::mark_down).
    Manual,
    /// Written by the background engine from a dependency [`Check`](crate::checks::Check).
    Check,
}

/// One named component of the service's health: a dependency check or a manual component.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Component {
    pub(crate) kind: ComponentKind,
    pub(crate) critical: bool,
    /// The built-in probes it counts for.
    pub(crate) probes: ProbeSet,
    pub(crate) status: ComponentStatus,
    pub(crate) error: Option<String>,
    pub(crate) consecutive_failures: u32,
    pub(crate) consecutive_successes: u32,
    pub(crate) last_duration: Option<Duration>,
    pub(crate) last_checked: Option<SystemTime>,
    /// When a check's last result stops vouching for it.
    pub(crate) fresh_until: Option<Instant>,
    /// Whether it has ever been up: a latch, for startup requirements.
    pub(crate) ever_up: bool,
    /// When the current streak of failures began (its first result), for `down_after`.
    pub(crate) failing_since: Option<Instant>,
    /// When the current streak of successes began (its first result), for `up_after`.
    pub(crate) passing_since: Option<Instant>,
    /// What it is, in the IETF format's terms: `component`, `datastore`, `system`, ….
    pub(crate) component_type: String,
    /// A dependency every replica uses: when it fails here, the peers are asked.
    pub(crate) shared: bool,
    /// While a shared check fails, or is down and recovering: what the peers last said.
    pub(crate) fleet: Option<FleetView>,
}

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
    fn turns_down(&self, failures: u32, lasted: Duration) -> bool {
        match self.down_after {
            Some(down_after) => lasted >= down_after,
            None => failures >= self.failures,
        }
    }

    /// Whether a streak of `successes` successes, `lasted` long, turns a check up.
    fn turns_up(&self, successes: u32, lasted: Duration) -> bool {
        match self.up_after {
            Some(up_after) => lasted >= up_after,
            None => successes >= self.successes,
        }
    }
}

/// What a result did to a component.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Change {
    /// The status moved.
    pub(crate) status: bool,
    /// Something a body or a subscriber shows moved: the status or the error text.
    pub(crate) visible: bool,
}

impl Component {
    pub(crate) fn new(kind: ComponentKind, critical: bool) -> Self {
        Component {
            kind,
            critical,
            probes: ProbeSet::READINESS,
            status: ComponentStatus::Unknown,
            error: None,
            consecutive_failures: 0,
            consecutive_successes: 0,
            last_duration: None,
            last_checked: None,
            fresh_until: None,
            ever_up: false,
            failing_since: None,
            passing_since: None,
            component_type: "component".to_owned(),
            shared: false,
            fleet: None,
        }
    }

    /// What it is, in the IETF health+json format's terms (`componentType`): `component`
    /// unless its check says otherwise (`datastore` for PostgreSQL and Redis).
    pub fn component_type(&self) -> &str {
        &self.component_type
    }

    /// Its current status.
    pub fn status(&self) -> ComponentStatus {
        self.status
    }

    /// Whether failing it fails readiness (`true`) or only degrades it (`false`).
    pub fn is_critical(&self) -> bool {
        self.critical
    }

    /// The built-in probes it counts for (readiness unless configured otherwise; none for a
    /// report-only component).
    pub fn probes(&self) -> ProbeSet {
        self.probes
    }

    /// Whether it counts for no probe: shown and reported, never failing one.
    pub fn is_report_only(&self) -> bool {
        self.probes.is_empty()
    }

    /// Whether it is a shared dependency (see
    /// [`NamedCheck::shared`](crate::checks::NamedCheck::shared)).
    pub fn is_shared(&self) -> bool {
        self.shared
    }

    /// What the peers last said about it, while it is shared and fails, or is still down
    /// while its latest results pass (recovering, until enough successes turn it up).
    pub fn fleet(&self) -> Option<FleetView> {
        self.fleet
    }

    /// Whether it is down here and, by the peers' word, across the fleet: readiness then
    /// counts it as degrading, not failing.
    pub fn is_down_across_the_fleet(&self) -> bool {
        !self.status.is_up() && self.fleet.is_some_and(|fleet| fleet.is_fleet_wide())
    }

    /// Where its status comes from.
    pub fn kind(&self) -> ComponentKind {
        self.kind
    }

    /// The last error text, while the last result was a failure. Never shown in public
    /// bodies by default.
    pub fn error(&self) -> Option<&str> {
        self.error.as_deref()
    }

    /// Failures in a row up to the last result.
    pub fn consecutive_failures(&self) -> u32 {
        self.consecutive_failures
    }

    /// How long the last check run took (checks only).
    pub fn last_duration(&self) -> Option<Duration> {
        self.last_duration
    }

    /// When the last check run finished (checks only).
    pub fn last_checked(&self) -> Option<SystemTime> {
        self.last_checked
    }

    /// Apply one check result, `Ok` or the failure's message, that arrived at `now`.
    ///
    /// From `unknown`, a failure turns the check `down` at once and `successes` successes
    /// turn it `up`; a passing check turns `down` after `failures` failures in a row, a
    /// failing one `up` after `successes` successes in a row. `down_after` and `up_after`,
    /// when set, replace those counts: the streak must have lasted that long, from its first
    /// result to this one (from `unknown` too: a check with `up_after` turns up once it has
    /// passed for that long).
    pub(crate) fn record(
        &mut self,
        result: Result<(), String>,
        duration: Duration,
        thresholds: Thresholds,
        now: Instant,
        fresh_until: Instant,
    ) -> Change {
        let before = (self.status, self.error.take());
        match result {
            Ok(()) => {
                self.consecutive_successes = self.consecutive_successes.saturating_add(1);
                self.consecutive_failures = 0;
                self.failing_since = None;
                let lasted = now - *self.passing_since.get_or_insert(now);
                if self.status != ComponentStatus::Up
                    && thresholds.turns_up(self.consecutive_successes, lasted)
                {
                    self.status = ComponentStatus::Up;
                    self.ever_up = true;
                }
            }
            Err(error) => {
                self.consecutive_failures = self.consecutive_failures.saturating_add(1);
                self.consecutive_successes = 0;
                self.passing_since = None;
                self.error = Some(error);
                let lasted = now - *self.failing_since.get_or_insert(now);
                if self.status != ComponentStatus::Up
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

    /// Turn a check whose last result is too old `down`. Returns whether it did.
    pub(crate) fn expire(&mut self, now: Instant) -> bool {
        if self.fresh_until.is_none_or(|until| until > now) {
            return false;
        }
        self.fresh_until = None;
        self.status = ComponentStatus::Down;
        self.consecutive_successes = 0;
        self.passing_since = None;
        // The peers' word was about a result that no longer stands.
        self.fleet = None;
        self.error = Some("stale: no recent result (is the check engine running?)".into());
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const THRESHOLDS: Thresholds = Thresholds::counts(3, 2);

    fn record(component: &mut Component, ok: bool) -> Change {
        record_at(component, ok, THRESHOLDS, Instant::now())
    }

    fn record_at(component: &mut Component, ok: bool, rule: Thresholds, now: Instant) -> Change {
        let result = if ok { Ok(()) } else { Err("boom".to_owned()) };
        let fresh = now + Duration::from_secs(60);
        component.record(result, Duration::from_millis(1), rule, now, fresh)
    }

    #[test]
    fn unknown_turns_down_on_the_first_failure() {
        let mut c = Component::new(ComponentKind::Check, true);
        let change = record(&mut c, false);
        assert_eq!(c.status(), ComponentStatus::Down);
        assert!(change.status && change.visible);
        assert_eq!(c.error(), Some("boom"));
    }

    #[test]
    fn success_threshold_applies_from_unknown_and_down() {
        let mut c = Component::new(ComponentKind::Check, true);
        assert!(!record(&mut c, true).status);
        assert_eq!(c.status(), ComponentStatus::Unknown);
        assert!(record(&mut c, true).status);
        assert_eq!(c.status(), ComponentStatus::Up);
    }

    #[test]
    fn failure_threshold_applies_from_up() {
        let mut c = Component::new(ComponentKind::Check, true);
        record(&mut c, true);
        record(&mut c, true);
        let first = record(&mut c, false);
        assert_eq!(c.status(), ComponentStatus::Up);
        assert!(!first.status && first.visible, "the error text is news");
        assert!(!record(&mut c, false).visible, "same status, same text");
        assert!(record(&mut c, false).status);
        assert_eq!(c.status(), ComponentStatus::Down);
        assert_eq!(c.consecutive_failures(), 3);
        // One success is not enough to come back with a threshold of 2.
        record(&mut c, true);
        assert_eq!(c.status(), ComponentStatus::Down);
        assert_eq!(c.error(), None);
        record(&mut c, true);
        assert_eq!(c.status(), ComponentStatus::Up);
    }

    #[test]
    fn old_results_expire() {
        let mut c = Component::new(ComponentKind::Check, true);
        let now = Instant::now();
        assert!(!c.expire(now), "no result yet: nothing to expire");
        c.record(Ok(()), Duration::ZERO, THRESHOLDS, now, now);
        c.record(Ok(()), Duration::ZERO, THRESHOLDS, now, now);
        assert_eq!(c.status(), ComponentStatus::Up);
        assert!(!c.expire(now - Duration::from_secs(1)));
        assert!(c.expire(now));
        assert_eq!(c.status(), ComponentStatus::Down);
        assert!(c.error().unwrap().contains("stale"));
        assert!(!c.expire(now), "expires once");
        c.record(Err("x".into()), Duration::ZERO, THRESHOLDS, now, now);
        c.fleet = Some(super::FleetView::new(2, 2, 2));
        assert!(c.is_down_across_the_fleet());
        assert!(c.expire(now));
        assert!(!c.is_down_across_the_fleet(), "a stale view holds nothing");
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
        assert!(record_at(&mut c, false, rule, at(11)).status);
        assert_eq!(c.status(), ComponentStatus::Down, "failing for 10 s");

        // A success ends the streak: the next one starts from its own first failure.
        record_at(&mut c, true, rule, at(12));
        record_at(&mut c, false, rule, at(13));
        record_at(&mut c, false, rule, at(22));
        assert_eq!(c.status(), ComponentStatus::Up, "failing for 9 s");
        // From unknown, the first failure still turns it down at once.
        let mut fresh = Component::new(ComponentKind::Check, true);
        assert!(record_at(&mut fresh, false, rule, at(23)).status);
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
