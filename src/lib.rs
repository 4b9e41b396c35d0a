//! Health-check endpoints for any tower stack: axum, tonic, plain hyper.
//!
//! [`HealthLayer`] wraps a service and answers the health probes itself, before the
//! request reaches authentication, rate limits or the application. It answers from a
//! shared [`Health`] handle that the application and background tasks mark; every change
//! re-renders the bodies once, so a probe costs a clone of bytes and never waits on I/O.
//!
//! | probe | default path | 200 when |
//! |---|---|---|
//! | liveness | `/healthz` | the process is not marked broken, and every critical liveness member is up (none by default) |
//! | readiness | `/readyz` | started, not draining, not refusing traffic, every critical readiness member up |
//! | startup | `/startupz` | [`Health::mark_started`] was called, every [start-up gate](Health::startup_gate) is released and every startup member has passed once (latches) |
//! | combined | `/health` | as readiness; the body shows lifecycle and every component |
//!
//! Each check and manual component counts for the probes you choose (readiness by
//! default; see [`NamedCheck::probes`] and [`HealthBuilder::component_for`]), and
//! [groups](Group) add probes of your own on their own paths. A failing probe answers `503`;
//! a non-critical member that is down makes the status `degraded` and keeps `200` (unless
//! [mapped to 503](HealthBuilder::fail_when_degraded)). Only `GET` and `HEAD` are answered, other methods get `405`
//! with `Allow: GET, HEAD`. Every health response carries `Cache-Control: no-store`, and a
//! degraded readiness answer `x-envoy-degraded` ([`Probe::Readiness`]). A path
//! matches exactly (a query string is allowed); anything else goes to the inner service
//! untouched.
//!
//! # Install
//!
//! ```sh
//! cargo add tower-health --features postgres,redis   # the integrations you use, see below
//! ```
//!
//! Minimum Rust version 1.88; with the `postgres`, `mysql` or `sqlite` feature 1.94 (sqlx
//! 0.9's own), with `nats` 1.89 (async-nats 0.52's). The built-in checks take the
//! application's own client, so the application depends on the client crate at the major
//! version tower-health builds against: `sqlx` 0.9 (features `runtime-tokio` and the
//! database's: `postgres`, `mysql`, `sqlite`) for [`checks::postgres`](checks#built-in-checks),
//! `checks::mysql` and `checks::sqlite`, `redis` 1 (features `tokio-comp`,
//! `connection-manager`) for `checks::redis`, `deadpool-postgres` 0.14 (over `tokio-postgres`
//! 0.7) for `checks::deadpool_postgres`, `lapin` 4 for `checks::rabbitmq`, `async-nats` 0.52
//! for `checks::nats`, `tonic` 0.14 to serve `grpc` (and, with its `transport` feature, the
//! `Channel` `checks::grpc` takes). Each check's documentation shows how to build its client.
//!
//! # Logging
//!
//! The crate logs through [`tracing`](https://docs.rs/tracing): a component going down (warn,
//! with its error) or up (info), the first failure of a streak below the failure threshold
//! (`health: redis failing (1/3): …`), configuration warnings from [`Health::lint`]. Nothing
//! is printed unless the application installs a subscriber (e.g.
//! `tracing_subscriber::fmt().init()`).
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
//!         health.mark_refusing_traffic("maintenance");
//!     }))
//!     .layer(HealthLayer::new(health.clone()).handle_in_extensions(true)); // outermost
//!
//! // Not started, and the consumer has not reported in: not ready.
//! let readyz = || Request::get("/readyz").body(Body::empty()).unwrap();
//! assert_eq!(app.clone().oneshot(readyz()).await.unwrap().status(), 503);
//!
//! health.mark_started();
//! health.mark_up("queue-consumer");
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
//! Checks run in a background engine ([`Health::start_checks`]), each on its interval, with
//! a timeout that drops the check's future, thresholds before a status flips, and panics
//! caught. Probes read the last results and never wait for a check. A check is `unknown`
//! (failing readiness) until its first result; results older than three intervals and a
//! timeout (a stopped engine) count as failing.
//!
//! A threshold is failures or successes in a row, or a duration whatever the interval
//! ([`NamedCheck::down_after`], [`NamedCheck::up_after`]). The first run waits a random part
//! of the interval, at most 30 s ([`NamedCheck::initial_jitter`]; not for a check
//! [required for startup](HealthBuilder::require_for_startup)), and a check that is down can
//! run on an interval of its own ([`NamedCheck::down_interval`]). Each option is per check or
//! a builder-wide default.
//!
//! With the defaults (every 5 s, a 2 s timeout, down after 3 failures in a row) a dependency
//! that refuses connections fails readiness 10 to 16.5 s after it goes away, one that hangs
//! up to 22.5 s; the kubelet's own `failureThreshold × periodSeconds` comes on top.
//! [`Health::detection_times`] computes this for a configuration, and
//! [`Deployment::unready_within`](lint::Deployment::unready_within) makes the linter warn
//! when it is too long.
//!
//! Built-in checks reuse the application's pool or client (see [`checks`]): `postgres`
//! over a `sqlx::PgPool` (feature `postgres`), `deadpool_postgres` over a
//! `deadpool_postgres::Pool` for services on tokio-postgres (feature `deadpool-postgres`;
//! `degraded` when every client is in use), `redis` over a redis-rs connection (feature
//! `redis`), `rabbitmq` over the application's current lapin connection (feature `rabbitmq`),
//! `nats` over an async-nats client (feature `nats`), `http` over a hyper-util client (feature
//! `http`), `grpc` over a tonic channel, asking the downstream's `grpc.health.v1` service
//! (feature `grpc`), `tls` watching the certificate an endpoint presents (feature `tls`),
//! `disk` for free space on a path's filesystem (feature `disk`), [`checks::tcp`], and
//! [`checks::heartbeat`] for a background task that beats (down when no beat came within its
//! TTL). Any async closure returning `Result<(), E>` is a check too; one that returns
//! [`CheckError::degraded`](checks::CheckError::degraded) passes impaired (`degraded`);
//! [write your own](checks#write-your-own) over any other client in a few lines.
//!
//! Checks come and go while the service runs: [`Health::add_check`] starts a new one at
//! once (a name already taken is refused, never replaced) and [`Health::remove`] stops one,
//! dropping its run in flight; bodies, groups, gRPC statuses, metrics and the status page
//! follow on the next snapshot. An operator [demotes](Health::demote) a flapping one to
//! report-only, with a reason and perhaps a deadline, and [restores](Health::restore) it:
//! while demoted it fails no probe, and every view says so.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! use std::time::Duration;
//! use tower_health::{ComponentStatus, Health, NamedCheck, Probe, Status};
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
//! health.start_checks();
//!
//! let mut changes = health.subscribe();
//! let snapshot = changes
//!     .wait_for(|s| s.components().all(|(_, c)| c.status() != ComponentStatus::Unknown))
//!     .await
//!     .unwrap()
//!     .clone();
//! assert_eq!(snapshot.status(Probe::Readiness), Status::Degraded);
//! assert_eq!(snapshot.component("search").unwrap().error(), Some("index offline"));
//! # }
//! ```
//!
//! # Health from the traffic itself
//!
//! Every check can pass while users get errors. With [`HealthBuilder::traffic`] the layer
//! records each forwarded request (probes never count) in sharded atomic counters, and a
//! `traffic` component is judged from a sliding window of them: down when the failure ratio
//! reaches its bound with enough requests, degraded past a p99 latency budget, report-only
//! unless it is made to count (see [`Traffic`]). Off by default, and then free.
//!
//! ```
//! use tower_health::{Health, HealthLayer, Probe, Traffic};
//!
//! let health = Health::builder()
//!     .traffic(Traffic::new().failure_ratio(0.3).probes([Probe::Readiness]))
//!     .build();
//! let layer = HealthLayer::new(health.clone());
//! assert!(health.snapshot().component("traffic").unwrap().status().is_up());
//! ```
//!
//! # How the crate is laid out
//!
//! Data flows one way, and each module is one stage of it; a module imports only the
//! stages before it:
//!
//! ```text
//! checks ──► engine ──► health (handle: state, lifecycle, clock) ──► layer ──► response
//!   (run on interval,      │ publishes a Snapshot on every change        ▲
//!    timeout, thresholds)  ▼                                             │
//!                      model (pure data, verdicts) ──► render (bodies) ──┘
//! ```
//!
//! - [`model`]: pure data and the verdict rules (state, lifecycle, component, status,
//!   probe, transition, the [`traffic`] counters, windows and rules). No tasks, no I/O.
//! - [`checks`]: the [`Check`] trait, [`NamedCheck`], [`CheckError`], the built-in checks.
//! - `engine` (internal): runs the checks and reports each result to what it is handed.
//! - `fleet` (feature `fleet`): the peers the engine asks about a shared check that fails,
//!   after the engine in the flow (it answers the engine's question).
//! - `render` (internal): bodies from the model (JSON, health+json, verbose text), as bytes.
//! - [`health`]: the [`Health`] handle, split by job (builder, engine start and results,
//!   lifecycle and component setters, clock, publishing, [`Snapshot`], details policy,
//!   shutdown).
//! - [`layer`]: [`HealthLayer`] and [`HealthService`], in tower-http's shape; with
//!   [traffic](Traffic) observed, the recorder writing each forwarded request into the
//!   model's counters, which the handle's clock folds into the `traffic` component.
//! - Integrations that read the handle: [`lint`] (configuration against the orchestrator's
//!   probe settings), `grpc` (feature `grpc`) and `metrics` (feature `metrics`).
//! - `probe_server` (feature `probe-server`): the layer served on an address of its own,
//!   after the layer in the flow.
//!
//! # Cargo features
//!
//! None is on by default: the layer, the handle, the engine, closure and TCP checks need
//! nothing else. Each feature is named after the module it enables.
//!
//! | feature | enables | on |
//! |---|---|---|
//! | `postgres` | `checks::postgres`: a pooled connection pinged, `degraded` when the pool is exhausted | sqlx |
//! | `mysql` | `checks::mysql`: the same for MySQL and MariaDB (one implementation, `checks::SqlxCheck`) | sqlx |
//! | `sqlite` | `checks::sqlite`: the same for SQLite | sqlx (bundled SQLite) |
//! | `deadpool-postgres` | `checks::deadpool_postgres`: a `SELECT 1` round trip over a deadpool-postgres pool, `degraded` when the pool is exhausted | deadpool-postgres, tokio-postgres |
//! | `redis` | `checks::redis` | redis-rs |
//! | `rabbitmq` | `checks::rabbitmq`: a channel opened and closed on the application's lapin connection, whichever way it reconnects | lapin (tokio) |
//! | `nats` | `checks::nats`: a request the server answers, on the application's async-nats client | async-nats |
//! | `http` | `checks::http`, `checks::http_with_client` | hyper-util's client |
//! | `tls` | `checks::tls`: a TLS certificate's expiry (`degraded` within 14 days), its chain against a given root | rustls (ring), x509-parser |
//! | `disk` | `checks::disk`: free space on a path's filesystem | fs4 (statvfs through rustix) |
//! | `grpc` | `grpc`: the standard gRPC health service (`Check`, `Watch`, `List`) from the same state; `checks::grpc`: a downstream's gRPC health | tonic, prost (tonic-health's client and reporter) |
//! | `metrics` | `metrics`: check and probe gauges and a duration histogram | the `metrics` facade |
//! | `probe-server` | `probe_server`: the probes on an address of their own, from a dedicated thread | hyper |
//! | `fleet` | `fleet`: a shared check's outage across every replica holds readiness | hyper's client |
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod checks;
mod engine;
#[cfg(feature = "fleet")]
#[cfg_attr(docsrs, doc(cfg(feature = "fleet")))]
pub mod fleet;
#[cfg(feature = "grpc")]
#[cfg_attr(docsrs, doc(cfg(feature = "grpc")))]
pub mod grpc;
pub mod health;
pub mod layer;
pub mod lint;
#[cfg(feature = "metrics")]
#[cfg_attr(docsrs, doc(cfg(feature = "metrics")))]
pub mod metrics;
pub mod model;
#[cfg(feature = "probe-server")]
#[cfg_attr(docsrs, doc(cfg(feature = "probe-server")))]
pub mod probe_server;
mod render;

pub use checks::{Check, CheckError, NamedCheck};
pub use health::{Details, Health, HealthBuilder, Snapshot};
pub use layer::{HealthLayer, HealthService};
pub use model::traffic;
pub use model::{ComponentStatus, Group, Probe, Status, Traffic};
#[cfg(feature = "probe-server")]
#[cfg_attr(docsrs, doc(cfg(feature = "probe-server")))]
pub use probe_server::{AgentCheck, ProbeServer, Watchdog};

// The README's Rust snippets, compiled (and the runnable ones run) as doctests; they use
// every integration.
#[cfg(all(
    doctest,
    feature = "postgres",
    feature = "redis",
    feature = "http",
    feature = "grpc",
    feature = "metrics",
    feature = "probe-server",
    feature = "fleet",
    feature = "tls",
    feature = "disk"
))]
#[doc = include_str!("../README.md")]
struct ReadmeSnippets;
