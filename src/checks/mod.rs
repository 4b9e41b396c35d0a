//! Checks: what the engine runs to learn whether a dependency is usable.
//!
//! The [`Check`] trait (any async closure returning `Result<(), E>` is one), [`NamedCheck`]
//! (a check with its name and the options it runs with), [`CheckError`] (why a check
//! failed, or [passed impaired](CheckError#degraded-passing-but-impaired), with passwords
//! in URLs masked), and the built-in checks. Each built-in over a client reuses the
//! application's own pool or client (`tcp` and `tls` open a connection per run: that is
//! what they check); all but [`tcp`] sit behind the cargo feature named after them:
//!
//! # Built-in checks
//!
//! | check | feature | over |
//! |---|---|---|
//! | [`tcp`] | none | a TCP connect to `host:port` |
//! | `postgres` | `postgres` | a `sqlx::PgPool`, `SELECT 1` |
//! | `redis` | `redis` | a redis-rs connection (multiplexed or manager), `PING` |
//! | `http` | `http` | a hyper-util client, `GET` answered 2xx |
//! | `grpc` | `grpc` | a tonic `Channel`, the downstream's `grpc.health.v1` `Check` answered `SERVING` |
//! | `tls` | `tls` | a TLS handshake with `host:port` (rustls): the presented certificate's expiry, `degraded` within 14 days; its chain against a given root |
//!
//! Checks know nothing of the engine that runs them or the state their results go to.

mod check;
mod error;
#[cfg(feature = "grpc")]
mod grpc;
#[cfg(feature = "http")]
mod http;
mod named;
#[cfg(feature = "postgres")]
mod postgres;
pub(crate) mod redact;
#[cfg(feature = "redis")]
mod redis;
mod tcp;
#[cfg(feature = "tls")]
pub(crate) mod tls;

pub use check::{Check, CheckFuture};
pub use error::CheckError;
#[cfg(feature = "grpc")]
#[cfg_attr(docsrs, doc(cfg(feature = "grpc")))]
pub use grpc::{GrpcCheck, grpc};
#[cfg(feature = "http")]
#[cfg_attr(docsrs, doc(cfg(feature = "http")))]
pub use http::{HttpCheck, http, http_with_client};
pub use named::NamedCheck;
#[cfg(feature = "postgres")]
#[cfg_attr(docsrs, doc(cfg(feature = "postgres")))]
pub use postgres::{PostgresCheck, postgres};
#[cfg(feature = "redis")]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
pub use redis::{RedisCheck, redis};
pub use tcp::{TcpCheck, tcp};
#[cfg(feature = "tls")]
#[cfg_attr(docsrs, doc(cfg(feature = "tls")))]
pub use tls::{TlsCheck, tls};
