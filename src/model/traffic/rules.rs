//! [`Traffic`]: turning traffic observation on, and the rules the `traffic` component
//! follows.

use std::time::Duration;

use super::classifier::Classifier;
use super::figures::{Millis, TrafficFigures};
use crate::model::probe::Probe;
use crate::model::probe_set::ProbeSet;
use crate::model::status::ComponentStatus;

/// Health from the traffic itself: what the service's own forwarded requests say, as a
/// component (named `traffic` by default) beside the checks.
///
/// With it, every [`HealthLayer`](crate::HealthLayer) over the handle records each
/// forwarded request (probes never count) into sharded atomic counters: its response's
/// class, whether the [`Classifier`] calls it a failure, the inner service's errors,
/// requests abandoned before their response, and the latency in a fixed log-scale
/// histogram. Every bucket period (a twelfth of the window) a task on the handle's clock
/// folds them into a sliding window and judges the component:
///
/// - **down** when at least [`min_requests`](Traffic::min_requests) (20) requests completed
///   in the [window](Traffic::window) (60 s) and the share of failures reached the
///   [failure ratio](Traffic::failure_ratio) (50 %);
/// - **degraded** when, with as many requests, p99 latency passed the
///   [budget](Traffic::p99_budget) (unset by default);
/// - **ok** otherwise: too little traffic is never a failure.
///
/// It is report-only by default: shown in `/health`, the verbose views, the status page,
/// history, metrics and gRPC, failing no probe. Make it count for readiness
/// ([`probes`](Traffic::probes)), a group (name it as a member) or mark it
/// [`shared`](Traffic::shared) so the fleet rules apply. Its figures
/// (`1,204 requests in 60s, 0.4% failed, p99 38ms, 3 in flight`) are details: shown where
/// the [details policy](crate::Details) reveals error texts.
///
/// ```
/// use std::time::Duration;
/// use tower_health::{Health, Probe, Traffic};
///
/// let health = Health::builder()
///     .traffic(
///         Traffic::new()
///             .failure_ratio(0.25)
///             .p99_budget(Duration::from_millis(250))
///             .probes([Probe::Readiness]),
///     )
///     .build();
/// let traffic = health.snapshot().component("traffic").unwrap().status();
/// assert!(traffic.is_up(), "no traffic is no failure");
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct Traffic {
    pub(crate) name: String,
    pub(crate) window: Duration,
    pub(crate) min_requests: u64,
    pub(crate) failure_ratio: f64,
    pub(crate) p99_budget: Option<Duration>,
    pub(crate) probes: ProbeSet,
    pub(crate) shared: bool,
    pub(crate) classifier: Classifier,
}

/// How many buckets the window is folded in.
pub(crate) const BUCKETS_PER_WINDOW: u32 = 12;

impl Default for Traffic {
    fn default() -> Self {
        Traffic::new()
    }
}

impl Traffic {
    /// The component's default name.
    pub const COMPONENT: &'static str = "traffic";

    /// Observe the traffic with the defaults: component `traffic`, a 60 s window, down at
    /// 50 % failures among at least 20 requests, no latency budget, report-only, 5xx and
    /// the inner service's errors as failures.
    pub fn new() -> Self {
        Traffic {
            name: Self::COMPONENT.to_owned(),
            window: Duration::from_secs(60),
            min_requests: 20,
            failure_ratio: 0.5,
            p99_budget: None,
            probes: ProbeSet::NONE,
            shared: false,
            classifier: Classifier::new(),
        }
    }

    /// Name the component `name` instead of `traffic`.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// Judge over the last `window` (default 60 s; at least 1 s), folded in twelve buckets.
    pub fn window(mut self, window: Duration) -> Self {
        self.window = window;
        self
    }

    /// Judge only once at least `requests` completed in the window (default 20; at least 1).
    pub fn min_requests(mut self, requests: u64) -> Self {
        self.min_requests = requests;
        self
    }

    /// Down when this share of the window's requests failed (default 0.5; more than 0, at
    /// most 1).
    pub fn failure_ratio(mut self, ratio: f64) -> Self {
        self.failure_ratio = ratio;
        self
    }

    /// Degraded while p99 latency over the window passes `budget` (unset by default).
    pub fn p99_budget(mut self, budget: Duration) -> Self {
        self.p99_budget = Some(budget);
        self
    }

    /// Count for these built-in probes (none by default: report-only), e.g.
    /// `[Probe::Readiness]`. Liveness is refused when the handle is built: a replica whose
    /// downstream fails would be restarted for it.
    pub fn probes(mut self, probes: impl IntoIterator<Item = Probe>) -> Self {
        self.probes = probes.into_iter().collect();
        self
    }

    /// A signal every replica shares (see
    /// [`NamedCheck::shared`](crate::checks::NamedCheck::shared)): when it turns down here,
    /// the peers (`HealthBuilder::peers`, feature `fleet`) are asked, and when most see their traffic
    /// fail too (a broken downstream) readiness holds; a replica failing alone leaves.
    pub fn shared(mut self) -> Self {
        self.shared = true;
        self
    }

    /// Judge responses with `classifier` instead of the default (5xx fails).
    pub fn classifier(mut self, classifier: Classifier) -> Self {
        self.classifier = classifier;
        self
    }

    /// What is wrong with these settings, if anything.
    pub(crate) fn problem(&self) -> Option<String> {
        let name = &self.name;
        if self.window < Duration::from_secs(1) {
            return Some(format!(
                "the traffic window of {name:?} must be at least 1s"
            ));
        }
        if self.min_requests == 0 {
            return Some(format!(
                "the traffic minimum of {name:?} must be at least 1 request"
            ));
        }
        if !(self.failure_ratio > 0.0 && self.failure_ratio <= 1.0) {
            return Some(format!(
                "the traffic failure ratio of {name:?} must be more than 0 and at most 1, not {}",
                self.failure_ratio
            ));
        }
        if self.probes.contains(Probe::Liveness) {
            return Some(format!(
                "{name:?} cannot count for liveness: failing requests are no reason to restart"
            ));
        }
        None
    }

    /// The component's status by these rules, with the reason when it is not up.
    pub(crate) fn judge(&self, figures: &TrafficFigures) -> (ComponentStatus, Option<String>) {
        if figures.requests() < self.min_requests {
            return (ComponentStatus::Up, None);
        }
        let ratio = figures.failure_ratio();
        if ratio >= self.failure_ratio {
            let reason = format!(
                "{figures} (failure ratio {:.0}% or more)",
                self.failure_ratio * 100.0
            );
            return (ComponentStatus::Down, Some(reason));
        }
        match (self.p99_budget, figures.p99()) {
            (Some(budget), Some(p99)) if p99 > budget => {
                let reason = format!("{figures} (p99 budget {})", Millis(budget));
                (ComponentStatus::Degraded, Some(reason))
            }
            _ => (ComponentStatus::Up, None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::traffic::counts::Counts;
    use crate::model::traffic::latency::bucket;

    fn figures(requests: u64, failures: u64, latency_ms: u64) -> TrafficFigures {
        let mut counts = Counts {
            requests,
            classes: [0, requests - failures, 0, 0, failures],
            failures,
            ..Counts::default()
        };
        counts.latency[bucket(latency_ms * 1_000)] = requests;
        TrafficFigures::new(&counts, Duration::from_secs(60), 0)
    }

    #[test]
    fn down_at_the_ratio_with_enough_requests_never_with_too_few() {
        let rules = Traffic::new();
        assert_eq!(
            rules.judge(&figures(19, 19, 1)).0,
            ComponentStatus::Up,
            "too few"
        );
        assert_eq!(rules.judge(&figures(20, 9, 1)).0, ComponentStatus::Up);
        let (status, reason) = rules.judge(&figures(20, 10, 1));
        assert_eq!(status, ComponentStatus::Down);
        assert!(
            reason
                .unwrap()
                .starts_with("20 requests in 60s, 50.0% failed")
        );
        assert_eq!(rules.judge(&figures(0, 0, 0)).0, ComponentStatus::Up);
    }

    #[test]
    fn degraded_past_the_latency_budget() {
        let rules = Traffic::new().p99_budget(Duration::from_millis(100));
        assert_eq!(rules.judge(&figures(50, 0, 90)).0, ComponentStatus::Up);
        let (status, reason) = rules.judge(&figures(50, 0, 300));
        assert_eq!(status, ComponentStatus::Degraded);
        assert!(reason.unwrap().ends_with("(p99 budget 100ms)"));
        assert_eq!(
            rules.judge(&figures(50, 40, 300)).0,
            ComponentStatus::Down,
            "failures first"
        );
        assert_eq!(
            rules.judge(&figures(5, 0, 300)).0,
            ComponentStatus::Up,
            "too few"
        );
    }

    #[test]
    fn bad_settings_are_named() {
        assert!(Traffic::new().problem().is_none());
        for (rules, says) in [
            (Traffic::new().failure_ratio(0.0), "failure ratio"),
            (Traffic::new().failure_ratio(1.5), "failure ratio"),
            (Traffic::new().failure_ratio(f64::NAN), "failure ratio"),
            (Traffic::new().min_requests(0), "minimum"),
            (Traffic::new().window(Duration::from_millis(10)), "window"),
            (Traffic::new().probes([Probe::Liveness]), "liveness"),
        ] {
            assert!(rules.problem().unwrap().contains(says), "{says}");
        }
    }
}
