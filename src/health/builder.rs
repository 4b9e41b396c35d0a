//! [`HealthBuilder`]: what a [`Health`] starts with.

use std::sync::Arc;
use std::time::Duration;

use super::build_error::BuildError;
use super::composition::compose;
use super::defaults::Defaults;
use super::registry;
use super::{Details, Fleetwide, Health, Observed};
use crate::checks::{Check, NamedCheck};
use crate::model::component::{Component, ComponentKind};
use crate::model::group::Group;
use crate::model::meta::Meta;
use crate::model::probe::Probe;
use crate::model::state::State;
use crate::model::thresholds::Thresholds;
use crate::model::traffic::Traffic;

/// Configures a [`Health`]. Created by [`Health::builder`].
///
/// ```
/// use std::time::Duration;
/// use tower_health::{Health, NamedCheck, Probe, Status};
///
/// let health = Health::builder()
///     .check("cache-warm", || async { Ok::<(), String>(()) })
///     .add_check(NamedCheck::new("search", || async { Err("index offline") }).non_critical())
///     .component("queue-consumer")
///     .interval(Duration::from_secs(5))
///     .timeout(Duration::from_secs(2))
///     .build();
/// health.mark_started();
/// health.mark_up("queue-consumer");
/// // The checks have not run yet: unknown counts as failing.
/// assert_eq!(health.snapshot().status(Probe::Readiness), Status::Down);
/// ```
#[derive(Debug)]
#[must_use]
pub struct HealthBuilder {
    pub(super) state: State,
    pub(super) startup: Vec<String>,
    pub(super) groups: Vec<Group>,
    checks: Vec<NamedCheck>,
    interval: Duration,
    timeout: Duration,
    thresholds: Thresholds,
    details: Details,
    meta: Meta,
    initial_jitter: Option<Duration>,
    down_interval: Option<Duration>,
    pub(super) fleetwide: Fleetwide,
    pub(super) traffic: Option<Traffic>,
    /// How often the metrics are written again while nothing changes.
    pub(super) metrics_refresh: Duration,
}

impl Default for HealthBuilder {
    fn default() -> Self {
        HealthBuilder {
            state: State::default(),
            startup: Vec::new(),
            groups: Vec::new(),
            checks: Vec::new(),
            interval: Duration::from_secs(5),
            timeout: Duration::from_secs(2),
            thresholds: Thresholds::counts(3, 1),
            details: Details::Never,
            meta: Meta::default(),
            initial_jitter: None,
            down_interval: None,
            fleetwide: Fleetwide::default(),
            traffic: None,
            metrics_refresh: Duration::from_secs(10),
        }
    }
}

impl HealthBuilder {
    /// Register a critical dependency check named `name`, run by the background engine
    /// (see [`Health::start_checks`]) with the builder's defaults.
    pub fn check(self, name: impl Into<String>, check: impl Check) -> Self {
        self.add_check(NamedCheck::new(name, check))
    }

    /// Register a check with options of its own.
    pub fn add_check(mut self, check: NamedCheck) -> Self {
        self.checks.push(check);
        self
    }

    /// Register a critical manual component. It is `unknown` (failing readiness) until the
    /// application calls [`Health::mark_up`].
    pub fn component(self, name: impl Into<String>) -> Self {
        self.manual(name.into(), true)
    }

    /// Register a non-critical manual component: while it is not up the status is
    /// `degraded`, but readiness still passes.
    ///
    /// ```
    /// use tower_health::{Health, Probe, Status};
    ///
    /// let health = Health::builder().non_critical_component("report-cache").build();
    /// health.mark_started();
    /// assert_eq!(health.snapshot().status(Probe::Readiness), Status::Degraded);
    /// ```
    pub fn non_critical_component(self, name: impl Into<String>) -> Self {
        self.manual(name.into(), false)
    }

    fn manual(mut self, name: String, critical: bool) -> Self {
        self.state
            .components
            .insert(name, Component::new(ComponentKind::Manual, critical));
        self
    }

    /// Who sees error texts in health bodies (default: nobody; they are logged instead).
    ///
    /// ```
    /// use tower_health::{Details, Health};
    ///
    /// let health = Health::builder().details(Details::Always).build();
    /// ```
    pub fn details(mut self, details: Details) -> Self {
        self.details = details;
        self
    }

    /// The service's `version`, shown in the IETF health+json format.
    pub fn version(mut self, version: impl Into<String>) -> Self {
        self.meta.version = Some(version.into());
        self
    }

    /// The service's `releaseId`, shown in the IETF health+json format.
    pub fn release_id(mut self, release_id: impl Into<String>) -> Self {
        self.meta.release_id = Some(release_id.into());
        self
    }

    /// The service's `serviceId`, shown in the IETF health+json format.
    pub fn service_id(mut self, service_id: impl Into<String>) -> Self {
        self.meta.service_id = Some(service_id.into());
        self
    }

    /// How often each check runs unless it says otherwise (default 5 s, at least 1 ms).
    /// Each run waits up to a tenth more, so checks do not run in lockstep.
    pub fn interval(mut self, interval: Duration) -> Self {
        self.interval = interval;
        self
    }

    /// How long a check may take before it is dropped and counted as failed, unless it
    /// says otherwise (default 2 s, at least 1 ms).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Consecutive failures that turn a passing check failing (default 3, at least 1).
    pub fn failure_threshold(mut self, failures: u32) -> Self {
        self.thresholds.failures = failures;
        self
    }

    /// Consecutive successes that turn a failing or unknown check passing (default 1, at
    /// least 1).
    pub fn success_threshold(mut self, successes: u32) -> Self {
        self.thresholds.successes = successes;
        self
    }

    /// Turn a passing check failing once its failures in a row have lasted `duration`,
    /// instead of the failure threshold, unless it says otherwise (see
    /// [`NamedCheck::down_after`]).
    ///
    /// ```
    /// use std::time::Duration;
    /// use tower_health::Health;
    /// use tower_health::lint::Deployment;
    ///
    /// let health = Health::builder()
    ///     .check("redis", || async { Ok::<(), String>(()) })
    ///     .down_after(Duration::from_secs(30))
    ///     .build();
    /// // 30 s, the first failing run and the one that sees the 30 s out (7.5 s each).
    /// let times = health.detection_times(&Deployment::new());
    /// assert_eq!(times[0].readiness(), Duration::from_secs(45));
    /// ```
    pub fn down_after(mut self, duration: Duration) -> Self {
        self.thresholds.down_after = Some(duration);
        self
    }

    /// Turn a failing or unknown check passing once its successes in a row have lasted
    /// `duration`, instead of the success threshold, unless it says otherwise (see
    /// [`NamedCheck::up_after`]).
    ///
    /// ```
    /// use std::time::Duration;
    /// use tower_health::Health;
    ///
    /// let health = Health::builder().up_after(Duration::from_secs(60)).build();
    /// ```
    pub fn up_after(mut self, duration: Duration) -> Self {
        self.thresholds.up_after = Some(duration);
        self
    }

    /// Delay each check's first run by a random part of `jitter`, unless it says otherwise
    /// (default: its interval, at most 30 s; zero for the checks
    /// [required for startup](HealthBuilder::require_for_startup); see
    /// [`NamedCheck::initial_jitter`]).
    ///
    /// ```
    /// use std::time::Duration;
    /// use tower_health::Health;
    ///
    /// // Every check runs at once when the engine starts.
    /// let health = Health::builder().initial_jitter(Duration::ZERO).build();
    /// ```
    pub fn initial_jitter(mut self, jitter: Duration) -> Self {
        self.initial_jitter = Some(jitter);
        self
    }

    /// How often a check runs while it is down, unless it says otherwise (default: its
    /// interval, at least 1 ms; see [`NamedCheck::down_interval`]).
    ///
    /// ```
    /// use std::time::Duration;
    /// use tower_health::Health;
    ///
    /// let health = Health::builder().down_interval(Duration::from_secs(1)).build();
    /// ```
    pub fn down_interval(mut self, interval: Duration) -> Self {
        self.down_interval = Some(interval);
        self
    }

    /// Build the handle. Checks run once the engine is started with [`Health::start_checks`].
    ///
    /// # Panics
    ///
    /// On a configuration mistake [`try_build`](HealthBuilder::try_build) reports: two
    /// checks or components sharing a name, a check with an empty name, a startup
    /// requirement, group member or nested group naming nothing, a group path that is
    /// invalid or taken, a cycle of groups.
    pub fn build(self) -> Health {
        self.try_build()
            .unwrap_or_else(|error| panic!("tower-health: {error}"))
    }

    /// Build the handle, or say which configuration mistake stops it (naming the
    /// component, group or path), for configuration read at run time.
    ///
    /// ```
    /// use tower_health::{Group, Health};
    ///
    /// let error = Health::builder()
    ///     .component("database")
    ///     .group(Group::new("lb", "/readyz").members(["database"]))
    ///     .try_build()
    ///     .unwrap_err();
    /// assert!(error.message().contains("\"/readyz\" is already the path"));
    /// ```
    pub fn try_build(self) -> Result<Health, BuildError> {
        let HealthBuilder {
            mut state,
            startup,
            groups,
            checks,
            interval,
            timeout,
            thresholds,
            details,
            meta,
            initial_jitter,
            down_interval,
            fleetwide,
            traffic,
            metrics_refresh,
        } = self;
        state.meta = Arc::new(meta);
        let defaults = Defaults {
            interval,
            timeout,
            thresholds,
            initial_jitter,
            down_interval,
        };
        let mut scheduled = Vec::with_capacity(checks.len());
        for check in checks {
            if let Some(problem) = registry::invalid_name(&check) {
                return Err(BuildError::new(problem));
            }
            let name: Arc<str> = check.name.as_str().into();
            let gates_startup =
                check.probes.contains(Probe::Startup) || startup.contains(&check.name);
            let component = registry::component_of(&check);
            if state
                .components
                .insert(check.name.clone(), component)
                .is_some()
            {
                let message = format!("two checks or components are named {name:?}");
                return Err(BuildError::new(message));
            }
            scheduled.push(defaults.schedule(name, &check, gates_startup));
        }
        let traffic = traffic
            .map(|rules| Observed::register(rules, &mut state))
            .transpose()
            .map_err(BuildError::new)?;
        compose(&mut state, startup, groups).map_err(BuildError::new)?;
        Ok(Health::from_parts(
            state,
            scheduled,
            defaults,
            details,
            fleetwide,
            traffic,
            metrics_refresh,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[should_panic(expected = "two checks or components are named \"db\"")]
    fn duplicate_names_are_refused() {
        let _ = Health::builder()
            .component("db")
            .check("db", || async { Ok::<(), String>(()) })
            .build();
    }

    #[test]
    #[should_panic(expected = "\"db\" is required for startup but is not registered")]
    fn startup_requirements_must_be_registered() {
        let _ = Health::builder().require_for_startup("db").build();
    }

    #[test]
    fn startup_waits_for_required_components_once() {
        use crate::model::probe::Probe;
        use crate::model::status::Status;
        let health = Health::builder()
            .component("cache")
            .require_for_startup("cache")
            .build();
        health.mark_started();
        let snapshot = health.snapshot();
        assert_eq!(snapshot.status(Probe::Startup), Status::Down);
        assert!(!snapshot.is_started());
        health.mark_up("cache");
        assert_eq!(health.snapshot().status(Probe::Startup), Status::Ok);
        health.mark_down("cache", "evicted");
        let snapshot = health.snapshot();
        assert_eq!(snapshot.status(Probe::Startup), Status::Ok, "a latch");
        assert_eq!(snapshot.status(Probe::Readiness), Status::Down);
    }

    #[test]
    fn checks_start_unknown_and_critical_unless_said() {
        let health = Health::builder()
            .check("a", || async { Ok::<(), String>(()) })
            .add_check(NamedCheck::new("b", || async { Ok::<(), String>(()) }).non_critical())
            .build();
        let snapshot = health.snapshot();
        let a = snapshot.component("a").unwrap();
        assert_eq!(a.kind(), ComponentKind::Check);
        assert!(a.is_critical());
        assert!(!snapshot.component("b").unwrap().is_critical());
    }
}
