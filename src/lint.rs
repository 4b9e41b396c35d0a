//! The configuration linter: a health configuration against the orchestrator's probe
//! settings.
//!
//! Describe the deployment ([`Deployment`], [`ProbeSettings`]) and ask the handle:
//! [`Health::lint`](crate::health::Health::lint) returns a [`ConfigWarning`] for each
//! mistake (and logs it). The rules here read the configuration only; they never run a
//! check.

use std::time::Duration;

use crate::engine::Scheduled;

/// The kubelet settings of one probe (`periodSeconds`, `timeoutSeconds`,
/// `failureThreshold`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ProbeSettings {
    /// How often the kubelet probes (`periodSeconds`).
    pub period: Duration,
    /// How long it waits for an answer (`timeoutSeconds`).
    pub timeout: Duration,
    /// Failed probes in a row before it acts (`failureThreshold`).
    pub failure_threshold: u32,
}

impl ProbeSettings {
    /// Settings as written in a manifest, in whole seconds.
    pub const fn seconds(period: u64, timeout: u64, failure_threshold: u32) -> Self {
        ProbeSettings {
            period: Duration::from_secs(period),
            timeout: Duration::from_secs(timeout),
            failure_threshold,
        }
    }

    /// How long the probe tolerates failure: `failureThreshold × periodSeconds`.
    pub fn budget(&self) -> Duration {
        self.period.saturating_mul(self.failure_threshold)
    }
}

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
    liveness: Option<ProbeSettings>,
    readiness: Option<ProbeSettings>,
    startup: Option<ProbeSettings>,
    termination_grace_period: Option<Duration>,
    drain_delay: Option<Duration>,
    expected_startup: Duration,
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
}

/// One mistake found by [`Health::lint`](crate::health::Health::lint).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigWarning {
    message: String,
}

impl ConfigWarning {
    /// What is wrong and what to do about it.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl std::fmt::Display for ConfigWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// Every mistake in `checks` (and the names among them that startup waits for) against
/// `deployment`, each logged at warn level.
pub(crate) fn lint(
    checks: &[Scheduled],
    startup_requires: &[String],
    deployment: &Deployment,
) -> Vec<ConfigWarning> {
    let mut warnings = Vec::new();
    let mut warn = |message: String| warnings.push(ConfigWarning { message });

    let probes = [
        ("livenessProbe", deployment.liveness),
        ("readinessProbe", deployment.readiness),
        ("startupProbe", deployment.startup),
    ];
    if let Some(check) = checks.iter().max_by_key(|check| check.timeout) {
        for (probe, settings) in probes {
            if let Some(settings) = settings.filter(|s| check.timeout >= s.timeout) {
                warn(format!(
                    "check timeout of {:?} ({:?}) is at or above the {probe} timeoutSeconds \
                     ({:?}): keep check timeouts below the probe timeout",
                    check.name, check.timeout, settings.timeout
                ));
            }
        }
    }

    let required: Duration = checks
        .iter()
        .filter(|check| startup_requires.iter().any(|name| **name == *check.name))
        .map(|check| {
            let successes = check.thresholds.successes;
            check.timeout.saturating_mul(successes)
                + check.interval.saturating_mul(successes.saturating_sub(1))
        })
        .max()
        .unwrap_or_default();
    let needed = deployment.expected_startup + required;
    let budget = deployment
        .startup
        .map(|s| ("startupProbe", s))
        .or(deployment.liveness.map(|s| ("livenessProbe", s)));
    if let Some((probe, settings)) = budget.filter(|(_, s)| s.budget() < needed) {
        warn(format!(
            "{probe} budget (failureThreshold × periodSeconds = {:?}) is shorter than start-up \
             may take ({:?}: expected start-up {:?} + required checks {:?}): the pod would be \
             restarted before it starts",
            settings.budget(),
            needed,
            deployment.expected_startup,
            required
        ));
    }

    if let (Some(delay), Some(grace)) =
        (deployment.drain_delay, deployment.termination_grace_period)
        && delay >= grace
    {
        warn(format!(
            "drain delay ({delay:?}) is at or above terminationGracePeriodSeconds \
             ({grace:?}): the pod is killed before in-flight requests finish; make the \
             grace period longer than the drain delay plus the longest request"
        ));
    }

    for warning in &warnings {
        tracing::warn!("health configuration: {warning}");
    }
    warnings
}

#[cfg(test)]
mod tests {
    use super::*;

    use std::sync::Arc;

    use crate::model::component::Thresholds;

    /// A check `db`, required for startup, with `timeout`, a 5 s interval and two successes
    /// to pass.
    struct Config {
        checks: Vec<Scheduled>,
    }

    impl Config {
        fn lint(&self, deployment: &Deployment) -> Vec<ConfigWarning> {
            lint(&self.checks, &["db".to_owned()], deployment)
        }
    }

    fn health(timeout: Duration) -> Config {
        let check = Scheduled {
            name: "db".into(),
            check: Arc::new(|| async { Ok::<(), String>(()) }),
            interval: Duration::from_secs(5),
            timeout,
            thresholds: Thresholds {
                failures: 3,
                successes: 2,
            },
        };
        Config {
            checks: vec![check],
        }
    }

    fn good() -> Deployment {
        Deployment::new()
            .liveness(ProbeSettings::seconds(10, 3, 3))
            .readiness(ProbeSettings::seconds(5, 3, 2))
            .startup(ProbeSettings::seconds(2, 3, 30))
            .termination_grace_period(Duration::from_secs(30))
            .drain_delay(Duration::from_secs(10))
            .expected_startup(Duration::from_secs(20))
    }

    #[test]
    fn a_consistent_deployment_has_no_warnings() {
        assert_eq!(health(Duration::from_secs(2)).lint(&good()), vec![]);
    }

    #[test]
    fn check_timeout_at_the_probe_timeout() {
        let warnings = health(Duration::from_secs(3)).lint(&good());
        assert_eq!(warnings.len(), 3, "{warnings:?}");
        assert!(
            warnings
                .iter()
                .all(|w| w.message().contains("check timeout of \"db\""))
        );
    }

    #[test]
    fn startup_budget_too_short() {
        // 30 s expected + 2 × 2 s timeouts + 5 s interval = 39 s > 2 s × 15 = 30 s.
        let deployment = good()
            .startup(ProbeSettings::seconds(2, 3, 15))
            .expected_startup(Duration::from_secs(30));
        let warnings = health(Duration::from_secs(2)).lint(&deployment);
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(
            warnings[0].message().starts_with("startupProbe budget"),
            "{}",
            warnings[0]
        );
        assert!(warnings[0].message().contains("39s"), "{}", warnings[0]);
    }

    #[test]
    fn drain_delay_against_grace_period() {
        let deployment = good().drain_delay(Duration::from_secs(30));
        let warnings = health(Duration::from_secs(2)).lint(&deployment);
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(
            warnings[0]
                .message()
                .contains("terminationGracePeriodSeconds")
        );

        let fits = good().drain_delay(Duration::from_secs(29));
        assert!(health(Duration::from_secs(2)).lint(&fits).is_empty());
    }

    #[test]
    fn nothing_known_nothing_said() {
        assert!(
            health(Duration::from_secs(60))
                .lint(&Deployment::new())
                .is_empty()
        );
    }
}
