//! The standard gRPC health service (`grpc.health.v1.Health`: `Check`, `Watch` and `List`),
//! driven by the same [`Health`] state as the HTTP probes.
//!
//! A background task follows [`Health::subscribe`] and sets, on every new snapshot:
//!
//! | gRPC service name | `SERVING` when |
//! |---|---|
//! | `""` (the whole server) | readiness passes: started, not draining, not refusing traffic, every critical component up |
//! | each check or manual component, by its name | that component is up (`unknown` and `down` are `NOT_SERVING`), report-only ones included |
//! | each [group](crate::model::Group), by its name | the group passes, as its HTTP path answers 200 |
//!
//! While draining ([`Health::mark_draining`], or the signal behind [`Health::shutdown_signal`]) every
//! one of them answers `NOT_SERVING` at once.
//!
//! | method | answers |
//! |---|---|
//! | `Check` | the name's status; `NOT_FOUND` for any other name |
//! | `List` (gRPC proposal A90) | every name above with its status; `RESOURCE_EXHAUSTED` past [`LIST_LIMIT`] (100) names |
//! | `Watch` | the name's status at once, then each change; a name the server does not know is `SERVICE_UNKNOWN` and the stream goes on ([`WatchStream`]) |
//!
//! All three read one status table, published whole once per snapshot: a `List` never shows
//! half a change. A check added while running ([`Health::add_check`]) gets its name on the
//! next snapshot: `List` shows it, `Check` answers, and a `Watch` on its name that was
//! `SERVICE_UNKNOWN` sends its status. One [removed](Health::remove) turns `NOT_SERVING` and
//! is gone: `List` no longer shows it, `Check` answers `NOT_FOUND`, its `Watch` streams send
//! `NOT_SERVING` (unless that was their last message) then `SERVICE_UNKNOWN` and go on (they
//! see its status again if the name comes back).
//!
//! The task only reads snapshots: it never runs a check, and a call costs a map look-up
//! (`List`, a copy of the table). It tells the table only what changed, so a `Watch` stream
//! sees one message per change. A check whose last result is too old to vouch for it (the
//! engine was stopped) turns `NOT_SERVING` when the state marks it stale. Nothing of this
//! touches the HTTP path the layer forwards.
//!
//! The task does not keep the state alive: once the last [`Health`] handle is dropped, every
//! name turns `NOT_SERVING` (nothing vouches for them any more), the `Watch` streams end and
//! so does the task.
//!
//! The service is the crate's own, on tonic and prost: tonic-health has no `List`. Servers
//! that build on tonic-health's reporter keep it fed with [`report`]; the same task drives
//! both. [`pb`] has the messages, the server and a client with `list`:
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use tonic::transport::{Endpoint, Server};
//! use tonic::transport::server::TcpIncoming;
//! use tower_health::grpc::pb::health_check_response::ServingStatus;
//! use tower_health::grpc::pb::health_client::HealthClient;
//! use tower_health::grpc::pb::HealthListRequest;
//! use tower_health::{Group, Health};
//!
//! let health = Health::builder()
//!     .component("queue-consumer")
//!     .component("mailer")
//!     .group(Group::new("lb", "/lbz").members(["queue-consumer"]))
//!     .build();
//! health.mark_started();
//! health.mark_up("queue-consumer");
//! health.mark_down("mailer", "smtp refused");
//! let grpc_health = tower_health::grpc::health_service(&health).await;
//!
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! let addr = listener.local_addr()?;
//! // TCP_NODELAY, as `serve(addr)` sets it: without it a List answer of many names waits
//! // for the client's delayed ACK (40 ms) on the way out.
//! let incoming = TcpIncoming::from(listener).with_nodelay(Some(true));
//! tokio::spawn(Server::builder().add_service(grpc_health).serve_with_incoming(incoming));
//!
//! let channel = Endpoint::from_shared(format!("http://{addr}"))?.connect().await?;
//! let list = HealthClient::new(channel)
//!     .list(HealthListRequest {})
//!     .await?
//!     .into_inner();
//! let status = |name: &str| list.statuses[name].status();
//! assert_eq!(list.statuses.len(), 4);
//! assert_eq!(status(""), ServingStatus::NotServing); // mailer is critical and down
//! assert_eq!(status("queue-consumer"), ServingStatus::Serving);
//! assert_eq!(status("mailer"), ServingStatus::NotServing);
//! assert_eq!(status("lb"), ServingStatus::Serving);
//! # Ok(())
//! # }
//! ```

/// The `grpc.health.v1` messages, server and client, generated from gRPC's
/// `proto/grpc/health/v1/health.proto` (with proposal A90's `List`) by tonic-prost-build, and
/// committed: building the crate needs no protoc.
///
/// [`HealthClient`](pb::health_client::HealthClient) calls `Check`, `Watch` and `List` on any
/// tonic channel (it has no `connect`: the crate keeps tonic's `transport` feature off; build
/// it with `HealthClient::new(channel)`). [`Health`](pb::health_server::Health) is the trait
/// the crate's [`HealthService`] implements.
#[rustfmt::skip]
#[allow(missing_docs, unreachable_pub, missing_debug_implementations, clippy::all)]
pub mod pb;

mod follow;
mod reporter;
mod service;
mod statuses;
mod table;
mod watch;

use tokio::task::JoinHandle;
use tonic_health::server::HealthReporter;

use crate::health::Health;

pub use service::{HealthService, LIST_LIMIT};
pub use watch::WatchStream;

/// The tonic service [`health_service`] returns, to hand to tonic's `add_service`.
pub type HealthServer = pb::health_server::HealthServer<HealthService>;

/// The gRPC health service (`Check`, `Watch` and `List`) for a tonic server, reporting
/// `health`'s state: [`HealthService::new`], ready for `add_service`.
///
/// It starts the background task that keeps the statuses up to date and returns once they
/// reflect the current snapshot, so the first call already tells the truth. See the
/// [module documentation](self) for what each service name reports.
///
/// ```no_run
/// # async fn example() -> Result<(), Box<dyn std::error::Error>> {
/// use std::time::Duration;
/// use tonic::transport::Server;
/// use tower_health::{Health, HealthLayer};
///
/// let health = Health::builder().component("queue-consumer").build();
/// let grpc_health = tower_health::grpc::health_service(&health).await;
/// health.mark_started();
///
/// Server::builder()
///     .accept_http1(true) // kubelet HTTP probes on the gRPC port
///     .layer(HealthLayer::new(health.clone()))
///     .add_service(grpc_health)
///     .serve_with_shutdown(
///         "0.0.0.0:50051".parse()?,
///         health.shutdown_signal(Duration::from_secs(5)),
///     )
///     .await?;
/// # Ok(())
/// # }
/// ```
///
/// # Panics
///
/// When awaited outside a tokio runtime, like [`tokio::spawn`].
pub async fn health_service(health: &Health) -> HealthServer {
    HealthServer::new(HealthService::new(health).await)
}

/// Keep an existing tonic-health `reporter` up to date with `health`'s state, for a server
/// that serves tonic-health's own service (`Check` and `Watch`; it has no `List`) and reports
/// services of its own through the same reporter.
///
/// The service name `""` and the names of `health`'s components and groups belong to this
/// task from now on; other names stay the application's. The statuses are those of the
/// [module documentation](self), from the same task as [`health_service`]'s, with
/// tonic-health's answers for a name removed: `NOT_SERVING`, then cleared (`Check` answers
/// `NOT_FOUND`, and tonic-health ends its `Watch` streams). It returns once the reporter
/// reflects the current snapshot, with the task's handle: the task ends after the last
/// [`Health`] handle is dropped, or when aborted.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use std::time::Duration;
/// use tonic::Request;
/// use tonic_health::pb::health_check_response::ServingStatus;
/// use tonic_health::pb::health_server::Health as _;
/// use tonic_health::pb::HealthCheckRequest;
/// use tonic_health::server::{HealthReporter, HealthService};
/// use tower_health::Health;
///
/// let health = Health::builder().component("queue-consumer").build();
/// let reporter = HealthReporter::new();
/// let service = HealthService::from_health_reporter(reporter.clone());
/// let task = tower_health::grpc::report(&health, reporter).await;
///
/// let check = |name: &str| {
///     let request = Request::new(HealthCheckRequest { service: name.into() });
///     let service = &service;
///     async move { service.check(request).await.unwrap().into_inner().status() }
/// };
/// assert_eq!(check("").await, ServingStatus::NotServing); // not started yet
/// assert_eq!(check("queue-consumer").await, ServingStatus::NotServing);
///
/// health.mark_started();
/// health.mark_up("queue-consumer");
/// tokio::time::sleep(Duration::from_millis(50)).await; // the task runs concurrently
/// assert_eq!(check("").await, ServingStatus::Serving);
/// assert_eq!(check("queue-consumer").await, ServingStatus::Serving);
///
/// drop(health); // the last handle: the task ends
/// task.await.unwrap();
/// assert_eq!(check("").await, ServingStatus::NotServing);
/// # }
/// ```
///
/// # Panics
///
/// When awaited outside a tokio runtime, like [`tokio::spawn`].
pub async fn report(health: &Health, reporter: HealthReporter) -> JoinHandle<()> {
    follow::start(health, reporter).await
}
