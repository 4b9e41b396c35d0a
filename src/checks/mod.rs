//! Built-in dependency checks. Each reuses the application's pool or client; integrations
//! other than TCP sit behind their own cargo feature (`postgres`, `redis`, `http-check`).

#[cfg(feature = "http-check")]
mod http;
#[cfg(feature = "postgres")]
mod postgres;
#[cfg(feature = "redis")]
mod redis;
mod tcp;

#[cfg(feature = "http-check")]
pub use http::{HttpCheck, http, http_with_client};
#[cfg(feature = "postgres")]
pub use postgres::{PostgresCheck, postgres};
#[cfg(feature = "redis")]
pub use redis::{RedisCheck, redis};
pub use tcp::{TcpCheck, tcp};
