//! Health-check endpoints for any tower stack: axum, tonic, plain hyper.
//!
//! [`HealthLayer`] wraps a service and answers the health probes itself, before the
//! request reaches authentication, rate limits or the application. It answers from a
//! shared [`Health`] handle that the application and background tasks flip; every change
//! re-renders the bodies once, so a probe costs a clone of bytes and never waits on I/O.
//!
//! | probe | default path | 200 when |
//! |---|---|---|
//! | liveness | `/healthz` | the process is not marked broken (no dependency counts) |
//! | readiness | `/readyz` | started, not draining, not refusing traffic, every critical component up |
//! | startup | `/startupz` | [`Health::mark_started`] was called (a latch) |
//! | combined | `/health` | as readiness; the body shows lifecycle and every component |
//!
//! A failing probe answers `503`; a non-critical component that is down makes the status
//! `degraded` and keeps `200`. Only `GET` and `HEAD` are answered, other methods get `405`
//! with `Allow: GET, HEAD`. Every health response is `application/json` with
//! `Cache-Control: no-store`. A path matches exactly (a query string is allowed); anything
//! else goes to the inner service untouched.
//!
//! # Example
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! use axum::{Extension, Router, body::Body, routing::post};
//! use http::Request;
//! use tower::ServiceExt;
//! use tower_health::{Health, HealthLayer};
//!
//! let health = Health::builder().component("queue-consumer").build();
//!
//! let app = Router::new()
//!     // A handler behind the layer reaches the handle through the request extensions
//!     // (`handle_in_extensions(true)` below; or give it a clone, or use axum state).
//!     .route("/admin/unready", post(|Extension(health): Extension<Health>| async move {
//!         health.refuse_traffic("maintenance");
//!     }))
//!     .layer(HealthLayer::new(health.clone()).handle_in_extensions(true)); // outermost
//!
//! // Not started, and the consumer has not reported in: not ready.
//! let readyz = || Request::get("/readyz").body(Body::empty()).unwrap();
//! assert_eq!(app.clone().oneshot(readyz()).await.unwrap().status(), 503);
//!
//! health.mark_started();
//! health.set_up("queue-consumer");
//! assert_eq!(app.clone().oneshot(readyz()).await.unwrap().status(), 200);
//!
//! let unready = Request::post("/admin/unready").body(Body::empty()).unwrap();
//! app.clone().oneshot(unready).await.unwrap();
//! assert_eq!(app.clone().oneshot(readyz()).await.unwrap().status(), 503);
//! # }
//! ```
//!
//! # Dependency checks
//!
//! Checks run in a background engine ([`Health::spawn`]), each on its interval, with a
//! timeout that drops the check's future, thresholds before a status flips, and panics
//! caught. Probes read the last results and never wait for a check. A check is `unknown`
//! (failing readiness) until its first result; results older than three intervals and a
//! timeout (a stopped engine) count as failing.
//!
//! Built-in checks reuse the application's pool or client: [`checks::postgres`] (feature
//! `postgres`, over a `sqlx::PgPool`), [`checks::redis`] (feature `redis`, over a redis-rs
//! connection), [`checks::http`] (feature `http-check`) and [`checks::tcp`]. Any async
//! closure returning `Result<(), E>` is a check too.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! use std::time::Duration;
//! use tower_health::{Health, NamedCheck, Probe, Status};
//!
//! let health = Health::builder()
//!     .check("cache-warm", || async { Ok::<(), String>(()) })
//!     .add_check(
//!         NamedCheck::new("search", || async { Err("index offline") })
//!             .non_critical()
//!             .timeout(Duration::from_millis(500)),
//!     )
//!     .interval(Duration::from_secs(5))
//!     .build();
//! health.mark_started();
//! health.spawn();
//!
//! let mut changes = health.subscribe();
//! let snapshot = changes
//!     .wait_for(|s| s.components().all(|(_, c)| c.status() != tower_health::ComponentStatus::Unknown))
//!     .await
//!     .unwrap()
//!     .clone();
//! assert_eq!(snapshot.status(Probe::Readiness), Status::Degraded);
//! assert_eq!(snapshot.component("search").unwrap().error(), Some("index offline"));
//! # }
//! ```
//!
//! # Metrics
//!
//! With the feature `metrics`, results and verdicts are recorded through the
//! [`metrics`](https://docs.rs/metrics) facade into whatever recorder the application
//! installed (e.g. `metrics-exporter-prometheus`). They are written when a check finishes
//! and when the state changes; a scrape only reads the recorder and never runs a check.
//!
//! | name | type | labels | value |
//! |---|---|---|---|
//! | `health_check_status` | gauge | `check` | each check and manual component: `1` up, `0` down, `-1` unknown |
//! | `health_check_duration_seconds` | histogram | `check` | how long each check run took (one sample per run) |
//! | `health_check_consecutive_failures` | gauge | `check` | failures in a row up to the last result |
//! | `health_probe_status` | gauge | `probe` (`liveness`, `readiness`, `startup`, `combined`) | `1` passing (ok or degraded), `0` failing |
//!
//! The metrics are described (unit and help text) once per process, on the first record:
//! install the recorder at start, before the first check runs or the state first changes.

mod accept;
mod answer;
mod body;
mod builder;
mod check;
pub mod checks;
mod component;
mod details;
mod engine;
mod future;
#[cfg(feature = "tonic")]
pub mod grpc;
mod layer;
mod lint;
#[cfg(feature = "metrics")]
mod metrics;
mod named_check;
mod paths;
mod probe;
mod query;
mod redact;
mod render;
mod respond;
mod service;
mod shutdown;
mod snapshot;
mod state;
mod status;
mod transition;

pub use body::ResponseBody;
pub use builder::HealthBuilder;
pub use check::{Check, CheckError, CheckFuture};
pub use component::{Component, ComponentKind};
pub use details::{Details, ProbeRequest};
pub use future::ResponseFuture;
pub use layer::HealthLayer;
pub use lint::{ConfigWarning, Deployment, ProbeSettings};
pub use named_check::NamedCheck;
pub use probe::Probe;
pub use service::HealthService;
pub use snapshot::Snapshot;
pub use state::Health;
pub use status::{ComponentStatus, Status};
pub use transition::Transition;
