//! [`Group`]: a probe of your own, on its own path, counting the components you choose.

/// A probe of your own: a name, a path, and the components it counts. It answers exactly
/// like the built-in probes (503 while failing, `?verbose`, `?exclude=`, `/<path>/<member>`,
/// health+json, `HEAD`, `405`), from a body rendered once per change, and like readiness it
/// fails while the lifecycle holds the service out of traffic (starting, draining, refusing
/// traffic, in maintenance, broken).
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
    pub(crate) members: Vec<String>,
    pub(crate) fail_when_degraded: bool,
}

impl Group {
    /// A group named `name` (its name in metrics, gRPC and bodies) answering on `path`.
    pub fn new(name: impl Into<String>, path: impl Into<String>) -> Self {
        Group {
            name: name.into(),
            path: path.into(),
            members: Vec::new(),
            fail_when_degraded: false,
        }
    }

    /// Count these checks or manual components (added to any named before).
    pub fn members<I>(mut self, names: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        self.members.extend(names.into_iter().map(Into::into));
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

    /// The names of the components it counts.
    pub fn member_names(&self) -> impl Iterator<Item = &str> {
        self.members.iter().map(String::as_str)
    }
}
