//! Asking the [linter](crate::lint) about this handle's configuration.

use super::Health;
use crate::lint::{self, ConfigWarning, Deployment};

impl Health {
    /// Check this configuration against how it is deployed, log each mistake at warn level
    /// through `tracing`, and return them. Call it at start-up.
    ///
    /// It reports: a check timeout at or above a probe's `timeoutSeconds`; a startup budget
    /// (`failureThreshold × periodSeconds` of the startup probe, or of liveness when there is
    /// none) shorter than the expected start-up plus what the checks
    /// [required for startup](super::HealthBuilder::require_for_startup) need to pass once;
    /// and a drain delay at or above the termination grace period.
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
        let snapshot = self.snapshot();
        lint::lint(self.checks(), &snapshot.state.startup_requires, deployment)
    }
}
