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
    /// Its path must not be another probe's or group's, each required member must be
    /// registered, each nested group too, and groups may not nest each other in a cycle;
    /// [`try_build`](Self::try_build) says which mistake it found, naming the path, member,
    /// group or cycle.
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
    mut groups: Vec<Group>,
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
        check_members(state, &groups, group)?;
    }
    crate::model::nesting::resolve(&mut groups)?;
    state.groups = groups.into();
    Ok(())
}

/// What `group` names as it was given: each required member registered, no group named
/// where a component belongs and no component where a group does (with a hint to the
/// right method). Nested groups that are not registered and cycles are found when the
/// nesting is resolved.
fn check_members(state: &State, groups: &[Group], group: &Group) -> Result<(), String> {
    let name = &group.name;
    let is_group = |member: &str| groups.iter().any(|other| other.name == member);
    let as_group = "a group: count its members with `members_of`";
    if let Some(unknown) = group
        .member_names()
        .find(|m| !state.components.contains_key(*m))
    {
        let hint = match is_group(unknown) {
            true => format!(" ({as_group})"),
            false => String::new(),
        };
        return Err(format!(
            "group {name:?}: member {unknown:?} is not registered{hint}"
        ));
    }
    if let Some(member) = group.optional_member_names().find(|m| is_group(m)) {
        return Err(format!(
            "group {name:?}: optional member {member:?} is {as_group}"
        ));
    }
    if let Some(nested) = group
        .nested_group_names()
        .find(|n| !is_group(n) && state.components.contains_key(*n))
    {
        return Err(format!(
            "group {name:?}: nested group {nested:?} is not registered \
             (a component: count it with `members`)"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::health::Health;
    use crate::model::group::Group;
    use crate::model::status::Status;

    fn refused(group: Group) -> String {
        Health::builder()
            .component("database")
            .group(Group::new("lb", "/lbz").members(["database"]))
            .group(group)
            .try_build()
            .unwrap_err()
            .message()
            .to_owned()
    }

    #[test]
    fn nested_and_optional_members_resolve_when_built() {
        let health = Health::builder()
            .component("database")
            .non_critical_component("search")
            .group(
                Group::new("deep", "/deep")
                    .members_of(["lb"])
                    .members(["search"]),
            )
            .group(
                Group::new("lb", "/lbz")
                    .members(["database"])
                    .optional_members(["cache"]),
            )
            .build();
        let snapshot = health.snapshot();
        let deep = snapshot.groups().next().unwrap();
        assert!(deep.member_names().eq(["search", "database"]));
        assert!(deep.optional_member_names().eq(["cache"]));
        assert!(deep.nested_group_names().eq(["lb"]));
        health.mark_started();
        health.mark_up("database");
        assert_eq!(
            health.snapshot().group_status("deep"),
            Some(Status::Degraded)
        );
        // An optional member added later counts from then on.
        health.mark_down("cache", "evicted");
        assert_eq!(health.snapshot().group_status("lb"), Some(Status::Down));
        assert_eq!(health.snapshot().group_status("deep"), Some(Status::Down));
    }

    #[test]
    fn a_group_where_a_component_belongs_and_the_reverse_are_refused_with_a_hint() {
        assert_eq!(
            refused(Group::new("deep", "/deep").members(["lb"])),
            "group \"deep\": member \"lb\" is not registered \
             (a group: count its members with `members_of`)"
        );
        assert_eq!(
            refused(Group::new("deep", "/deep").optional_members(["lb"])),
            "group \"deep\": optional member \"lb\" is a group: count its members with `members_of`"
        );
        assert_eq!(
            refused(Group::new("deep", "/deep").members_of(["database"])),
            "group \"deep\": nested group \"database\" is not registered \
             (a component: count it with `members`)"
        );
        assert_eq!(
            refused(Group::new("deep", "/deep").members_of(["nope"])),
            "group \"deep\": nested group \"nope\" is not registered"
        );
        assert_eq!(
            refused(
                Group::new("deep", "/deep")
                    .members(["nope"])
                    .optional_members(["nope"])
            ),
            "group \"deep\": member \"nope\" is not registered",
            "required wins"
        );
    }
}
