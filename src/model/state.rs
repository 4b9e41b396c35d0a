//! [`State`]: lifecycle and components, and the verdict rules every probe reads.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::component::Component;
use super::lifecycle::Lifecycle;
use super::meta::Meta;
use super::probe::Probe;
use super::scope::Scope;
use super::status::Status;

/// The state the mutable parts of the handle write, before rendering.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct State {
    pub(crate) lifecycle: Lifecycle,
    pub(crate) components: BTreeMap<String, Component>,
    /// Checks that must have passed once before the service counts as started.
    pub(crate) startup_requires: Vec<String>,
    pub(crate) meta: Arc<Meta>,
}

impl State {
    /// Started: [`Health::mark_started`](crate::health::Health::mark_started) was called and every
    /// check required for startup has passed once. Both are latches.
    pub(crate) fn is_started(&self) -> bool {
        self.lifecycle.started
            && self.startup_requires.iter().all(|name| {
                self.components
                    .get(name)
                    .is_some_and(|component| component.ever_up)
            })
    }

    /// The verdict of a probe; see the crate docs for the rules.
    pub(crate) fn status(&self, probe: Probe) -> Status {
        self.verdict(probe, Scope::All)
    }

    /// The verdict of a probe counting only the components in `scope`.
    pub(crate) fn verdict(&self, probe: Probe, scope: Scope<'_>) -> Status {
        if let Scope::Only(name) = scope {
            let up = self.components.get(name).is_some_and(|c| c.status.is_up());
            return if up { Status::Ok } else { Status::Down };
        }
        match probe {
            Probe::Liveness if self.lifecycle.broken.is_some() => Status::Down,
            Probe::Liveness => Status::Ok,
            Probe::Startup if self.is_started() => Status::Ok,
            Probe::Startup => Status::Down,
            Probe::Readiness | Probe::Combined => {
                if self.lifecycle_reason().is_some() {
                    return Status::Down;
                }
                self.components_status(scope)
            }
        }
    }

    /// Why the lifecycle alone keeps readiness down, if it does.
    pub(crate) fn lifecycle_reason(&self) -> Option<&str> {
        let lifecycle = &self.lifecycle;
        if lifecycle.broken.is_some() {
            Some("broken")
        } else if lifecycle.draining {
            Some("shutting down")
        } else if let Some(maintenance) = &lifecycle.maintenance {
            Some(&maintenance.reason)
        } else if let Some(reason) = &lifecycle.refusing {
            Some(reason)
        } else if !self.is_started() {
            Some("starting")
        } else {
            None
        }
    }

    fn components_status(&self, scope: Scope<'_>) -> Status {
        let mut status = Status::Ok;
        let counted = self
            .components
            .iter()
            .filter(|(name, _)| scope.counts(name));
        for (_, component) in counted {
            if !component.status.is_up() {
                if component.critical {
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

    fn with(mut state: State, name: &str, critical: bool, status: ComponentStatus) -> State {
        let mut component = Component::new(ComponentKind::Manual, critical);
        component.status = status;
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
        assert_eq!(state.lifecycle_reason(), Some("starting"));
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
        assert_eq!(state.lifecycle_reason(), Some("maintenance"));
        state.lifecycle.draining = true;
        assert_eq!(state.lifecycle_reason(), Some("shutting down"));
        state.lifecycle.broken = Some("deadlock".into());
        assert_eq!(state.lifecycle_reason(), Some("broken"));
        assert_eq!(state.status(Probe::Liveness), Status::Down);
        assert_eq!(state.status(Probe::Startup), Status::Ok);
    }
}
