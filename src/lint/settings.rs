//! [`ProbeSettings`]: the kubelet's settings of one probe.

use std::time::Duration;

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
