//! Asking the [linter](crate::lint) about this handle's configuration.

use super::Health;
use crate::lint::{self, ConfigWarning, Deployment, DetectionTime};

impl Health {
    /// Check this configuration against how it is deployed, log each mistake at warn level
    /// through `tracing`, and return them. Call it at start-up.
    ///
    /// It reports: a check timeout at or above a probe's `timeoutSeconds`; a startup budget
    /// (`failureThreshold × periodSeconds` of the startup probe, or of liveness when there is
    /// none) shorter than the expected start-up plus what the checks
    /// [required for startup](super::HealthBuilder::require_for_startup) need to pass once;
    /// a drain delay at or above the termination grace period; and, while it lasts, each
    /// critical check or component an operator [demoted](Health::demote) (its failure takes
    /// no pod out), saying when its deadline restores it, or that it has none.
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
    /// let warnings = health.lint(&Deployment::new().readiness(ProbeSettings::seconds(5, 3, 2)));
    /// assert!(warnings[0].message().contains("readinessProbe timeoutSeconds"));
    /// ```
    pub fn lint(&self, deployment: &Deployment) -> Vec<ConfigWarning> {
        lint::lint(&self.checks(), &self.snapshot().state, deployment)
    }

    /// For each critical check, how long a failing dependency can take to take the pod out
    /// of the Service with this configuration: until `/readyz` answers 503, and the
    /// kubelet's readiness `failureThreshold × periodSeconds` on top (see
    /// [`DetectionTime`]). With the defaults (every 5 s, a 2 s timeout, down after 3 failures
    /// in a row) that is up to 22.5 s before the kubelet's share.
    ///
    /// ```
    /// use std::time::Duration;
    /// use tower_health::Health;
    /// use tower_health::lint::{Deployment, ProbeSettings};
    ///
    /// let health = Health::builder()
    ///     .check("database", || async { Ok::<(), String>(()) })
    ///     .interval(Duration::from_secs(2))
    ///     .timeout(Duration::from_secs(1))
    ///     .failure_threshold(2)
    ///     .build();
    /// let readiness = ProbeSettings::seconds(5, 1, 2);
    /// let times = health.detection_times(&Deployment::new().readiness(readiness));
    /// // 2 × (2 s + 0.2 s jitter + 1 s) + 2 × 5 s
    /// assert_eq!(times[0].total(), Duration::from_millis(16_400));
    /// ```
    pub fn detection_times(&self, deployment: &Deployment) -> Vec<DetectionTime> {
        lint::detection_times(&self.checks(), &self.snapshot().state, deployment)
    }
}
