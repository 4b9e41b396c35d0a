//! The builder's probe composition: which probes each component counts for, startup
//! requirements, groups of the operator's own, and how `degraded` answers.

use super::HealthBuilder;
use crate::model::component::{Component, ComponentKind};
use crate::model::group::Group;
use crate::model::probe::Probe;
use crate::model::state::State;

impl HealthBuilder {
    /// Register a critical manual component that counts for `probes` instead of readiness
    /// alone: liveness for a worker loop's heartbeat, startup for a one-time job, both
    /// readiness and liveness for a consumer that must be connected and must not be wedged,
    /// or none (`[]`) to report it without failing any probe.
    ///
    /// ```
    /// use tower_health::{Health, Probe, Status};
    ///
    /// let health = Health::builder()
    ///     .component_for("consumer", [Probe::Readiness, Probe::Liveness])
    ///     .build();
    /// health.mark_started();
    /// health.mark_down("consumer", "wedged");
    /// assert_eq!(health.snapshot().status(Probe::Liveness), Status::Down);
    /// assert_eq!(health.snapshot().status(Probe::Readiness), Status::Down);
    /// ```
    pub fn component_for(
        mut self,
        name: impl Into<String>,
        probes: impl IntoIterator<Item = Probe>,
    ) -> Self {
        let mut component = Component::new(ComponentKind::Manual, true);
        component.probes = probes.into_iter().collect();
        self.state.components.insert(name.into(), component);
        self
    }

    /// Count the service as started only once the check or component named `name` has
    /// passed once, on top of [`Health::mark_started`](super::Health::mark_started): a
    /// shorthand for adding [`Probe::Startup`] to what it counts for, keeping the rest. For
    /// a check that gates startup only, give it `.probes([Probe::Startup])` instead.
    ///
    /// Until then the startup and readiness probes answer 503 (`"starting"`). Once met, the
    /// requirement is a latch like `mark_started`: a later failure of the check fails
    /// readiness (if it counts for readiness), never startup.
    ///
    /// ```
    /// use tower_health::{Health, Probe, Status};
    ///
    /// let health = Health::builder()
    ///     .check("migrations", || async { Ok::<(), String>(()) })
    ///     .require_for_startup("migrations")
    ///     .build();
    /// health.mark_started();
    /// // The check has not passed yet.
    /// assert_eq!(health.snapshot().status(Probe::Startup), Status::Down);
    /// ```
    pub fn require_for_startup(mut self, name: impl Into<String>) -> Self {
        self.startup.push(name.into());
        self
    }

    /// Add a probe of your own: a [`Group`] on its own path, counting the members it names.
    /// Its path must not be another probe's or group's; [`try_build`](Self::try_build) says
    /// so, naming the path.
    ///
    /// ```
    /// use tower_health::{Group, Health};
    ///
    /// let health = Health::builder()
    ///     .check("database", || async { Ok::<(), String>(()) })
    ///     .group(Group::new("lb", "/lbz").members(["database"]))
    ///     .build();
    /// ```
    pub fn group(mut self, group: Group) -> Self {
        self.groups.push(group);
        self
    }

    /// Answer 503 instead of 200 when `probe` is `degraded` (a non-critical member
    /// failing). For a group, see [`Group::fail_when_degraded`].
    ///
    /// ```
    /// use tower_health::{Health, Probe, Status};
    ///
    /// let health = Health::builder()
    ///     .non_critical_component("search")
    ///     .fail_when_degraded(Probe::Readiness)
    ///     .build();
    /// health.mark_started();
    /// assert_eq!(health.snapshot().status(Probe::Readiness), Status::Degraded);
    /// assert!(!health.snapshot().passes(Probe::Readiness));
    /// assert!(health.snapshot().passes(Probe::Combined));
    /// ```
    pub fn fail_when_degraded(mut self, probe: Probe) -> Self {
        self.state.fail_when_degraded[probe.index()] = true;
        self
    }
}

/// Apply what the builder was told about startup requirements, and check the groups.
pub(super) fn compose(
    state: &mut State,
    startup: Vec<String>,
    groups: Vec<Group>,
) -> Result<(), String> {
    for name in startup {
        let Some(component) = state.components.get_mut(&name) else {
            return Err(format!(
                "{name:?} is required for startup but is not registered"
            ));
        };
        component.probes = component.probes.with(Probe::Startup);
    }
    for (position, group) in groups.iter().enumerate() {
        let name = &group.name;
        if Probe::ALL.iter().any(|probe| probe.name() == name)
            || groups[..position].iter().any(|other| other.name == *name)
            || state.components.contains_key(name)
        {
            return Err(format!(
                "group {name:?}: the name is taken (by a probe, a group or a component)"
            ));
        }
        let path = &group.path;
        if let Err(problem) = crate::model::path::validate(path) {
            return Err(format!("group {name:?}: invalid path {path:?}: {problem}"));
        }
        let taken = Probe::ALL.iter().any(|probe| probe.default_path() == path)
            || groups[..position].iter().any(|other| other.path == *path);
        if taken {
            return Err(format!(
                "group {name:?}: path {path:?} is already the path of another probe or group"
            ));
        }
        if let Some(unknown) = group
            .member_names()
            .find(|m| !state.components.contains_key(*m))
        {
            return Err(format!(
                "group {name:?}: member {unknown:?} is not registered"
            ));
        }
    }
    state.groups = groups.into();
    Ok(())
}
