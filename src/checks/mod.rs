//! Checks: what the engine runs to learn whether a dependency is usable.
//!
//! The [`Check`] trait (any async closure returning `Result<(), E>` is one), [`NamedCheck`]
//! (a check with its name and the options it runs with), [`CheckError`] (why a check
//! failed, with passwords in URLs masked), and the built-in checks. Each built-in reuses
//! the application's own pool or client; all but [`tcp`] sit behind the cargo feature
//! named after them:
//!
//! # Built-in checks
//!
//! | check | feature | over |
//! |---|---|---|
//! | [`tcp`] | none | a TCP connect to `host:port` |
//! | `postgres` | `postgres` | a `sqlx::PgPool`, `SELECT 1` |
//! | `redis` | `redis` | a redis-rs connection (multiplexed or manager), `PING` |
//! | `http` | `http` | a hyper-util client, `GET` answered 2xx |
//!
//! Checks know nothing of the engine that runs them or the state their results go to.

mod check;
#[cfg(feature = "disk")]
mod disk;
mod error;
mod heartbeat;
#[cfg(feature = "http")]
mod http;
mod named;
#[cfg(feature = "postgres")]
mod postgres;
pub(crate) mod redact;
#[cfg(feature = "redis")]
mod redis;
mod tcp;

pub use check::{Check, CheckFuture};
#[cfg(feature = "disk")]
#[cfg_attr(docsrs, doc(cfg(feature = "disk")))]
pub use disk::{DiskCheck, disk};
pub use error::CheckError;
pub use heartbeat::{Beat, HeartbeatCheck, heartbeat};
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
