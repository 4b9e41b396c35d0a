//! The traffic component's figures as JSON numbers, for the JSON formats.

use std::time::Duration;

use serde_json::{Value, json};

use crate::model::traffic::TrafficFigures;

/// `{"window_s":60,"requests":1204,"failures":5,"failure_ratio":0.0042,…}`: latencies in
/// milliseconds (to the microsecond), `null` without requests.
pub(super) fn figures(figures: &TrafficFigures) -> Value {
    let ms = |latency: Option<Duration>| latency.map(|d| d.as_micros() as f64 / 1e3);
    json!({
        "window_s": figures.window().as_secs_f64(),
        "requests": figures.requests(),
        "failures": figures.failures(),
        "failure_ratio": (figures.failure_ratio() * 1e4).round() / 1e4,
        "responses": {
            "1xx": figures.responses(1),
            "2xx": figures.responses(2),
            "3xx": figures.responses(3),
            "4xx": figures.responses(4),
            "5xx": figures.responses(5),
        },
        "errors": figures.errors(),
        "abandoned": figures.abandoned(),
        "in_flight": figures.in_flight(),
        "p50_ms": ms(figures.p50()),
        "p90_ms": ms(figures.p90()),
        "p99_ms": ms(figures.p99()),
    })
}
