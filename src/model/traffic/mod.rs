//! Traffic: what the service's own forwarded requests say about its health.
//!
//! The layer writes `Counters` (sharded atomics) for every forwarded request, judging each
//! response with the operator's [`Classifier`]; the handle's clock folds them into a
//! `Window` of buckets (`Counts`, latencies in the fixed log-scale histogram of `latency`),
//! and [`Traffic`]'s rules judge the window's [`TrafficFigures`] into the `traffic`
//! component's status.

pub(crate) mod classifier;
pub(crate) mod counters;
pub(crate) mod counts;
pub(crate) mod figures;
pub(crate) mod latency;
pub(crate) mod rules;
pub(crate) mod window;

pub use classifier::Classifier;
pub use figures::TrafficFigures;
pub use rules::Traffic;
