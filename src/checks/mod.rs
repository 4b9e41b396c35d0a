//! Checks: what the engine runs to learn whether a dependency is usable.
//!
//! The [`Check`] trait (any async closure returning `Result<(), E>` is one), [`NamedCheck`]
//! (a check with its name and the options it runs with), [`CheckError`] (why a check
//! failed, or [passed impaired](CheckError#degraded-passing-but-impaired), with passwords
//! in URLs masked), and the built-in checks. Each built-in over a client reuses the
//! application's own pool or client (`tcp` and `tls` open a connection per run: that is
//! what they check); all but [`tcp`] and [`heartbeat`] sit behind the cargo feature named
//! after them:
//!
//! # Built-in checks
//!
//! | check | feature | over |
//! |---|---|---|
//! | [`tcp`] | none | a TCP connect to `host:port` |
//! | [`heartbeat`] | none | beats of a background task, down when none came within the TTL |
//! | `postgres` | `postgres` | a `sqlx::PgPool`: a pooled connection pinged; `degraded` when every connection is in use |
//! | `mysql` | `mysql` | a `sqlx::MySqlPool` (MySQL, MariaDB), the same (`SqlxCheck` is one implementation for the three) |
//! | `sqlite` | `sqlite` | a `sqlx::SqlitePool`, the same |
//! | `deadpool_postgres` | `deadpool-postgres` | a `deadpool_postgres::Pool` (tokio-postgres), a `SELECT 1` round trip; `degraded` when every client is in use |
//! | `redis` | `redis` | a redis-rs connection (multiplexed or manager), `PING` |
//! | `rabbitmq` | `rabbitmq` | the app's current lapin `Connection` (one lapin recovers, or the latest its reconnect task made), a channel opened and closed on it; `degraded` while the broker blocks it |
//! | `nats` | `nats` | an async-nats `Client`, a request the server answers (its `no responders` counts) |
//! | `http` | `http` | a hyper-util client, `GET` answered 2xx |
//! | `disk` | `disk` | free space on a path's filesystem, at least a given amount |
//! | `grpc` | `grpc` | a tonic `Channel`, the downstream's `grpc.health.v1` `Check` answered `SERVING` |
//! | `tls` | `tls` | a TLS handshake with `host:port` (rustls): the presented certificate's expiry, `degraded` within 14 days; its chain against a given root |
//!
//! Checks know nothing of the engine that runs them or the state their results go to.
//!
//! # Write your own
//!
//! Any other client becomes a check in a few lines: an async closure returning
//! `Result<(), E>`, or a type implementing [`Check`] when it should say what it is. Here a
//! MongoDB `ping` and a Kafka producer's metadata request, over stand-ins for the drivers'
//! clients:
//!
//! ```
//! use std::time::Duration;
//! use tower_health::checks::CheckFuture;
//! use tower_health::{Check, CheckError, Health};
//!
//! // Stand-ins for the application's clients: a clone shares the driver's pool.
//! #[derive(Clone)]
//! struct MongoClient;
//! impl MongoClient {
//!     async fn run_command(&self, _command: &str) -> Result<(), std::io::Error> {
//!         Ok(())
//!     }
//! }
//! #[derive(Clone)]
//! struct KafkaProducer;
//! impl KafkaProducer {
//!     // Blocking, like rdkafka's `fetch_metadata`.
//!     fn fetch_metadata(&self, _topic: &str, _timeout: Duration) -> Result<usize, String> {
//!         Ok(12)
//!     }
//! }
//!
//! /// `ping` on the application's MongoDB client.
//! struct MongoPing(MongoClient);
//!
//! impl Check for MongoPing {
//!     fn check(&self) -> CheckFuture<'_> {
//!         Box::pin(async move {
//!             self.0
//!                 .run_command("ping")
//!                 .await
//!                 .map_err(|error| CheckError::new(format!("mongodb ping: {error}")))
//!         })
//!     }
//!
//!     fn component_type(&self) -> &'static str {
//!         "datastore"
//!     }
//!
//!     fn is_remote(&self) -> bool {
//!         true
//!     }
//! }
//!
//! let mongo = MongoClient; // the application's, built once at start
//! let producer = KafkaProducer;
//! let kafka = producer.clone();
//! let health = Health::builder()
//!     .check("mongodb", MongoPing(mongo.clone()))
//!     .check("kafka", move || {
//!         let producer = kafka.clone();
//!         async move {
//!             // A blocking call cannot be cancelled: off the runtime, with a timeout of
//!             // its own under the engine's (2 s by default).
//!             let metadata = tokio::task::spawn_blocking(move || {
//!                 producer.fetch_metadata("orders", Duration::from_secs(1))
//!             });
//!             match metadata.await {
//!                 Ok(Ok(partitions)) if partitions > 0 => Ok(()),
//!                 Ok(Ok(_)) => Err("kafka: no partitions for orders".to_owned()),
//!                 Ok(Err(error)) => Err(format!("kafka metadata: {error}")),
//!                 Err(error) => Err(format!("kafka metadata: {error}")),
//!             }
//!         }
//!     })
//!     .build();
//! ```
//!
//! What a good check does:
//!
//! - **Reuses the application's client**: a clone of its pool, connection manager or
//!   producer, so it tests what the requests use and opens no connection per run (every
//!   replica runs it every interval; a connection per run is a handshake, a login and a
//!   server-side session each time).
//! - **Is cheap**: a ping, a metadata request, `SELECT 1`; never a query over the data.
//! - **Lets the engine's timeout cancel it**: stay async so that dropping the future stops
//!   the work, and set no timeout of its own longer than the engine's (it would never fire).
//!   Only a blocking call gets a timeout of its own, shorter than the engine's, on
//!   [`spawn_blocking`](tokio::task::spawn_blocking).
//! - **Fails with a short reason**: what failed, in a few words (`mongodb ping: connection
//!   refused`). [`CheckError`] masks passwords in URLs, not whatever else a driver puts in
//!   its messages: never format the configuration or a connection string into it. Reasons
//!   show in bodies only where the [details policy](crate::Details) reveals them.
//! - **Says what it is**: [`Check::component_type`] (`datastore`, `system`) for the IETF
//!   format, and [`Check::is_remote`] `true` for another host, so the linter warns when it
//!   would count for liveness.

mod check;
#[cfg(feature = "deadpool-postgres")]
mod deadpool_postgres;
#[cfg(feature = "disk")]
mod disk;
mod error;
#[cfg(feature = "grpc")]
mod grpc;
mod heartbeat;
#[cfg(feature = "http")]
mod http;
mod named;
#[cfg(feature = "nats")]
mod nats;
#[cfg(any(
    feature = "deadpool-postgres",
    feature = "postgres",
    feature = "mysql",
    feature = "sqlite"
))]
mod pool;
#[cfg(feature = "rabbitmq")]
mod rabbitmq;
pub(crate) mod redact;
#[cfg(feature = "redis")]
mod redis;
#[cfg(any(
    feature = "postgres",
    feature = "mysql",
    feature = "sqlite",
    feature = "redis"
))]
mod refused;
#[cfg(any(feature = "postgres", feature = "mysql", feature = "sqlite"))]
mod sqlx;
mod tcp;
#[cfg(feature = "tls")]
pub(crate) mod tls;

pub use check::{Check, CheckFuture};
#[cfg(feature = "deadpool-postgres")]
#[cfg_attr(docsrs, doc(cfg(feature = "deadpool-postgres")))]
pub use deadpool_postgres::{DeadpoolPostgresCheck, deadpool_postgres};
#[cfg(feature = "disk")]
#[cfg_attr(docsrs, doc(cfg(feature = "disk")))]
pub use disk::{DiskCheck, disk};
pub use error::CheckError;
#[cfg(feature = "grpc")]
#[cfg_attr(docsrs, doc(cfg(feature = "grpc")))]
pub use grpc::{GrpcCheck, grpc};
pub use heartbeat::{Beat, HeartbeatCheck, heartbeat};
#[cfg(feature = "http")]
#[cfg_attr(docsrs, doc(cfg(feature = "http")))]
pub use http::{HttpCheck, http, http_with_client};
pub use named::NamedCheck;
#[cfg(feature = "nats")]
#[cfg_attr(docsrs, doc(cfg(feature = "nats")))]
pub use nats::{NatsCheck, nats};
#[cfg(feature = "rabbitmq")]
#[cfg_attr(docsrs, doc(cfg(feature = "rabbitmq")))]
pub use rabbitmq::{RabbitmqCheck, RabbitmqConnection, rabbitmq};
#[cfg(feature = "redis")]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
pub use redis::{RedisCheck, redis};
#[cfg(feature = "mysql")]
#[cfg_attr(docsrs, doc(cfg(feature = "mysql")))]
pub use sqlx::mysql;
#[cfg(feature = "sqlite")]
#[cfg_attr(docsrs, doc(cfg(feature = "sqlite")))]
pub use sqlx::sqlite;
#[cfg(feature = "postgres")]
#[cfg_attr(docsrs, doc(cfg(feature = "postgres")))]
pub use sqlx::{PostgresCheck, postgres};
#[cfg(any(feature = "postgres", feature = "mysql", feature = "sqlite"))]
#[cfg_attr(
    docsrs,
    doc(cfg(any(feature = "postgres", feature = "mysql", feature = "sqlite")))
)]
pub use sqlx::{SqlxCheck, SqlxDatabase};
pub use tcp::{TcpCheck, tcp};
#[cfg(feature = "tls")]
#[cfg_attr(docsrs, doc(cfg(feature = "tls")))]
pub use tls::{TlsCheck, tls};
