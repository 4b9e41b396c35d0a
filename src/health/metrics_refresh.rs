//! The metrics written again on the clock while nothing changes, so an exporter's idle
//! timeout drops the series of what was removed and never those of what is still there
//! (feature `metrics`; see the [`metrics`](crate::metrics) module).

use std::time::Duration;

#[cfg(feature = "metrics")]
use super::{Health, HealthBuilder};

#[cfg(feature = "metrics")]
impl HealthBuilder {
    /// Write every metric series of the handle's checks, components and probes again every
    /// `period` (default 10 s, at least 1 ms) while its clock runs (from
    /// [`start_checks`](Health::start_checks) on), changed or not. With an exporter that
    /// drops series not written for a while (metrics-exporter-prometheus'
    /// `idle_timeout`), keep `period` below that timeout: the series of a check or
    /// component that is [removed](Health::remove) then disappear within the timeout,
    /// and no other does. The [`metrics`](crate::metrics) module has the whole story.
    ///
    /// ```
    /// use std::time::Duration;
    /// use tower_health::Health;
    ///
    /// // For an exporter built with `.idle_timeout(MetricKindMask::ALL, Some(60 s))`.
    /// let health = Health::builder().metrics_refresh(Duration::from_secs(20)).build();
    /// ```
    pub fn metrics_refresh(mut self, period: Duration) -> Self {
        self.metrics_refresh = period.max(Duration::from_millis(1));
        self
    }
}

#[cfg(feature = "metrics")]
impl Health {
    /// Write every series of the published state again.
    pub(super) fn refresh_metrics(&self) {
        crate::metrics::refresh(&self.snapshot().state);
    }
}

/// The clock's metrics beat: every refresh period with the `metrics` feature, never
/// without.
#[derive(Debug)]
pub(super) struct Refresh {
    #[cfg(feature = "metrics")]
    interval: tokio::time::Interval,
}

impl Refresh {
    /// A beat every `period`, the first one `period` from now.
    #[cfg_attr(
        not(feature = "metrics"),
        allow(unused_variables, reason = "no metrics, no beat")
    )]
    pub(super) fn new(period: Duration) -> Self {
        Refresh {
            #[cfg(feature = "metrics")]
            interval: {
                let start = tokio::time::Instant::now() + period;
                let mut interval = tokio::time::interval_at(start, period);
                interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                interval
            },
        }
    }

    /// The next beat.
    pub(super) async fn tick(&mut self) {
        #[cfg(feature = "metrics")]
        self.interval.tick().await;
        #[cfg(not(feature = "metrics"))]
        std::future::pending::<()>().await;
    }
}
