//! An immutable picture of the service's health at one moment.

use std::collections::BTreeMap;
use std::sync::Arc;
use tokio::time::Instant;

use crate::component::Component;
use crate::render::Rendered;
use crate::{Probe, Status};

/// What the application said about itself: started, draining, refusing traffic, broken.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Lifecycle {
    pub(crate) started: bool,
    pub(crate) draining: bool,
    pub(crate) refusing: Option<String>,
    pub(crate) broken: Option<String>,
    pub(crate) maintenance: Option<Maintenance>,
}

/// Out of service for maintenance, until lifted or until a moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Maintenance {
    pub(crate) reason: String,
    pub(crate) until: Option<Instant>,
}

/// What the service says about itself in the IETF health+json format.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Meta {
    pub(crate) version: Option<String>,
    pub(crate) release_id: Option<String>,
    pub(crate) service_id: Option<String>,
}

/// Which components count toward a verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scope<'a> {
    /// Every component (the probe's normal verdict).
    All,
    /// Every component but these (`?exclude=`).
    Exclude(&'a [&'a str]),
    /// This one component only (`/readyz/<name>`); the lifecycle does not count.
    Only(&'a str),
}

impl Scope<'_> {
    pub(crate) fn counts(&self, name: &str) -> bool {
        match self {
            Scope::All => true,
            Scope::Exclude(names) => !names.contains(&name),
            Scope::Only(only) => *only == name,
        }
    }
}

/// The state the mutable parts of the handle write, before rendering.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct State {
    pub(crate) lifecycle: Lifecycle,
    pub(crate) components: BTreeMap<String, Component>,
    /// Checks that must have passed once before the service counts as started.
    pub(crate) startup_requires: Vec<String>,
    pub(crate) meta: Arc<Meta>,
}

/// An immutable picture of the service's health: lifecycle, every component, and the
/// response bodies rendered from them.
///
/// Obtained from [`Health::snapshot`](crate::Health::snapshot) or, on every change, from
/// [`Health::subscribe`](crate::Health::subscribe).
///
/// ```
/// use tower_health::{Health, Probe, Status};
///
/// let health = Health::builder().component("queue").build();
/// let snapshot = health.snapshot();
/// assert!(!snapshot.is_started());
/// assert_eq!(snapshot.status(Probe::Liveness), Status::Ok);
/// assert_eq!(snapshot.status(Probe::Readiness), Status::Down);
/// ```
#[derive(Debug)]
pub struct Snapshot {
    pub(crate) state: State,
    pub(crate) version: u64,
    pub(crate) rendered: Rendered,
    /// When something turns by itself: the oldest check result stops vouching for its
    /// check, or a maintenance window ends.
    pub(crate) expires_at: Option<Instant>,
}

impl Snapshot {
    pub(crate) fn new(state: State, version: u64) -> Self {
        let rendered = Rendered::new(&state);
        let maintenance_until = state.lifecycle.maintenance.as_ref().and_then(|m| m.until);
        let expires_at = state
            .components
            .values()
            .filter_map(|component| component.fresh_until)
            .chain(maintenance_until)
            .min();
        Snapshot {
            state,
            version,
            rendered,
            expires_at,
        }
    }

    /// Whether some check's last result is too old to vouch for it, or a maintenance window
    /// is over: the snapshot no longer tells the truth until refreshed.
    #[inline]
    pub(crate) fn is_expired(&self) -> bool {
        self.expires_at.is_some_and(|at| at <= Instant::now())
    }

    /// A number that grows by one with every change of the state.
    pub fn version(&self) -> u64 {
        self.version
    }

    /// Whether [`Health::mark_started`](crate::Health::mark_started) has been called and
    /// every check [required for startup](crate::HealthBuilder::require_for_startup) has
    /// passed once.
    pub fn is_started(&self) -> bool {
        self.state.is_started()
    }

    /// Whether the service is draining before shutdown.
    pub fn is_draining(&self) -> bool {
        self.state.lifecycle.draining
    }

    /// The reason given to [`Health::refuse_traffic`](crate::Health::refuse_traffic), while
    /// in force.
    pub fn refusing_reason(&self) -> Option<&str> {
        self.state.lifecycle.refusing.as_deref()
    }

    /// The reason given to [`Health::maintenance`](crate::Health::maintenance), while in force.
    pub fn maintenance_reason(&self) -> Option<&str> {
        let maintenance = self.state.lifecycle.maintenance.as_ref();
        maintenance.map(|maintenance| maintenance.reason.as_str())
    }

    /// The reason given to [`Health::mark_broken`](crate::Health::mark_broken), while in force.
    pub fn broken_reason(&self) -> Option<&str> {
        self.state.lifecycle.broken.as_deref()
    }

    /// Every component, by name in ascending order.
    pub fn components(&self) -> impl Iterator<Item = (&str, &Component)> {
        self.state
            .components
            .iter()
            .map(|(name, component)| (name.as_str(), component))
    }

    /// One component by name.
    pub fn component(&self, name: &str) -> Option<&Component> {
        self.state.components.get(name)
    }

    /// The verdict of a probe.
    pub fn status(&self, probe: Probe) -> Status {
        self.state.status(probe)
    }
}

impl State {
    /// Started: [`Health::mark_started`](crate::Health::mark_started) was called and every
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
    use crate::{ComponentKind, ComponentStatus};

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
