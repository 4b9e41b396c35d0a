//! What a debugging recorder saw, by kind, name and labels: for the metrics' tests.

use std::collections::HashMap;

use metrics::Unit;
use metrics_util::MetricKind;
use metrics_util::debugging::{DebugValue, Snapshotter};

/// `(kind, name, labels)` → (unit, description, value), from a snapshot of `recorder`.
pub(super) type Seen = HashMap<
    (MetricKind, String, Vec<(String, String)>),
    (Option<Unit>, Option<String>, DebugValue),
>;

pub(super) fn read(snapshotter: &Snapshotter) -> Seen {
    snapshotter
        .snapshot()
        .into_vec()
        .into_iter()
        .map(|(key, unit, description, value)| {
            let (kind, key) = key.into_parts();
            let labels = key
                .labels()
                .map(|label| (label.key().to_owned(), label.value().to_owned()))
                .collect();
            let description = description.map(|d| d.to_string());
            (
                (kind, key.name().to_owned(), labels),
                (unit, description, value),
            )
        })
        .collect()
}

pub(super) fn gauge_value(seen: &Seen, name: &str, label: (&str, &str)) -> f64 {
    let key = (
        MetricKind::Gauge,
        name.to_owned(),
        vec![(label.0.to_owned(), label.1.to_owned())],
    );
    match seen.get(&key) {
        Some((_, _, DebugValue::Gauge(value))) => value.into_inner(),
        other => panic!("no gauge {name}{{{}={:?}}}: {other:?}", label.0, label.1),
    }
}
