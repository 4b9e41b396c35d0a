//! Demoting and restoring a component: into its history, and what the state does about
//! it (a startup latch kept, the deadlines that have come).

use std::sync::Arc;
use std::time::SystemTime;

use tokio::time::Instant;

use super::component::Component;
use super::demotion::Demotion;
use super::history::{HistoryEntry, HistoryEvent, HistoryRule};
use super::probe::Probe;
use super::state::State;

impl Component {
    /// The operator's demotion in force, if any: while it lasts the component counts for no
    /// probe and no group (see [`Health::demote`](crate::health::Health::demote)).
    pub fn demotion(&self) -> Option<&Demotion> {
        self.demotion.as_ref()
    }

    /// Whether an operator has demoted it to report-only, for now.
    pub fn is_demoted(&self) -> bool {
        self.demotion.is_some()
    }

    /// Demote it (again: the new demotion replaces the one in force), into its history by
    /// `rule`.
    pub(crate) fn demote(&mut self, demotion: Demotion, now: Instant, rule: HistoryRule) {
        let event = HistoryEvent::Demoted {
            reason: demotion.reason.clone(),
            until: demotion.until(),
        };
        let lasted = now.saturating_duration_since(self.since);
        let entry = HistoryEntry::event_at(demotion.since, self.status, lasted, event);
        Arc::make_mut(&mut self.history).push(entry, rule.length);
        self.demotion = Some(demotion);
    }

    /// End its demotion at `now` (`wall` on the wall clock), by its deadline or by hand, into
    /// its history by `rule`. Returns the demotion ended, `None` when there was none.
    pub(crate) fn restore(
        &mut self,
        now: Instant,
        wall: SystemTime,
        by_deadline: bool,
        rule: HistoryRule,
    ) -> Option<Demotion> {
        let demotion = self.demotion.take()?;
        let lasted = now.saturating_duration_since(demotion.began);
        let event = HistoryEvent::Restored { by_deadline };
        let entry = HistoryEntry::event_at(wall, self.status, lasted, event);
        Arc::make_mut(&mut self.history).push(entry, rule.length);
        Some(demotion)
    }
}

impl State {
    /// End the demotion of the component `name` at `now` (`wall` on the wall clock), by its
    /// deadline or by hand. Returns the demotion ended, `None` when there was no such
    /// component or it was not demoted.
    ///
    /// Startup is a latch: a startup member demoted while start-up waited for it, and
    /// restored once start-up passed without it, does not undo the latch (it counts as
    /// passed, as a new member added after startup is refused).
    pub(crate) fn restore(
        &mut self,
        name: &str,
        now: Instant,
        wall: SystemTime,
        by_deadline: bool,
    ) -> Option<Demotion> {
        let started = self.is_started();
        let rule = self.history;
        let component = self.components.get_mut(name)?;
        let demotion = component.restore(now, wall, by_deadline, rule)?;
        if started && component.probes.contains(Probe::Startup) {
            component.ever_up = true;
        }
        Some(demotion)
    }

    /// The names of the components whose demotion's deadline has come at `now`.
    pub(crate) fn overdue(&self, now: Instant) -> Vec<String> {
        (self.components.iter())
            .filter(|(_, component)| component.demotion.as_ref().is_some_and(|d| d.is_over(now)))
            .map(|(name, _)| name.clone())
            .collect()
    }
}

#[cfg(test)]
impl State {
    /// For tests: demote the component `name` for `reason` at 2030-06-01T03:10:00Z, for
    /// `minutes` if any.
    pub(crate) fn demote_at_ten_past_three(
        &mut self,
        name: &str,
        reason: &str,
        minutes: Option<u64>,
    ) {
        let rule = self.history;
        let demotion = Demotion::at_ten_past_three(reason, minutes);
        let component = self
            .components
            .get_mut(name)
            .expect("a component to demote");
        component.demote(demotion, Instant::now(), rule);
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::model::component::ComponentKind;
    use crate::model::demotion::Deadline;
    use crate::model::status::ComponentStatus;

    fn wall() -> SystemTime {
        Demotion::at_ten_past_three("x", None).since()
    }

    #[test]
    fn demotion_and_restoration_go_into_the_history_not_the_status() {
        let rule = HistoryRule::default();
        let mut redis = Component::new(ComponentKind::Check, true);
        redis.status = ComponentStatus::Down;
        let start = redis.since;
        let demoted = start + Duration::from_secs(5);
        let minute = Duration::from_secs(60);
        let until = Deadline::after(minute, demoted, wall());
        redis.demote(
            Demotion::new("failover", until, demoted, wall()),
            demoted,
            rule,
        );
        assert!(redis.is_demoted());
        assert_eq!(redis.status(), ComponentStatus::Down, "down stays down");
        assert!(!redis.is_flapping());
        let restored = demoted + Duration::from_secs(30);
        let ended = redis.restore(restored, wall() + Duration::from_secs(30), false, rule);
        assert_eq!(ended.unwrap().reason(), "failover");
        assert!(!redis.is_demoted());
        assert_eq!(redis.restore(restored, wall(), false, rule), None);
        let history: Vec<&HistoryEntry> = redis.history().collect();
        assert_eq!(history.len(), 2);
        assert_eq!(
            history[0].event,
            HistoryEvent::Demoted {
                reason: "failover".into(),
                until: Some(wall() + minute)
            }
        );
        assert_eq!(
            history[0].lasted,
            Duration::from_secs(5),
            "the status so far"
        );
        assert_eq!(
            (history[0].from, history[0].to),
            (ComponentStatus::Down, ComponentStatus::Down)
        );
        assert_eq!(
            history[1].event,
            HistoryEvent::Restored { by_deadline: false }
        );
        assert_eq!(history[1].lasted, Duration::from_secs(30), "the demotion");
        assert!(!history[1].is_status_change());
        assert_eq!(redis.since, start, "the status still dates from before");
    }

    #[test]
    fn a_demoted_member_fails_no_probe_and_no_group() {
        use crate::model::group::Group;
        use crate::model::probe_set::ProbeSet;
        use crate::model::scope::Scope;
        use crate::model::status::Status;
        use crate::model::target::Target;

        let mut state = State::default();
        state.lifecycle.started = true;
        let mut redis = Component::new(ComponentKind::Check, true);
        redis.status = ComponentStatus::Down;
        redis.probes = ProbeSet::READINESS
            .with(Probe::Liveness)
            .with(Probe::Startup);
        state.components.insert("redis".into(), redis);
        state.groups = vec![Group::new("lb", "/lbz").members(["redis"])].into();
        let lb = state.group("lb").unwrap();
        let every = |state: &State| {
            let probes = Probe::ALL.map(|probe| state.status(probe));
            (probes, state.verdict(lb, Scope::All))
        };
        assert_eq!(every(&state), ([Status::Down; 4], Status::Down));

        let now = Instant::now();
        let demotion = Demotion::new("failover", None, now, wall());
        let rule = state.history;
        state
            .components
            .get_mut("redis")
            .unwrap()
            .demote(demotion, now, rule);
        assert_eq!(every(&state), ([Status::Ok; 4], Status::Ok));
        // Still listed where it is a member; its own answer is its own status.
        let readiness = Target::Probe(Probe::Readiness);
        assert!(state.lists(readiness, "redis", &state.components["redis"]));
        assert_eq!(state.verdict(readiness, Scope::Only("redis")), Status::Down);

        // Startup passed without it: restoring it keeps the latch.
        assert!(state.restore("redis", now, wall(), false).is_some());
        let (probes, group) = every(&state);
        assert_eq!(probes[Probe::Startup.index()], Status::Ok, "a latch");
        assert_eq!(probes[Probe::Readiness.index()], Status::Down);
        assert_eq!(group, Status::Down);
        assert!(state.restore("redis", now, wall(), false).is_none());
        assert!(state.restore("nope", now, wall(), false).is_none());
    }

    #[test]
    fn overdue_demotions_are_found_by_their_deadline() {
        let mut state = State::default();
        let now = Instant::now();
        let rule = state.history;
        for (name, until) in [("a", Some(10)), ("b", Some(20)), ("c", None)] {
            let until =
                until.map(|s| Deadline::after(Duration::from_secs(s), now, wall()).unwrap());
            let mut component = Component::new(ComponentKind::Manual, true);
            component.demote(Demotion::new("x", until, now, wall()), now, rule);
            state.components.insert(name.into(), component);
        }
        state
            .components
            .insert("d".into(), Component::new(ComponentKind::Manual, true));
        assert!(state.overdue(now).is_empty());
        assert_eq!(state.overdue(now + Duration::from_secs(10)), ["a"]);
        assert_eq!(state.overdue(now + Duration::from_secs(3600)), ["a", "b"]);
    }
}
