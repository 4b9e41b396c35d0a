//! The gRPC service names a state has and the status of each: what every gRPC health view
//! (the crate's own service, a tonic-health reporter) is told.

use super::pb::health_check_response::ServingStatus;
use crate::model::probe::Probe;
use crate::model::scope::Scope;
use crate::model::state::State;
use crate::model::target::Target;

/// The status of `""` (first), of every component, and of every group.
pub(super) fn serving_statuses(state: &State) -> impl Iterator<Item = (&str, ServingStatus)> {
    let passes = |target: Target| state.passes(target, state.verdict(target, Scope::All));
    let overall = serving(passes(Target::Probe(Probe::Readiness)));
    let draining = state.lifecycle.draining;
    let components = state.components.iter().map(move |(name, component)| {
        (
            name.as_str(),
            serving(!draining && component.status.is_passing()),
        )
    });
    let groups = (0..state.groups.len()).map(Target::Group);
    let groups = groups.map(move |group| (state.name(group), serving(passes(group))));
    std::iter::once(("", overall))
        .chain(components)
        .chain(groups)
}

fn serving(yes: bool) -> ServingStatus {
    if yes {
        ServingStatus::Serving
    } else {
        ServingStatus::NotServing
    }
}

/// A state with the lifecycle and manual components given, for the tests.
#[cfg(test)]
pub(super) fn state(
    started: bool,
    draining: bool,
    components: &[(&str, crate::model::status::ComponentStatus)],
) -> State {
    use crate::model::component::{Component, ComponentKind};
    let mut state = State::default();
    state.lifecycle.started = started;
    state.lifecycle.draining = draining;
    for &(name, status) in components {
        let mut component = Component::new(ComponentKind::Manual, true);
        component.status = status;
        state.components.insert(name.to_owned(), component);
    }
    state
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::component::{Component, ComponentKind};
    use crate::model::status::ComponentStatus;

    fn statuses(state: &State) -> Vec<(&str, ServingStatus)> {
        serving_statuses(state).collect()
    }

    use ServingStatus::{NotServing, Serving};

    #[test]
    fn overall_follows_readiness_and_components_their_own_status() {
        let s = state(false, false, &[("db", ComponentStatus::Up)]);
        assert_eq!(statuses(&s), [("", NotServing), ("db", Serving)]);
        let s = state(
            true,
            false,
            &[("db", ComponentStatus::Up), ("q", ComponentStatus::Unknown)],
        );
        assert_eq!(
            statuses(&s),
            [("", NotServing), ("db", Serving), ("q", NotServing)]
        );
        let s = state(true, false, &[("db", ComponentStatus::Up)]);
        assert_eq!(statuses(&s), [("", Serving), ("db", Serving)]);
    }

    #[test]
    fn a_failing_non_critical_component_keeps_the_server_serving() {
        let mut s = state(true, false, &[]);
        let mut search = Component::new(ComponentKind::Manual, false);
        search.status = ComponentStatus::Down;
        s.components.insert("search".into(), search);
        assert_eq!(statuses(&s), [("", Serving), ("search", NotServing)]);
    }

    #[test]
    fn draining_turns_everything_not_serving() {
        let s = state(true, true, &[("db", ComponentStatus::Up)]);
        assert_eq!(statuses(&s), [("", NotServing), ("db", NotServing)]);
    }

    #[test]
    fn groups_are_service_names_and_report_only_components_too() {
        let mut s = state(true, false, &[("db", ComponentStatus::Up)]);
        let mut search = Component::new(ComponentKind::Check, true);
        search.status = ComponentStatus::Down;
        search.probes = crate::model::probe_set::ProbeSet::NONE;
        s.components.insert("search".into(), search);
        s.groups = vec![
            crate::model::group::Group::new("lb", "/lbz").members(["db"]),
            crate::model::group::Group::new("deep", "/deep").members(["db", "search"]),
        ]
        .into();
        assert_eq!(
            statuses(&s),
            [
                ("", Serving),
                ("db", Serving),
                ("search", NotServing),
                ("lb", Serving),
                ("deep", NotServing),
            ]
        );
    }
}
