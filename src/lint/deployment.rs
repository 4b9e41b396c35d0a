//! [`Deployment`]: how the service is deployed, as the linter needs to know it.

use std::time::Duration;

use super::settings::ProbeSettings;

/// How the service is deployed: the probe settings, the shutdown timings and the expected
/// start-up time, to check a [`Health`](crate::health::Health) against with
/// [`Health::lint`](crate::health::Health::lint).
///
/// ```
/// use std::time::Duration;
/// use tower_health::Health;
/// use tower_health::lint::{Deployment, ProbeSettings};
///
/// let health = Health::builder()
///     .check("database", || async { Ok::<(), String>(()) })
///     .timeout(Duration::from_secs(5))
///     .build();
/// let deployment = Deployment::new()
///     .readiness(ProbeSettings::seconds(5, 3, 2))
///     .termination_grace_period(Duration::from_secs(30))
///     .drain_delay(Duration::from_secs(5));
/// let warnings = health.lint(&deployment);
/// assert_eq!(warnings.len(), 1);
/// assert!(warnings[0].to_string().contains("check timeout"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[must_use]
pub struct Deployment {
    pub(super) liveness: Option<ProbeSettings>,
    pub(super) readiness: Option<ProbeSettings>,
    pub(super) startup: Option<ProbeSettings>,
    pub(super) termination_grace_period: Option<Duration>,
    pub(super) drain_delay: Option<Duration>,
    pub(super) expected_startup: Duration,
    pub(super) unready_within: Option<Duration>,
}

impl Deployment {
    /// Nothing known yet; add what the manifest says.
    pub fn new() -> Self {
        Deployment::default()
    }

    /// The `livenessProbe` settings.
    pub fn liveness(mut self, settings: ProbeSettings) -> Self {
        self.liveness = Some(settings);
        self
    }

    /// The `readinessProbe` settings.
    pub fn readiness(mut self, settings: ProbeSettings) -> Self {
        self.readiness = Some(settings);
        self
    }

    /// The `startupProbe` settings.
    pub fn startup(mut self, settings: ProbeSettings) -> Self {
        self.startup = Some(settings);
        self
    }

    /// The pod's `terminationGracePeriodSeconds`.
    pub fn termination_grace_period(mut self, period: Duration) -> Self {
        self.termination_grace_period = Some(period);
        self
    }

    /// The drain delay given to
    /// [`Health::shutdown_signal`](crate::health::Health::shutdown_signal).
    pub fn drain_delay(mut self, delay: Duration) -> Self {
        self.drain_delay = Some(delay);
        self
    }

    /// How long the application's own start-up work takes before
    /// [`Health::mark_started`](crate::health::Health::mark_started) (migrations, warm-up),
    /// at worst.
    pub fn expected_startup(mut self, duration: Duration) -> Self {
        self.expected_startup = duration;
        self
    }

    /// The longest a failing dependency may take to take the pod out of the Service: from
    /// the failure until `/readyz` answers 503, plus the kubelet's `failureThreshold ×
    /// periodSeconds` on top. [`Health::lint`](crate::health::Health::lint) warns about each
    /// critical check that can take longer (see
    /// [`Health::detection_times`](crate::health::Health::detection_times)).
    ///
    /// ```
    /// use std::time::Duration;
    /// use tower_health::Health;
    /// use tower_health::lint::{Deployment, ProbeSettings};
    ///
    /// // The defaults: every 5 s, a 2 s timeout, down after 3 failures in a row.
    /// let health = Health::builder().check("redis", || async { Ok::<(), String>(()) }).build();
    /// let deployment = Deployment::new()
    ///     .readiness(ProbeSettings::seconds(5, 3, 3))
    ///     .unready_within(Duration::from_secs(30));
    /// let warnings = health.lint(&deployment);
    /// assert_eq!(warnings.len(), 1);
    /// assert!(warnings[0].message().contains("37.5s"), "{}", warnings[0]);
    /// ```
    pub fn unready_within(mut self, bound: Duration) -> Self {
        self.unready_within = Some(bound);
        self
    }
}
