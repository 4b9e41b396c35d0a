//! The traffic component's figures as gauges, set each time its window is folded.

use metrics::{Unit, describe_gauge, gauge};

use crate::model::traffic::TrafficFigures;

/// Requests completed in the traffic component's window.
pub const TRAFFIC_REQUESTS: &str = "health_traffic_requests";
/// The share of the window's requests that failed, 0 to 1.
pub const TRAFFIC_FAILURE_RATIO: &str = "health_traffic_failure_ratio";
/// p99 latency over the window, in seconds (absent until a request completed).
pub const TRAFFIC_P99: &str = "health_traffic_p99_seconds";
/// Forwarded requests not ended yet.
pub const TRAFFIC_IN_FLIGHT: &str = "health_traffic_in_flight";

/// Record the figures of the traffic component `name`'s last window.
pub(crate) fn record_traffic(name: &str, figures: &TrafficFigures) {
    super::describe_once();
    describe();
    let component = name.to_owned();
    gauge!(TRAFFIC_REQUESTS, "component" => component.clone()).set(figures.requests() as f64);
    gauge!(TRAFFIC_FAILURE_RATIO, "component" => component.clone()).set(figures.failure_ratio());
    gauge!(TRAFFIC_IN_FLIGHT, "component" => component.clone()).set(figures.in_flight() as f64);
    if let Some(p99) = figures.p99() {
        gauge!(TRAFFIC_P99, "component" => component).set(p99.as_secs_f64());
    }
}

fn describe() {
    static DESCRIBED: std::sync::Once = std::sync::Once::new();
    DESCRIBED.call_once(|| {
        describe_gauge!(
            TRAFFIC_REQUESTS,
            Unit::Count,
            "Requests completed in the traffic component's window."
        );
        describe_gauge!(
            TRAFFIC_FAILURE_RATIO,
            "Share of the traffic window's requests that failed, 0 to 1."
        );
        describe_gauge!(
            TRAFFIC_P99,
            Unit::Seconds,
            "p99 latency of the traffic window's requests."
        );
        describe_gauge!(
            TRAFFIC_IN_FLIGHT,
            Unit::Count,
            "Forwarded requests not ended yet."
        );
    });
}
