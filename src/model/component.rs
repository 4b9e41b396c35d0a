//! [`Component`]: one named part of the service's health, and how results move its status.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use tokio::time::Instant;

use super::demotion::Demotion;
use super::flapping::Flapping;
use super::fleet::FleetView;
use super::history::{History, HistoryEntry, HistoryRule};
use super::owner::Owner;
use super::probe_set::ProbeSet;
use super::status::ComponentStatus;
use super::traffic::TrafficFigures;
use super::transition::Transition;

/// Where a component's status comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ComponentKind {
    /// Set by the application through [`Health::mark_up`](crate::health::Health::mark_up)
    /// and [`Health::mark_down`](crate::health::Health::mark_down).
    Manual,
    /// Written by the background engine from a dependency [`Check`](crate::checks::Check).
    Check,
    /// Judged from the service's own forwarded requests (see [`Traffic`](crate::Traffic)).
    Traffic,
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
    /// Since when it has had its status (since registration, before the first change).
    pub(crate) since: Instant,
    /// Its last status changes: shared with the published snapshots until the next one.
    pub(crate) history: Arc<History>,
    pub(crate) flapping: Flapping,
    /// The traffic component's figures over its last window.
    pub(crate) traffic: Option<Arc<TrafficFigures>>,
    /// The part of the crate that registered it and writes it, when not the application.
    pub(crate) owner: Option<Owner>,
    /// An operator's demotion to report-only, while in force.
    pub(crate) demotion: Option<Demotion>,
}

/// What a result did to a component (see [`Component::record`], in `model/result.rs`).
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
            since: Instant::now(),
            history: Arc::default(),
            flapping: Flapping::default(),
            traffic: None,
            owner: None,
            demotion: None,
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
        !self.status.is_passing() && self.fleet.is_some_and(|fleet| fleet.is_fleet_wide())
    }

    /// Where its status comes from.
    pub fn kind(&self) -> ComponentKind {
        self.kind
    }

    /// The part of tower-health that registered it and writes it (the traffic component,
    /// the runtime watchdog's), or `None` for the application's own checks and components.
    pub fn owner(&self) -> Option<Owner> {
        self.owner
    }

    /// The last error text, while the last result was a failure, or why the last passed
    /// impaired (`degraded`). Never shown in public bodies by default.
    pub fn error(&self) -> Option<&str> {
        self.error.as_deref()
    }

    /// The figures of its last traffic window (the [`Traffic`](crate::Traffic) component
    /// only).
    pub fn traffic(&self) -> Option<&TrafficFigures> {
        self.traffic.as_deref()
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

    /// Whether it changes status too often: at least 5 changes within 10 minutes by
    /// default ([`HealthBuilder::flap_detection`](crate::health::HealthBuilder::flap_detection)),
    /// until a whole window passes without one.
    pub fn is_flapping(&self) -> bool {
        self.flapping.is_flapping()
    }

    /// Its last status changes, oldest first: 20 by default
    /// ([`HealthBuilder::history_length`](crate::health::HealthBuilder::history_length)).
    pub fn history(&self) -> impl ExactSizeIterator<Item = &HistoryEntry> {
        self.history.entries()
    }

    /// Note that its status just changed from `from`, at `now`: into its history and its
    /// flap detection, by `rule`. Returns the transition to tell listeners.
    pub(crate) fn changed(
        &mut self,
        name: &str,
        from: ComponentStatus,
        now: Instant,
        rule: HistoryRule,
    ) -> Transition {
        let lasted = now.saturating_duration_since(self.since);
        self.since = now;
        let error = self.error.as_deref().filter(|_| !self.status.is_up());
        let entry = HistoryEntry::new(SystemTime::now(), from, self.status, lasted, error);
        Arc::make_mut(&mut self.history).push(entry, rule.length);
        let started_flapping = self.flapping.change(now, rule.flap);
        Transition {
            name: name.to_owned(),
            from,
            to: self.status,
            error: error.map(str::to_owned),
            lasted,
            flapping: self.flapping.is_flapping(),
            started_flapping,
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
    use crate::model::thresholds::Thresholds;

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

    #[test]
    fn changes_go_into_a_bounded_history_and_flap_detection() {
        let rule = HistoryRule::default();
        let mut c = Component::new(ComponentKind::Manual, true);
        let start = Instant::now();
        for n in 0..10_000u64 {
            let from = c.status;
            c.status = if n % 2 == 0 {
                ComponentStatus::Down
            } else {
                ComponentStatus::Up
            };
            c.error = (!c.status.is_up()).then(|| "x".repeat(1000));
            let now = start + Duration::from_secs(n);
            let transition = c.changed("db", from, now, rule);
            if n > 0 {
                assert_eq!(transition.lasted, Duration::from_secs(1));
            }
            assert_eq!(transition.started_flapping, n == 4, "the fifth change");
            assert_eq!(transition.error.is_some(), !c.status.is_up());
        }
        assert!(c.is_flapping());
        assert_eq!(c.history().len(), rule.length);
        assert_eq!(c.flapping.remembered(), rule.flap.changes as usize);
        let last = c.history().last().unwrap();
        assert_eq!(
            (last.from, last.to),
            (ComponentStatus::Down, ComponentStatus::Up)
        );
        let down = c
            .history()
            .find(|entry| entry.to == ComponentStatus::Down)
            .unwrap();
        assert!(down.error.as_ref().unwrap().len() <= crate::model::history::ERROR_LIMIT);
    }
}
