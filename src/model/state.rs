//! [`State`]: lifecycle and components, and the verdict rules every probe reads.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::Arc;

use super::component::Component;
use super::group::Group;
use super::history::HistoryRule;
use super::lifecycle::Lifecycle;
use super::meta::Meta;
use super::probe::Probe;
use super::scope::Scope;
use super::status::{ComponentStatus, Status};
use super::target::Target;

/// The state the mutable parts of the handle write, before rendering.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct State {
    pub(crate) lifecycle: Lifecycle,
    pub(crate) components: BTreeMap<String, Component>,
    /// Probes of the operator's own, in registration order.
    pub(crate) groups: Arc<[Group]>,
    /// Per built-in probe ([`Probe::index`]): whether `degraded` answers 503.
    pub(crate) fail_when_degraded: [bool; Probe::ALL.len()],
    pub(crate) meta: Arc<Meta>,
    /// How much of each component's past to keep, and when it is flapping.
    pub(crate) history: HistoryRule,
}

impl State {
    /// Started: [`Health::mark_started`](crate::health::Health::mark_started) was called,
    /// every start-up gate is open and every startup member has passed once. Latches all
    /// (the handle takes no gate once started).
    pub(crate) fn is_started(&self) -> bool {
        self.lifecycle.started
            && self.lifecycle.gates.all_open()
            && self
                .components
                .values()
                .filter(|component| component.probes.contains(Probe::Startup))
                .filter(|component| !component.is_demoted())
                .all(|component| component.ever_up)
    }

    /// Why start-up has not completed, if it has not: `starting`, naming the gates still
    /// closed, or `start-up failed` naming the tasks that panicked.
    pub(crate) fn startup_reason(&self) -> Option<Cow<'static, str>> {
        (!self.is_started()).then(|| self.lifecycle.gates.reason())
    }

    /// The verdict of a built-in probe; see the crate docs for the rules.
    pub(crate) fn status(&self, probe: Probe) -> Status {
        self.verdict(Target::Probe(probe), Scope::All)
    }

    /// The verdict for `target` counting only its members in `scope`.
    pub(crate) fn verdict(&self, target: Target, scope: Scope<'_>) -> Status {
        if let Scope::Only(name) = scope {
            return match self.components.get(name).map(|c| c.status) {
                Some(ComponentStatus::Up) => Status::Ok,
                Some(ComponentStatus::Degraded) => Status::Degraded,
                _ => Status::Down,
            };
        }
        match target {
            Target::Probe(Probe::Liveness) if self.lifecycle.broken.is_some() => Status::Down,
            Target::Probe(Probe::Liveness) => self.members_status(target, scope),
            Target::Probe(Probe::Startup) if self.is_started() => Status::Ok,
            Target::Probe(Probe::Startup) => Status::Down,
            Target::Probe(Probe::Readiness | Probe::Combined) | Target::Group(_) => {
                if self.lifecycle_reason().is_some() {
                    return Status::Down;
                }
                self.members_status(target, scope)
            }
        }
    }

    /// Whether `status`, the verdict for `target`, passes: `ok`, or `degraded` unless the
    /// target maps `degraded` to 503.
    pub(crate) fn passes(&self, target: Target, status: Status) -> bool {
        let degraded_fails = match target {
            Target::Probe(probe) => self.fail_when_degraded[probe.index()],
            Target::Group(group) => self.groups[group].fail_when_degraded,
        };
        match status {
            Status::Ok => true,
            Status::Degraded => !degraded_fails,
            Status::Down => false,
        }
    }

    /// Whether the component `name` is a member of `target`: one of its probes, or named by
    /// the group. A member counts toward the verdict unless an operator demoted it
    /// ([`judges`](Self::judges)).
    pub(crate) fn counts(&self, target: Target, name: &str, component: &Component) -> bool {
        match target {
            Target::Probe(probe) => component.probes.contains(probe),
            Target::Group(group) => self.groups[group].counts(name),
        }
    }

    /// Whether the verdict for `target` judges the component `name`: a member, not demoted.
    pub(crate) fn judges(&self, target: Target, name: &str, component: &Component) -> bool {
        !component.is_demoted() && self.counts(target, name, component)
    }

    /// The optional members of `target` this deployment does not have: left out of its
    /// verdict, and said so in its bodies. None for a built-in probe.
    pub(crate) fn absent(&self, target: Target) -> impl Iterator<Item = &str> {
        let optional = match target {
            Target::Group(group) => self.groups[group].optional.as_slice(),
            Target::Probe(_) => &[],
        };
        optional
            .iter()
            .map(String::as_str)
            .filter(|name| !self.components.contains_key(*name))
    }

    /// Whether the body for `target` lists the component `name`: its members, and for the
    /// combined probe every component, report-only ones included.
    pub(crate) fn lists(&self, target: Target, name: &str, component: &Component) -> bool {
        target == Target::Probe(Probe::Combined) || self.counts(target, name, component)
    }

    /// The names of what the component `name` counts for: its built-in probes, then the
    /// groups that list it.
    pub(crate) fn counted_by<'a>(
        &'a self,
        name: &'a str,
        component: &'a Component,
    ) -> impl Iterator<Item = &'a str> {
        let groups = self.groups.iter().filter(move |group| group.counts(name));
        let probes = component
            .probes
            .iter()
            .map(|probe| -> &'a str { probe.name() });
        probes.chain(groups.map(Group::name))
    }

    /// The group named `name`.
    pub(crate) fn group(&self, name: &str) -> Option<Target> {
        let position = self.groups.iter().position(|group| group.name == name)?;
        Some(Target::Group(position))
    }

    /// Every target: the built-in probes, then the groups.
    pub(crate) fn targets(&self) -> impl Iterator<Item = Target> + use<> {
        let groups = (0..self.groups.len()).map(Target::Group);
        Probe::ALL.into_iter().map(Target::Probe).chain(groups)
    }

    /// The name of `target`: the probe's (`readiness`, …) or the group's.
    pub(crate) fn name(&self, target: Target) -> &str {
        match target {
            Target::Probe(probe) => probe.name(),
            Target::Group(group) => &self.groups[group].name,
        }
    }

    /// Why the lifecycle alone keeps readiness (and groups) down, if it does.
    pub(crate) fn lifecycle_reason(&self) -> Option<Cow<'_, str>> {
        let lifecycle = &self.lifecycle;
        if lifecycle.broken.is_some() {
            Some("broken".into())
        } else if lifecycle.draining {
            Some("shutting down".into())
        } else if let Some(maintenance) = &lifecycle.maintenance {
            Some(maintenance.reason.as_str().into())
        } else if let Some(reason) = &lifecycle.refusing {
            Some(reason.as_str().into())
        } else {
            self.startup_reason()
        }
    }

    /// `down` when a critical member in `scope` is not up, `degraded` when only
    /// non-critical ones are not, `ok` otherwise.
    fn members_status(&self, target: Target, scope: Scope<'_>) -> Status {
        let mut status = Status::Ok;
        let counted = self
            .components
            .iter()
            .filter(|(name, component)| scope.counts(name) && self.judges(target, name, component));
        for (_, component) in counted {
            if component.status == ComponentStatus::Degraded {
                status = Status::Degraded;
            } else if !component.status.is_up() {
                if component.critical && !self.held_by_the_fleet(target, component) {
                    return Status::Down;
                }
                status = Status::Degraded;
            }
        }
        status
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::component::ComponentKind;
    use crate::model::fleet::FleetView;
    use crate::model::probe_set::ProbeSet;
    use crate::model::status::ComponentStatus;

    fn started() -> State {
        State {
            lifecycle: Lifecycle {
                started: true,
                ..Lifecycle::default()
            },
            ..State::default()
        }
    }

    fn with(state: State, name: &str, critical: bool, status: ComponentStatus) -> State {
        member(state, name, critical, status, ProbeSet::READINESS)
    }

    fn member(
        mut state: State,
        name: &str,
        critical: bool,
        status: ComponentStatus,
        probes: ProbeSet,
    ) -> State {
        let mut component = Component::new(ComponentKind::Manual, critical);
        component.status = status;
        component.probes = probes;
        state.components.insert(name.to_owned(), component);
        state
    }

    #[test]
    fn a_fresh_state_is_alive_but_not_started_or_ready() {
        let state = State::default();
        assert_eq!(state.status(Probe::Liveness), Status::Ok);
        assert_eq!(state.status(Probe::Startup), Status::Down);
        assert_eq!(state.status(Probe::Readiness), Status::Down);
        assert_eq!(state.status(Probe::Combined), Status::Down);
        assert_eq!(state.lifecycle_reason().as_deref(), Some("starting"));
    }

    #[test]
    fn started_with_no_components_is_ready() {
        let state = started();
        assert_eq!(state.status(Probe::Readiness), Status::Ok);
        assert_eq!(state.status(Probe::Startup), Status::Ok);
        assert_eq!(state.lifecycle_reason(), None);
    }

    #[test]
    fn unknown_critical_component_fails_readiness() {
        let state = with(started(), "db", true, ComponentStatus::Unknown);
        assert_eq!(state.status(Probe::Readiness), Status::Down);
        assert_eq!(state.status(Probe::Liveness), Status::Ok);
    }

    #[test]
    fn failing_non_critical_component_degrades() {
        let state = with(started(), "search", false, ComponentStatus::Down);
        assert_eq!(state.status(Probe::Readiness), Status::Degraded);
        assert!(state.status(Probe::Readiness).is_passing());
        let state = with(state, "db", true, ComponentStatus::Down);
        assert_eq!(state.status(Probe::Combined), Status::Down);
    }

    #[test]
    fn lifecycle_reasons_in_priority_order() {
        let mut state = started();
        state.lifecycle.refusing = Some("maintenance".into());
        assert_eq!(state.lifecycle_reason().as_deref(), Some("maintenance"));
        state.lifecycle.draining = true;
        assert_eq!(state.lifecycle_reason().as_deref(), Some("shutting down"));
        state.lifecycle.broken = Some("deadlock".into());
        assert_eq!(state.lifecycle_reason().as_deref(), Some("broken"));
        assert_eq!(state.status(Probe::Liveness), Status::Down);
        assert_eq!(state.status(Probe::Startup), Status::Ok);
    }

    #[test]
    fn each_probe_counts_its_own_members() {
        let liveness = ProbeSet::NONE.with(Probe::Liveness);
        let state = member(started(), "loop", true, ComponentStatus::Down, liveness);
        assert_eq!(state.status(Probe::Liveness), Status::Down);
        assert_eq!(
            state.status(Probe::Readiness),
            Status::Ok,
            "not a readiness member"
        );
        let both = liveness.with(Probe::Readiness);
        let state = member(started(), "consumer", true, ComponentStatus::Down, both);
        assert_eq!(state.status(Probe::Liveness), Status::Down);
        assert_eq!(state.status(Probe::Readiness), Status::Down);
    }

    #[test]
    fn report_only_components_never_fail_a_probe() {
        let state = member(
            started(),
            "search",
            true,
            ComponentStatus::Down,
            ProbeSet::NONE,
        );
        for probe in Probe::ALL {
            assert_eq!(state.status(probe), Status::Ok, "{probe}");
        }
        let search = &state.components["search"];
        assert!(state.lists(Target::Probe(Probe::Combined), "search", search));
        assert!(!state.lists(Target::Probe(Probe::Readiness), "search", search));
    }

    #[test]
    fn startup_members_gate_startup_once() {
        let startup = ProbeSet::NONE.with(Probe::Startup);
        let mut state = member(
            started(),
            "migrations",
            true,
            ComponentStatus::Unknown,
            startup,
        );
        assert_eq!(state.status(Probe::Startup), Status::Down);
        assert_eq!(state.lifecycle_reason().as_deref(), Some("starting"));
        let migrations = state.components.get_mut("migrations").unwrap();
        migrations.status = ComponentStatus::Up;
        migrations.ever_up = true;
        assert_eq!(state.status(Probe::Startup), Status::Ok);
        state.components.get_mut("migrations").unwrap().status = ComponentStatus::Down;
        assert_eq!(state.status(Probe::Startup), Status::Ok, "a latch");
        assert_eq!(state.status(Probe::Readiness), Status::Ok, "startup only");
    }

    #[test]
    fn groups_count_their_members_and_the_lifecycle() {
        let mut state = with(started(), "db", true, ComponentStatus::Up);
        state = with(state, "redis", true, ComponentStatus::Down);
        state.groups = vec![Group::new("lb", "/lbz").members(["db"])].into();
        let lb = state.group("lb").unwrap();
        assert_eq!(state.verdict(lb, Scope::All), Status::Ok);
        assert_eq!(state.status(Probe::Readiness), Status::Down);
        assert_eq!(state.name(lb), "lb");
        state.lifecycle.draining = true;
        assert_eq!(state.verdict(lb, Scope::All), Status::Down);
    }

    #[test]
    fn degraded_answers_503_where_mapped() {
        let mut state = with(started(), "search", false, ComponentStatus::Down);
        let readiness = Target::Probe(Probe::Readiness);
        assert!(state.passes(readiness, Status::Degraded));
        state.fail_when_degraded[Probe::Readiness.index()] = true;
        assert!(!state.passes(readiness, Status::Degraded));
        assert!(state.passes(Target::Probe(Probe::Combined), Status::Degraded));
        assert!(state.passes(readiness, Status::Ok));
        assert!(!state.passes(readiness, Status::Down));
    }

    #[test]
    fn a_fleet_wide_outage_degrades_readiness_but_never_touches_liveness() {
        let both = ProbeSet::READINESS.with(Probe::Liveness);
        let mut state = member(started(), "redis", true, ComponentStatus::Down, both);
        let readiness = Target::Probe(Probe::Readiness);
        assert_eq!(state.status(Probe::Readiness), Status::Down);
        let redis = state.components.get_mut("redis").unwrap();
        redis.fleet = Some(FleetView::new(3, 2, 1));
        assert_eq!(state.status(Probe::Readiness), Status::Down, "no majority");
        let redis = state.components.get_mut("redis").unwrap();
        redis.fleet = Some(FleetView::new(3, 2, 2));
        assert_eq!(state.status(Probe::Readiness), Status::Degraded);
        assert_eq!(state.status(Probe::Combined), Status::Degraded);
        assert_eq!(state.status(Probe::Liveness), Status::Down);
        let held: Vec<_> = state.held(readiness).map(|(name, _)| name).collect();
        assert_eq!(held, ["redis"]);
        assert_eq!(state.held(Target::Probe(Probe::Liveness)).count(), 0);
        // The per-check answer is the check's own status, never the fleet's verdict.
        assert_eq!(state.verdict(readiness, Scope::Only("redis")), Status::Down);
        // Up again: the view no longer holds anything.
        let redis = state.components.get_mut("redis").unwrap();
        redis.status = ComponentStatus::Up;
        assert_eq!(state.held(readiness).count(), 0);
    }
}
