//! Metrics through the [`metrics`](https://docs.rs/metrics) facade.
//!
//! Results and verdicts are written into whatever recorder the application installed (e.g.
//! `metrics-exporter-prometheus`) when a check finishes and when the state changes; a
//! scrape only reads the recorder and never runs a check.
//!
//! | name | type | labels | value |
//! |---|---|---|---|
//! | [`health_check_status`](CHECK_STATUS) | gauge | `check` | each check and manual component: `1` up, `0.5` degraded, `0` down, `-1` unknown |
//! | [`health_check_duration_seconds`](CHECK_DURATION) | histogram | `check` | how long each check run took (one sample per run) |
//! | [`health_check_consecutive_failures`](CHECK_FAILURES) | gauge | `check` | failures in a row up to the last result |
//! | [`health_probe_status`](PROBE_STATUS) | gauge | `probe` (`liveness`, `readiness`, `startup`, `combined`, and each group's name) | `1` passing (HTTP 200), `0` failing (HTTP 503) |
//! | [`health_check_flapping`](CHECK_FLAPPING) | gauge | `check` | each check and manual component: `1` while it [flaps](crate::health::HealthBuilder::flap_detection), `0` otherwise |
//! | [`health_check_critical`](CHECK_CRITICAL) | gauge | `check` | each check and manual component: `1` when its failure fails the probes it counts for, `0` when it only degrades them |
//! | [`health_check_demoted`](CHECK_DEMOTED) | gauge | `check` | each check and manual component: `1` while an operator has [demoted](crate::health::Health::demote) it to report-only, `0` otherwise |
//! | [`health_check_down_across_fleet`](CHECK_DOWN_ACROSS_FLEET) | gauge | `check` | each [shared](crate::checks::NamedCheck::shared) check: `1` down here and, by the peers' word, across the fleet (readiness holds), `0` otherwise |
//! | [`health_peer_requests_total`](PEER_REQUESTS) | counter | `check`, `answer` (`up`, `down`, `none`) | questions to peers about a failing shared check (feature `fleet`) |
//! | `health_certificate_expiry_seconds` (`CERTIFICATE_EXPIRY`) | gauge | `check` | each TLS check (`checks::tls`): seconds left before its certificate expires, negative once expired, set on each run that reads one (feature `tls`) |
//!
//! The metrics are described (unit and help text) once per process, on the first record:
//! install the recorder at start, before the first check runs or the state first changes.
//!
//! The [`Health`](crate::health::Health) handle calls two hooks: one after it applied a
//! check result, one whenever it publishes a new state. They read the model only. Its
//! clock also writes every gauge again each
//! [refresh period](crate::health::HealthBuilder::metrics_refresh) (10 s by default),
//! changed or not.
//!
//! # Removed checks and idle series
//!
//! When a check or component is [removed](crate::health::Health::remove) while running, the
//! handle stops writing its series at once. The `metrics` facade cannot do more: its
//! `Recorder` has no call to remove a series, so a recorder keeps each one until it decides
//! otherwise. metrics-exporter-prometheus decides with its idle timeout: a series not
//! written for that long is deleted from its registry at the next render (or upkeep), and
//! leaves the scrape. So build the exporter with one, above the refresh period:
//!
//! ```
//! use std::time::Duration;
//! use metrics_exporter_prometheus::PrometheusBuilder;
//! use metrics_util::MetricKindMask;
//! use tower_health::Health;
//!
//! let recorder = PrometheusBuilder::new()
//!     .idle_timeout(MetricKindMask::ALL, Some(Duration::from_secs(60)))
//!     .build_recorder();
//! let health = Health::builder()
//!     .metrics_refresh(Duration::from_secs(20)) // below the idle timeout
//!     .build();
//! ```
//!
//! The gauges of everything still there are rewritten every refresh period and never go
//! idle; a removed check's gauges leave the scrape within the timeout. Histograms and
//! counters are written only when something happens (a run, a question to a peer): a live
//! check's duration histogram stays only while the check runs more often than the timeout,
//! so choose a timeout above the longest interval (down interval included) and timeout of
//! your checks, or leave histograms and counters out of the mask
//! (`MetricKindMask::GAUGE`), which keeps a removed check's histogram and peer counters.
//! Without an idle timeout the exporter keeps a removed check's series at their last value.

use std::sync::Once;

use ::metrics::{Gauge, counter, gauge, histogram};

use crate::model::component::Component;
use crate::model::probe::Probe;
use crate::model::scope::Scope;
use crate::model::state::State;
use crate::model::status::ComponentStatus;
use crate::model::target::Target;

#[cfg(feature = "tls")]
mod certificate;
mod describe;
mod refresh;
#[cfg(test)]
mod seen;
mod traffic;

#[cfg(feature = "tls")]
#[cfg_attr(docsrs, doc(cfg(feature = "tls")))]
pub use certificate::CERTIFICATE_EXPIRY;
use describe::describe;
pub(crate) use refresh::refresh;
pub(crate) use traffic::record_traffic;
pub use traffic::{TRAFFIC_FAILURE_RATIO, TRAFFIC_IN_FLIGHT, TRAFFIC_P99, TRAFFIC_REQUESTS};

/// The status of each check and manual component: 1 up, 0.5 degraded, 0 down, -1 unknown.
pub const CHECK_STATUS: &str = "health_check_status";
/// How long each check run took, in seconds.
pub const CHECK_DURATION: &str = "health_check_duration_seconds";
/// Failures in a row of each check up to its last result.
pub const CHECK_FAILURES: &str = "health_check_consecutive_failures";
/// The verdict of each probe and group: 1 passing (HTTP 200), 0 failing (HTTP 503).
pub const PROBE_STATUS: &str = "health_probe_status";
/// Each check and manual component: 1 while it flaps (changes status too often), 0 otherwise.
pub const CHECK_FLAPPING: &str = "health_check_flapping";
/// Each check and manual component: 1 when its failure fails the probes it counts for, 0
/// when it only degrades them.
pub const CHECK_CRITICAL: &str = "health_check_critical";
/// Each check and manual component: 1 while an operator has demoted it to report-only
/// ([`Health::demote`](crate::health::Health::demote)), 0 otherwise.
pub const CHECK_DEMOTED: &str = "health_check_demoted";
/// Each shared check: 1 down here and across the fleet (readiness holds), 0 otherwise.
pub const CHECK_DOWN_ACROSS_FLEET: &str = "health_check_down_across_fleet";
/// Questions to peers about a failing shared check, by answer: `up`, `down`, `none`.
pub const PEER_REQUESTS: &str = "health_peer_requests_total";

/// Record one applied check result: its duration, its status and its failures in a row.
///
/// Called by the engine after every run, even when nothing visible changed, so the
/// duration histogram counts every run.
pub(crate) fn record_result(name: &str, component: &Component) {
    describe_once();
    if let Some(took) = component.last_duration() {
        histogram!(CHECK_DURATION, "check" => name.to_owned()).record(took.as_secs_f64());
    }
    gauge!(CHECK_STATUS, "check" => name.to_owned()).set(status_value(component.status()));
    gauge!(CHECK_FAILURES, "check" => name.to_owned())
        .set(f64::from(component.consecutive_failures()));
    if component.is_shared() {
        let fleet_wide = f64::from(u8::from(component.is_down_across_the_fleet()));
        gauge!(CHECK_DOWN_ACROSS_FLEET, "check" => name.to_owned()).set(fleet_wide);
    }
}

/// Record one peer's answer about the shared check `check`: `up`, `down` or `none`.
#[cfg_attr(
    not(feature = "fleet"),
    allow(dead_code, reason = "only the fleet asks peers")
)]
pub(crate) fn record_peer_answer(check: &str, answer: &'static str) {
    describe_once();
    counter!(PEER_REQUESTS, "check" => check.to_owned(), "answer" => answer).increment(1);
}

/// Record a published state: the verdict of every probe and group, and the status of every
/// component (manual ones, and checks whose last result expired).
pub(crate) fn record_state(state: &State) {
    describe_once();
    for target in state.targets() {
        let passing = state.passes(target, state.verdict(target, Scope::All));
        let value = if passing { 1.0 } else { 0.0 };
        match target {
            Target::Probe(probe) => probe_gauge(probe).set(value),
            Target::Group(_) => {
                gauge!(PROBE_STATUS, "probe" => state.name(target).to_owned()).set(value);
            }
        }
    }
    for (name, component) in &state.components {
        gauge!(CHECK_STATUS, "check" => name.to_owned()).set(status_value(component.status()));
        gauge!(CHECK_FLAPPING, "check" => name.to_owned())
            .set(f64::from(u8::from(component.is_flapping())));
        gauge!(CHECK_CRITICAL, "check" => name.to_owned())
            .set(f64::from(u8::from(component.is_critical())));
        gauge!(CHECK_DEMOTED, "check" => name.to_owned())
            .set(f64::from(u8::from(component.is_demoted())));
    }
}

/// The number a component status is exported as.
fn status_value(status: ComponentStatus) -> f64 {
    match status {
        ComponentStatus::Up => 1.0,
        ComponentStatus::Degraded => 0.5,
        ComponentStatus::Down => 0.0,
        ComponentStatus::Unknown => -1.0,
    }
}

/// The probe gauge, with a static key: no allocation.
fn probe_gauge(probe: Probe) -> Gauge {
    match probe {
        Probe::Liveness => gauge!(PROBE_STATUS, "probe" => "liveness"),
        Probe::Readiness => gauge!(PROBE_STATUS, "probe" => "readiness"),
        Probe::Startup => gauge!(PROBE_STATUS, "probe" => "startup"),
        Probe::Combined => gauge!(PROBE_STATUS, "probe" => "combined"),
    }
}

/// Describe the metrics to the recorder once per process, on the first record.
pub(crate) fn describe_once() {
    static DESCRIBED: Once = Once::new();
    DESCRIBED.call_once(describe);
}

#[cfg(test)]
mod tests {
    use std::time::Duration;
    use tokio::time::Instant;

    use ::metrics::{Unit, with_local_recorder};
    use metrics_util::MetricKind;
    use metrics_util::debugging::{DebugValue, DebuggingRecorder};

    use super::seen::{Seen, gauge_value, read};
    use super::*;
    use crate::model::component::ComponentKind;
    use crate::model::thresholds::Thresholds;

    const THRESHOLDS: Thresholds = Thresholds::counts(3, 1);

    fn record(component: &mut Component, result: Result<(), String>, took: Duration) {
        let now = Instant::now();
        component.record(result, took, THRESHOLDS, now, now + Duration::from_secs(60));
    }

    #[test]
    fn a_result_records_duration_status_and_failures() {
        let recorder = DebuggingRecorder::new();
        let snapshotter = recorder.snapshotter();
        let mut component = Component::new(ComponentKind::Check, true);
        with_local_recorder(&recorder, || {
            record(&mut component, Ok(()), Duration::from_millis(250));
            record_result("redis", &component);
        });
        let seen = read(&snapshotter);
        assert_eq!(gauge_value(&seen, CHECK_STATUS, ("check", "redis")), 1.0);
        assert_eq!(gauge_value(&seen, CHECK_FAILURES, ("check", "redis")), 0.0);
        let key = (
            MetricKind::Histogram,
            CHECK_DURATION.to_owned(),
            vec![("check".to_owned(), "redis".to_owned())],
        );
        match seen.get(&key) {
            Some((_, _, DebugValue::Histogram(values))) => {
                assert_eq!(values.len(), 1);
                assert!((values[0].into_inner() - 0.25).abs() < 1e-9, "{values:?}");
            }
            other => panic!("no duration histogram: {other:?}"),
        }

        // Two failures: down at once (from up it takes 3), two in a row.
        with_local_recorder(&recorder, || {
            for _ in 0..2 {
                record(&mut component, Err("boom".to_owned()), Duration::ZERO);
                record_result("redis", &component);
            }
        });
        let seen = read(&snapshotter);
        assert_eq!(gauge_value(&seen, CHECK_STATUS, ("check", "redis")), 1.0);
        assert_eq!(gauge_value(&seen, CHECK_FAILURES, ("check", "redis")), 2.0);
        with_local_recorder(&recorder, || {
            record(&mut component, Err("boom".to_owned()), Duration::ZERO);
            record_result("redis", &component);
        });
        let seen = read(&snapshotter);
        assert_eq!(gauge_value(&seen, CHECK_STATUS, ("check", "redis")), 0.0);
        assert_eq!(gauge_value(&seen, CHECK_FAILURES, ("check", "redis")), 3.0);
    }

    #[test]
    fn an_unknown_check_is_minus_one_and_no_run_no_duration() {
        let recorder = DebuggingRecorder::new();
        let snapshotter = recorder.snapshotter();
        let component = Component::new(ComponentKind::Check, true);
        with_local_recorder(&recorder, || record_result("db", &component));
        let seen = read(&snapshotter);
        assert_eq!(gauge_value(&seen, CHECK_STATUS, ("check", "db")), -1.0);
        assert!(
            !seen.keys().any(|(kind, ..)| *kind == MetricKind::Histogram),
            "no run, no duration: {seen:?}"
        );
    }

    #[test]
    fn groups_have_a_probe_gauge_and_report_only_checks_a_status() {
        use crate::model::demotion::Demotion;
        use crate::model::group::Group;
        use crate::model::probe_set::ProbeSet;

        let mut state = State::default();
        state.lifecycle.started = true;
        let mut search = Component::new(ComponentKind::Check, true);
        record(&mut search, Err("offline".to_owned()), Duration::ZERO);
        search.probes = ProbeSet::NONE;
        state.components.insert("search".to_owned(), search);
        let mut db = Component::new(ComponentKind::Check, true);
        db.demotion = Some(Demotion::at_ten_past_three("reindexing", None));
        state.components.insert("db".to_owned(), db);
        state.groups = vec![Group::new("deep", "/deep").members(["search"])].into();
        let recorder = DebuggingRecorder::new();
        let snapshotter = recorder.snapshotter();
        with_local_recorder(&recorder, || record_state(&state));
        let seen = read(&snapshotter);
        assert_eq!(gauge_value(&seen, CHECK_STATUS, ("check", "search")), 0.0);
        assert_eq!(gauge_value(&seen, CHECK_DEMOTED, ("check", "search")), 0.0);
        assert_eq!(gauge_value(&seen, CHECK_DEMOTED, ("check", "db")), 1.0);
        let readiness = gauge_value(&seen, PROBE_STATUS, ("probe", "readiness"));
        assert_eq!(readiness, 1.0, "db is unknown, and demoted");
        assert_eq!(gauge_value(&seen, PROBE_STATUS, ("probe", "deep")), 0.0);
    }

    #[test]
    fn the_handle_records_every_published_state() {
        // The hook as the handle calls it, on every change it publishes.
        use crate::health::Health;
        let recorder = DebuggingRecorder::new();
        let snapshotter = recorder.snapshotter();
        let health = Health::builder().component("queue").build();
        with_local_recorder(&recorder, || health.mark_started());
        let seen = read(&snapshotter);
        let probe =
            |seen: &Seen, probe: Probe| gauge_value(seen, PROBE_STATUS, ("probe", probe.name()));
        assert_eq!(probe(&seen, Probe::Liveness), 1.0);
        assert_eq!(probe(&seen, Probe::Startup), 1.0);
        assert_eq!(probe(&seen, Probe::Readiness), 0.0, "queue is unknown");
        assert_eq!(probe(&seen, Probe::Combined), 0.0);
        assert_eq!(gauge_value(&seen, CHECK_STATUS, ("check", "queue")), -1.0);

        with_local_recorder(&recorder, || health.mark_up("queue"));
        let seen = read(&snapshotter);
        assert_eq!(probe(&seen, Probe::Readiness), 1.0);
        assert_eq!(probe(&seen, Probe::Combined), 1.0);
        assert_eq!(gauge_value(&seen, CHECK_STATUS, ("check", "queue")), 1.0);

        with_local_recorder(&recorder, || {
            health.mark_down("queue", "consumer lagging");
        });
        let seen = read(&snapshotter);
        assert_eq!(probe(&seen, Probe::Readiness), 0.0);
        assert_eq!(gauge_value(&seen, CHECK_STATUS, ("check", "queue")), 0.0);

        with_local_recorder(&recorder, || {
            health.mark_up("queue");
            health.mark_draining();
        });
        let seen = read(&snapshotter);
        assert_eq!(probe(&seen, Probe::Readiness), 0.0, "draining");
        assert_eq!(probe(&seen, Probe::Liveness), 1.0);
        assert_eq!(gauge_value(&seen, CHECK_STATUS, ("check", "queue")), 1.0);
    }

    #[test]
    fn a_state_records_a_check_whose_result_expired() {
        let mut component = Component::new(ComponentKind::Check, true);
        record(&mut component, Ok(()), Duration::from_millis(1));
        assert!(component.expire(Instant::now() + Duration::from_secs(61)));
        let mut state = State::default();
        state.components.insert("db".to_owned(), component);
        let recorder = DebuggingRecorder::new();
        let snapshotter = recorder.snapshotter();
        with_local_recorder(&recorder, || record_state(&state));
        let seen = read(&snapshotter);
        assert_eq!(gauge_value(&seen, CHECK_STATUS, ("check", "db")), 0.0);
        let readiness = ("probe", "readiness");
        assert_eq!(gauge_value(&seen, PROBE_STATUS, readiness), 0.0);
    }

    #[test]
    fn metrics_are_described_with_units() {
        let recorder = DebuggingRecorder::new();
        let snapshotter = recorder.snapshotter();
        let mut component = Component::new(ComponentKind::Check, true);
        record(&mut component, Ok(()), Duration::from_millis(1));
        with_local_recorder(&recorder, || {
            describe();
            record_result("redis", &component);
            record_state(&State::default());
            // As the TLS check sets it, on the facade.
            #[cfg(feature = "tls")]
            ::metrics::gauge!(CERTIFICATE_EXPIRY, "check" => "certificate").set(86_400.0);
        });
        let seen = read(&snapshotter);
        let expected = [
            (MetricKind::Gauge, CHECK_STATUS, None),
            (MetricKind::Histogram, CHECK_DURATION, Some(Unit::Seconds)),
            (MetricKind::Gauge, CHECK_FAILURES, Some(Unit::Count)),
            (MetricKind::Gauge, PROBE_STATUS, None),
        ];
        #[cfg(feature = "tls")]
        let expected = expected.into_iter().chain([(
            MetricKind::Gauge,
            CERTIFICATE_EXPIRY,
            Some(Unit::Seconds),
        )]);
        for (kind, name, unit) in expected {
            let (found_unit, description, _) = seen
                .iter()
                .find(|((k, n, _), _)| *k == kind && n == name)
                .map(|(_, value)| value)
                .unwrap_or_else(|| panic!("{name} not recorded: {seen:?}"));
            assert_eq!(*found_unit, unit, "{name}");
            assert!(
                description.as_ref().is_some_and(|d| !d.is_empty()),
                "{name}"
            );
        }
    }
}
