//! [`DetectionTime`]: how long a failing dependency takes to take the pod out of traffic.

use std::time::Duration;

use super::deployment::Deployment;
use super::settings::ProbeSettings;
use crate::engine::Scheduled;
use crate::model::state::State;

/// How long, at worst, from a critical check's dependency failing to the pod leaving the
/// Service: first until `/readyz` answers 503 ([`readiness`](DetectionTime::readiness)),
/// then until the kubelet acts on it ([`kubelet`](DetectionTime::kubelet)).
///
/// From [`Health::detection_times`](crate::health::Health::detection_times). Its `Display`
/// shows the sum and where each part comes from:
///
/// ```
/// use std::time::Duration;
/// use tower_health::Health;
/// use tower_health::lint::{Deployment, ProbeSettings};
///
/// let health = Health::builder().check("redis", || async { Ok::<(), String>(()) }).build();
/// let deployment = Deployment::new().readiness(ProbeSettings::seconds(5, 1, 3));
/// let times = health.detection_times(&deployment);
/// assert_eq!(times[0].readiness(), Duration::from_millis(22_500));
/// assert_eq!(times[0].kubelet(), Duration::from_secs(15));
/// assert_eq!(
///     times[0].to_string(),
///     "\"redis\" takes up to 37.5s to take the pod out of the Service: 22.5s until /readyz \
///      answers 503 (3 failures × (5s interval + 500ms jitter + 2s timeout)) + 15s for the \
///      kubelet (readinessProbe failureThreshold 3 × periodSeconds 5s)"
/// );
/// ```
///
/// With [`down_after`](crate::checks::NamedCheck::down_after), that duration replaces the
/// failure count:
///
/// ```
/// use std::time::Duration;
/// use tower_health::{Health, NamedCheck};
/// use tower_health::lint::Deployment;
///
/// let redis = NamedCheck::new("redis", || async { Ok::<(), String>(()) })
///     .down_after(Duration::from_secs(30));
/// let health = Health::builder().add_check(redis).build();
/// let times = health.detection_times(&Deployment::new());
/// assert_eq!(times[0].readiness(), Duration::from_secs(45));
/// assert!(times[0].to_string().contains(
///     "45s until /readyz answers 503 (30s down_after + 2 runs × (5s interval + 500ms \
///      jitter + 2s timeout): the first failing run and the one that sees the 30s out)"
/// ));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DetectionTime {
    check: String,
    failures: u32,
    down_after: Option<Duration>,
    interval: Duration,
    timeout: Duration,
    kubelet: Option<ProbeSettings>,
}

impl DetectionTime {
    fn new(check: &Scheduled, kubelet: Option<ProbeSettings>) -> Self {
        DetectionTime {
            check: check.name.to_string(),
            failures: check.thresholds.failures,
            down_after: check.thresholds.down_after,
            interval: check.interval,
            timeout: check.timeout,
            kubelet,
        }
    }

    /// The check's name.
    pub fn check(&self) -> &str {
        &self.check
    }

    /// The most jitter the engine adds to an interval: a tenth of it.
    fn jitter(&self) -> Duration {
        self.interval / 10
    }

    /// Until `/readyz` answers 503: `failure_threshold` failing runs in a row, each started
    /// up to an interval and its jitter after the last one ended, and each taking up to the
    /// timeout (a dependency that hangs). A dependency that refuses at once takes less:
    /// down to `failure_threshold − 1` intervals when it fails just before a run.
    ///
    /// With `down_after`: the first failing run, then `down_after`, then up to one more run
    /// that sees the failures out (just one run when `down_after` is zero).
    pub fn readiness(&self) -> Duration {
        let run = self.interval + self.jitter() + self.timeout;
        match self.down_after {
            Some(down_after) => down_after + run.saturating_mul(self.runs()),
            None => run.saturating_mul(self.failures),
        }
    }

    /// With `down_after`, how many runs the readiness time counts besides it.
    fn runs(&self) -> u32 {
        match self.down_after {
            Some(down_after) if down_after.is_zero() => 1,
            _ => 2,
        }
    }

    /// The kubelet's share on top: `failureThreshold × periodSeconds` of the readiness
    /// probe, or zero when the deployment does not say.
    pub fn kubelet(&self) -> Duration {
        self.kubelet.map(|probe| probe.budget()).unwrap_or_default()
    }

    /// Both together: how long the Service may keep routing to a pod that lost the
    /// dependency.
    pub fn total(&self) -> Duration {
        self.readiness() + self.kubelet()
    }
}

impl std::fmt::Display for DetectionTime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:?} takes up to {:?} to take the pod out of the Service: {:?} until /readyz \
             answers 503 (",
            self.check,
            self.total(),
            self.readiness(),
        )?;
        let run = format!(
            "({:?} interval + {:?} jitter + {:?} timeout)",
            self.interval,
            self.jitter(),
            self.timeout
        );
        match self.down_after {
            Some(down_after) if self.runs() == 1 => {
                write!(f, "{down_after:?} down_after + 1 run × {run})")?;
            }
            Some(down_after) => write!(
                f,
                "{down_after:?} down_after + 2 runs × {run}: the first failing run and the one \
                 that sees the {down_after:?} out)"
            )?,
            None => write!(f, "{} failures × {run})", self.failures)?,
        }
        match self.kubelet {
            Some(probe) => write!(
                f,
                " + {:?} for the kubelet (readinessProbe failureThreshold {} × periodSeconds {:?})",
                probe.budget(),
                probe.failure_threshold,
                probe.period
            ),
            None => f.write_str(" (the kubelet's readinessProbe not given)"),
        }
    }
}

/// The detection time of every check that fails readiness when it fails (the critical
/// ones), with the deployment's readiness probe on top.
pub(crate) fn detection_times(
    checks: &[Scheduled],
    state: &State,
    deployment: &Deployment,
) -> Vec<DetectionTime> {
    checks
        .iter()
        .filter(|check| {
            let component = state.components.get(&*check.name);
            component.is_some_and(|component| component.critical)
        })
        .map(|check| DetectionTime::new(check, deployment.readiness))
        .collect()
}
