//! A Redis check over the application's redis-rs connection.

use redis::aio::ConnectionLike;

use super::check::{Check, CheckFuture};
use super::error::CheckError;
use super::refused::Address;

/// Passes when Redis answers `PING` with `PONG` on `connection`.
///
/// Give it the application's multiplexed connection or connection manager (both are
/// cheap clones of one connection); a connection manager also reconnects after Redis
/// comes back.
///
/// Tell it where the server listens with [`RedisCheck::address`] and a stopped server fails
/// each run at once with `redis: connection refused` (the manager would retry connecting
/// with backoff, for seconds); a rejected password fails with `redis: authentication failed`
/// (a connection manager retries that too, so keep its `number_of_retries` low).
///
/// ```no_run
/// # async fn example() -> redis::RedisResult<()> {
/// use tower_health::{Health, checks};
///
/// let client = redis::Client::open("redis://127.0.0.1:6379")?;
/// let manager = redis::aio::ConnectionManager::new_lazy_with_config(
///     client.clone(),
///     redis::aio::ConnectionManagerConfig::new(),
/// )?;
/// let check = checks::redis(manager).address(client.get_connection_info());
/// let health = Health::builder().check("redis", check).build();
/// # Ok(()) }
/// ```
pub fn redis<C>(connection: C) -> RedisCheck<C>
where
    C: ConnectionLike + Clone + Send + Sync + 'static,
{
    RedisCheck {
        connection,
        address: None,
    }
}

/// The check made by [`redis()`].
#[derive(Clone)]
pub struct RedisCheck<C> {
    connection: C,
    address: Option<Address>,
}

impl<C> RedisCheck<C> {
    /// Where the server listens (`client.get_connection_info()` of the client the connection
    /// came from), so that a run against a server that refuses connections fails at once
    /// with `redis: connection refused` instead of waiting out the reconnect retries.
    pub fn address(mut self, info: &redis::ConnectionInfo) -> Self {
        self.address = match info.addr() {
            redis::ConnectionAddr::Tcp(host, port) => Some(Address::Tcp(host.clone(), *port)),
            redis::ConnectionAddr::TcpTls { host, port, .. } => {
                Some(Address::Tcp(host.clone(), *port))
            }
            #[cfg(unix)]
            redis::ConnectionAddr::Unix(path) => Some(Address::Unix(path.clone())),
            _ => None,
        };
        self
    }
}

impl<C> std::fmt::Debug for RedisCheck<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisCheck").finish_non_exhaustive()
    }
}

impl<C> Check for RedisCheck<C>
where
    C: ConnectionLike + Clone + Send + Sync + 'static,
{
    fn is_remote(&self) -> bool {
        true
    }

    fn component_type(&self) -> &'static str {
        "datastore"
    }

    fn check(&self) -> CheckFuture<'_> {
        let mut connection = self.connection.clone();
        Box::pin(async move {
            let ping = async move {
                let pong: String = redis::cmd("PING")
                    .query_async(&mut connection)
                    .await
                    .map_err(describe)?;
                if pong == "PONG" {
                    Ok(())
                } else {
                    Err(CheckError::new(format!("redis: PING answered {pong:?}")))
                }
            };
            super::refused::or_refused("redis", self.address.as_ref(), ping).await
        })
    }
}

/// A short reason: what failed, never the driver's whole text when a shorter one says it.
fn describe(error: redis::RedisError) -> CheckError {
    if error.is_connection_refusal() {
        CheckError::new("redis: connection refused")
    } else if error.kind() == redis::ErrorKind::AuthenticationFailed
        || matches!(error.code(), Some("NOAUTH" | "WRONGPASS"))
    {
        CheckError::new("redis: authentication failed")
    } else if error.is_timeout() {
        CheckError::new("redis: timed out")
    } else {
        CheckError::new(format!("redis: {error}"))
    }
}
