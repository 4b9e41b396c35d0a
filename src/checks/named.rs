//! [`NamedCheck`]: a check with its name and the options it runs with.

use std::sync::Arc;
use std::time::Duration;

use super::check::Check;
use crate::model::probe::Probe;
use crate::model::probe_set::ProbeSet;

/// A [`Check`] with its name and options, for
/// [`HealthBuilder::add_check`](crate::health::HealthBuilder::add_check), or
/// [`Health::add_check`](crate::health::Health::add_check) on a handle already built.
///
/// Options left unset take the builder's defaults.
///
/// ```
/// use std::time::Duration;
/// use tower_health::{Health, NamedCheck};
///
/// let search = NamedCheck::new("search", || async { Ok::<(), String>(()) })
///     .non_critical()
///     .interval(Duration::from_secs(30))
///     .timeout(Duration::from_secs(1))
///     .failure_threshold(2);
/// let health = Health::builder().add_check(search).build();
/// ```
#[must_use]
pub struct NamedCheck {
    pub(crate) name: String,
    pub(crate) check: Arc<dyn Check>,
    pub(crate) critical: bool,
    pub(crate) probes: ProbeSet,
    pub(crate) interval: Option<Duration>,
    pub(crate) timeout: Option<Duration>,
    pub(crate) failure_threshold: Option<u32>,
    pub(crate) success_threshold: Option<u32>,
    pub(crate) component_type: Option<String>,
    pub(crate) down_after: Option<Duration>,
    pub(crate) up_after: Option<Duration>,
    pub(crate) initial_jitter: Option<Duration>,
    pub(crate) down_interval: Option<Duration>,
    pub(crate) shared: bool,
}

impl std::fmt::Debug for NamedCheck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NamedCheck")
            .field("name", &self.name)
            .field("critical", &self.critical)
            .field("probes", &self.probes)
            .field("interval", &self.interval)
            .field("timeout", &self.timeout)
            .field("failure_threshold", &self.failure_threshold)
            .field("success_threshold", &self.success_threshold)
            .field("down_after", &self.down_after)
            .field("up_after", &self.up_after)
            .field("initial_jitter", &self.initial_jitter)
            .field("down_interval", &self.down_interval)
            .field("shared", &self.shared)
            .finish_non_exhaustive()
    }
}

impl NamedCheck {
    /// A critical check named `name` (which the check is told: [`Check::set_name`]).
    pub fn new(name: impl Into<String>, mut check: impl Check) -> Self {
        let name = name.into();
        check.set_name(&name);
        NamedCheck {
            name,
            check: Arc::new(check),
            critical: true,
            probes: ProbeSet::READINESS,
            interval: None,
            timeout: None,
            failure_threshold: None,
            success_threshold: None,
            component_type: None,
            down_after: None,
            up_after: None,
            initial_jitter: None,
            down_interval: None,
            shared: false,
        }
    }

    /// The name it is registered under.
    ///
    /// ```
    /// use tower_health::NamedCheck;
    ///
    /// let check = NamedCheck::new("cache", || async { Ok::<(), String>(()) });
    /// assert_eq!(check.name(), "cache");
    /// ```
    pub fn name(&self) -> &str {
        &self.name
    }

    /// What the dependency is in the IETF health+json format (`componentType`), instead of
    /// what the check says (`component` for closures).
    pub fn component_type(mut self, component_type: impl Into<String>) -> Self {
        self.component_type = Some(component_type.into());
        self
    }

    /// Failing this check makes the status `degraded` but keeps readiness passing.
    pub fn non_critical(mut self) -> Self {
        self.critical = false;
        self
    }

    /// Count for `probes` instead of readiness alone: liveness for an in-process detector
    /// (a deadlock detector, a worker loop's heartbeat; never a remote dependency, which
    /// would restart every replica during its outage: [`Health::lint`] warns), startup for
    /// work that must pass once (migrations), several, or none (see
    /// [`report_only`](Self::report_only)).
    ///
    /// ```
    /// use tower_health::{Health, NamedCheck, Probe};
    ///
    /// let heartbeat = || async { Ok::<(), String>(()) };
    /// let health = Health::builder()
    ///     .add_check(NamedCheck::new("loop", heartbeat).probes([Probe::Liveness]))
    ///     .build();
    /// ```
    ///
    /// [`Health::lint`]: crate::health::Health::lint
    pub fn probes(mut self, probes: impl IntoIterator<Item = Probe>) -> Self {
        self.probes = probes.into_iter().collect();
        self
    }

    /// Count for no probe: the check runs, and shows in `/health`, verbose views, metrics,
    /// gRPC and transitions, but never fails a probe.
    ///
    /// ```
    /// use tower_health::{Health, NamedCheck};
    ///
    /// let search = || async { Err::<(), _>("index offline") };
    /// let health = Health::builder()
    ///     .add_check(NamedCheck::new("search", search).report_only())
    ///     .build();
    /// ```
    pub fn report_only(self) -> Self {
        self.probes([])
    }

    /// A dependency every replica of the service uses (the primary database, a shared
    /// cache). With peers configured (`HealthBuilder::peers`, feature `fleet`), a failing
    /// result asks a few peers (up to k per failing shared check per run) for their view of
    /// this check: when most of those that answer see it down too, the outage is fleet-wide
    /// and readiness holds (`degraded`) instead of failing on every replica at once. Without
    /// peers it changes nothing. A held readiness is `degraded`, so
    /// [`fail_when_degraded(Probe::Readiness)`](crate::health::HealthBuilder::fail_when_degraded)
    /// cancels the hold (readiness answers `503`).
    ///
    /// Leave it off for a dependency whose outage should take the whole service out of
    /// rotation (another region can serve, say).
    ///
    /// ```
    /// use tower_health::{Health, NamedCheck};
    ///
    /// let database = || async { Ok::<(), String>(()) };
    /// let health = Health::builder()
    ///     .add_check(NamedCheck::new("database", database).shared())
    ///     .build();
    /// assert!(health.snapshot().component("database").unwrap().is_shared());
    /// ```
    pub fn shared(mut self) -> Self {
        self.shared = true;
        self
    }

    /// Run every `interval` instead of the builder's default.
    pub fn interval(mut self, interval: Duration) -> Self {
        self.interval = Some(interval);
        self
    }

    /// Give up (dropping the check's future) after `timeout` instead of the builder's default.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Consecutive failures that turn a passing check failing (at least 1).
    pub fn failure_threshold(mut self, failures: u32) -> Self {
        self.failure_threshold = Some(failures);
        self
    }

    /// Consecutive successes that turn a failing or unknown check passing (at least 1).
    pub fn success_threshold(mut self, successes: u32) -> Self {
        self.success_threshold = Some(successes);
        self
    }

    /// Turn a passing check failing only once its failures in a row have lasted `duration`,
    /// from the first failing result to the current one, whatever the interval. It replaces
    /// the [failure threshold](NamedCheck::failure_threshold) (this check's or the
    /// builder's); a check that has not reported yet still turns failing on its first
    /// failure.
    ///
    /// ```
    /// use std::time::Duration;
    /// use tower_health::NamedCheck;
    ///
    /// // A blip of a few failed runs does not take the pod out; 30 s of them does.
    /// let redis = NamedCheck::new("redis", || async { Ok::<(), String>(()) })
    ///     .interval(Duration::from_secs(2))
    ///     .down_after(Duration::from_secs(30));
    /// ```
    pub fn down_after(mut self, duration: Duration) -> Self {
        self.down_after = Some(duration);
        self
    }

    /// Turn a failing or unknown check passing only once its successes in a row have lasted
    /// `duration`, from the first passing result to the current one. It replaces the
    /// [success threshold](NamedCheck::success_threshold) (this check's or the builder's),
    /// from `unknown` too: at start the check fails readiness for at least `duration`.
    ///
    /// ```
    /// use std::time::Duration;
    /// use tower_health::NamedCheck;
    ///
    /// // Come back only after a minute of passing runs, not on the first lucky one.
    /// let search = NamedCheck::new("search", || async { Ok::<(), String>(()) })
    ///     .up_after(Duration::from_secs(60));
    /// ```
    pub fn up_after(mut self, duration: Duration) -> Self {
        self.up_after = Some(duration);
        self
    }

    /// Spread the first run over a random delay in `[0, jitter)` after the engine starts, so
    /// replicas started together do not hit a dependency in lockstep. The default is the
    /// check's interval, at most 30 s. The check is `unknown`, failing readiness, until its
    /// first result, so at start readiness can wait up to that long. `Duration::ZERO` runs
    /// it at once.
    ///
    /// A check named in
    /// [`require_for_startup`](crate::health::HealthBuilder::require_for_startup) always
    /// runs at once, so start-up is not slowed.
    ///
    /// ```
    /// use std::time::Duration;
    /// use tower_health::NamedCheck;
    ///
    /// let database = NamedCheck::new("database", || async { Ok::<(), String>(()) })
    ///     .interval(Duration::from_secs(10))
    ///     .initial_jitter(Duration::from_secs(2)); // readiness waits at most 2 s for it
    /// ```
    pub fn initial_jitter(mut self, jitter: Duration) -> Self {
        self.initial_jitter = Some(jitter);
        self
    }

    /// Run every `interval` while the check is failing (`down`), instead of its normal
    /// interval: shorter to notice a recovery sooner, longer to spare a dead dependency.
    /// The engine adds its usual jitter, up to a tenth. Results stay fresh for three of the
    /// longer of the two intervals and a timeout.
    ///
    /// ```
    /// use std::time::Duration;
    /// use tower_health::NamedCheck;
    ///
    /// // Every 10 s while up; every 2 s while down, to come back quickly.
    /// let redis = NamedCheck::new("redis", || async { Ok::<(), String>(()) })
    ///     .interval(Duration::from_secs(10))
    ///     .down_interval(Duration::from_secs(2));
    /// ```
    pub fn down_interval(mut self, interval: Duration) -> Self {
        self.down_interval = Some(interval);
        self
    }
}
