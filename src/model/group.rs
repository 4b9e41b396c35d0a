//! [`Group`]: a probe of your own, on its own path, counting the components you choose.

/// A probe of your own: a name, a path, and the components it counts. It answers exactly
/// like the built-in probes (503 while failing, `?verbose`, `?exclude=`, `/<path>/<member>`,
/// health+json, `HEAD`, `405`), from a body rendered once per change, and like readiness it
/// fails while the lifecycle holds the service out of traffic (starting, draining, refusing
/// traffic, in maintenance, broken).
///
/// Its members are checks or components that must be registered
/// ([`members`](Self::members)), ones this deployment may leave out
/// ([`optional_members`](Self::optional_members)), and the members of other groups
/// ([`members_of`](Self::members_of)). All are resolved when the handle is built, so a probe
/// on the group's path reads the snapshot like any other.
///
/// Register it with [`HealthBuilder::group`](crate::health::HealthBuilder::group):
///
/// ```
/// use tower_health::{Group, Health};
///
/// let health = Health::builder()
///     .component("database")
///     .component("redis")
///     // A load-balancer probe that only cares about the database.
///     .group(Group::new("lb", "/lbz").members(["database"]))
///     .build();
/// health.mark_started();
/// health.mark_up("database");
/// let snapshot = health.snapshot();
/// assert_eq!(snapshot.group_status("lb").unwrap(), tower_health::Status::Ok);
/// assert_eq!(snapshot.status(tower_health::Probe::Readiness), tower_health::Status::Down);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub struct Group {
    pub(crate) name: String,
    pub(crate) path: String,
    /// Members that must be registered; once built, those of the nested groups too.
    pub(crate) members: Vec<String>,
    /// Members that may be absent; once built, those of the nested groups too (never one
    /// that is also required).
    pub(crate) optional: Vec<String>,
    /// The groups whose members it counts too, as named.
    pub(crate) nested: Vec<String>,
    pub(crate) fail_when_degraded: bool,
}

impl Group {
    /// A group named `name` (its name in metrics, gRPC and bodies) answering on `path`.
    pub fn new(name: impl Into<String>, path: impl Into<String>) -> Self {
        Group {
            name: name.into(),
            path: path.into(),
            members: Vec::new(),
            optional: Vec::new(),
            nested: Vec::new(),
            fail_when_degraded: false,
        }
    }

    /// Count these checks or manual components (added to any named before). Each must be
    /// registered: [`try_build`](crate::health::HealthBuilder::try_build) refuses a name it
    /// does not know.
    pub fn members<I>(mut self, names: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        self.members.extend(names.into_iter().map(Into::into));
        self
    }

    /// Count these checks or components where this deployment has them, and ignore them
    /// where it does not: one configuration for deployments with and without a cache, say.
    ///
    /// An optional member that is registered (or added later by
    /// [`mark_up`](crate::health::Health::mark_up)) counts like any member. One that is
    /// not is left out of the verdict, and the group's bodies say so: `?verbose` lists it
    /// as `[+]cache absent: optional, not configured`, the JSON body under
    /// `"absent_optional"`, health+json in its `notes`. A name given both here and to
    /// [`members`](Self::members) is required.
    ///
    /// ```
    /// use tower_health::{Group, Health, Status};
    ///
    /// // This deployment runs without a cache.
    /// let health = Health::builder()
    ///     .component("database")
    ///     .group(Group::new("lb", "/lbz").members(["database"]).optional_members(["cache"]))
    ///     .build();
    /// health.mark_started();
    /// health.mark_up("database");
    /// assert_eq!(health.snapshot().group_status("lb"), Some(Status::Ok));
    /// ```
    pub fn optional_members<I>(mut self, names: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        self.optional.extend(names.into_iter().map(Into::into));
        self
    }

    /// Count the members of these groups too: their required and optional members, and
    /// those of the groups they nest in turn. Membership is resolved when the handle is
    /// built, into one set of components judged by this group's own rules (its
    /// [`fail_when_degraded`](Self::fail_when_degraded), not the nested group's): a
    /// component in two nested groups counts once, and the body lists each member, never
    /// a nested group's verdict.
    ///
    /// [`try_build`](crate::health::HealthBuilder::try_build) refuses a name that is not a
    /// group, and groups that nest each other in a cycle, naming the cycle.
    ///
    /// ```
    /// use tower_health::{Group, Health, Status};
    ///
    /// let health = Health::builder()
    ///     .component("database")
    ///     .non_critical_component("search")
    ///     .group(Group::new("lb", "/lbz").members(["database"]))
    ///     // Everything the load balancer needs, and search.
    ///     .group(Group::new("deep", "/deep").members_of(["lb"]).members(["search"]))
    ///     .build();
    /// health.mark_started();
    /// health.mark_up("search");
    /// assert_eq!(health.snapshot().group_status("deep"), Some(Status::Down));
    /// health.mark_up("database");
    /// assert_eq!(health.snapshot().group_status("deep"), Some(Status::Ok));
    /// ```
    pub fn members_of<I>(mut self, groups: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        self.nested.extend(groups.into_iter().map(Into::into));
        self
    }

    /// Answer 503 when the group is `degraded` (a non-critical member failing), instead of
    /// the default 200.
    ///
    /// ```
    /// use tower_health::Group;
    ///
    /// let strict = Group::new("deep", "/deep").members(["search"]).fail_when_degraded();
    /// ```
    pub fn fail_when_degraded(mut self) -> Self {
        self.fail_when_degraded = true;
        self
    }

    /// Its name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The path it answers on.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The names of the components it requires. Once the handle is built (a group from
    /// [`Snapshot::groups`](crate::health::Snapshot::groups)), the required members of the
    /// groups it nests too.
    pub fn member_names(&self) -> impl Iterator<Item = &str> {
        self.members.iter().map(String::as_str)
    }

    /// The names of its optional members, present or not. Once the handle is built, the
    /// optional members of the groups it nests too, less any that another part requires.
    ///
    /// ```
    /// use tower_health::Group;
    ///
    /// let lb = Group::new("lb", "/lbz").members(["database"]).optional_members(["cache"]);
    /// assert!(lb.optional_member_names().eq(["cache"]));
    /// ```
    pub fn optional_member_names(&self) -> impl Iterator<Item = &str> {
        self.optional.iter().map(String::as_str)
    }

    /// The names of the groups whose members it counts too, as given to
    /// [`members_of`](Self::members_of).
    ///
    /// ```
    /// use tower_health::Group;
    ///
    /// let deep = Group::new("deep", "/deep").members_of(["lb"]);
    /// assert!(deep.nested_group_names().eq(["lb"]));
    /// ```
    pub fn nested_group_names(&self) -> impl Iterator<Item = &str> {
        self.nested.iter().map(String::as_str)
    }

    /// Whether the component `name` counts toward its verdict (when present).
    pub(crate) fn counts(&self, name: &str) -> bool {
        self.members.iter().chain(&self.optional).any(|m| m == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::component::{Component, ComponentKind};
    use crate::model::probe::Probe;
    use crate::model::scope::Scope;
    use crate::model::state::State;
    use crate::model::status::{ComponentStatus, Status};
    use crate::model::target::Target;

    fn component(state: &mut State, name: &str, status: ComponentStatus) {
        let mut component = Component::new(ComponentKind::Manual, true);
        component.status = status;
        state.components.insert(name.to_owned(), component);
    }

    #[test]
    fn an_absent_optional_member_is_ignored_and_a_present_one_counts() {
        let mut state = State::default();
        state.lifecycle.started = true;
        component(&mut state, "db", ComponentStatus::Up);
        let lb = Group::new("lb", "/lbz")
            .members(["db"])
            .optional_members(["cache"]);
        state.groups = vec![lb].into();
        let lb = state.group("lb").unwrap();
        assert_eq!(state.verdict(lb, Scope::All), Status::Ok);
        assert!(state.absent(lb).eq(["cache"]));
        assert_eq!(state.absent(Target::Probe(Probe::Readiness)).count(), 0);
        component(&mut state, "cache", ComponentStatus::Down);
        assert_eq!(state.verdict(lb, Scope::All), Status::Down);
        assert_eq!(state.absent(lb).count(), 0);
        let cache = &state.components["cache"];
        assert!(state.counted_by("cache", cache).eq(["readiness", "lb"]));
    }
}
