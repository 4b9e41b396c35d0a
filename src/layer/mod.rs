//! The layer: health paths answered in front of any tower service, the last stage.
//!
//! [`HealthLayer`] wraps a service in a [`HealthService`], which answers a request on a
//! health path itself, from the [`Health`](crate::health::Health) handle's published
//! snapshot, and forwards every other request untouched; [`ResponseFuture`] and
//! [`ResponseBody`] carry either answer. Beside them: matching paths exactly (`paths`)
//! behind a one-byte prefilter (`prefilter`), reading `?verbose` and `?exclude=` (`view`),
//! choosing a format from `Accept` (`negotiate`), picking the answer (`answer`) and turning
//! a rendered body into an HTTP response with its headers (`response`), and recording a
//! forwarded request for the traffic component (`recorder`).

mod answer;
mod body;
mod config;
mod future;
mod health_layer;
mod health_service;
mod negotiate;
mod paths;
mod prefilter;
mod recorder;
mod response;
mod view;

pub use body::ResponseBody;
pub use future::ResponseFuture;
pub use health_layer::HealthLayer;
pub use health_service::HealthService;
