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
/// Tell it where the server listens and how to log in with [`RedisCheck::address`], and a
/// run the connection does not answer within 20 ms finds out why at once: a stopped server
/// fails it with `redis: connection refused`, a rejected password with `redis:
/// authentication failed` (a connection manager retries both with backoff, for seconds,
/// and the run would end at the engine's timeout as a timeout). Finding the password
/// rejected takes one connection of the check's own, on slow runs only.
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
    address: Option<(Address, redis::Client)>,
}

impl<C> RedisCheck<C> {
    /// Where the server listens and how to log in (`client.get_connection_info()` of the
    /// client the connection came from), so that a run against a server that refuses
    /// connections or the password fails at once with `redis: connection refused` or
    /// `redis: authentication failed` instead of waiting out the reconnect retries.
    pub fn address(mut self, info: &redis::ConnectionInfo) -> Self {
        let address = match info.addr() {
            redis::ConnectionAddr::Tcp(host, port) => Some(Address::Tcp(host.clone(), *port)),
            redis::ConnectionAddr::TcpTls { host, port, .. } => {
                Some(Address::Tcp(host.clone(), *port))
            }
            #[cfg(unix)]
            redis::ConnectionAddr::Unix(path) => Some(Address::Unix(path.clone())),
            _ => None,
        };
        self.address = address.zip(redis::Client::open(info.clone()).ok());
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
            match &self.address {
                Some((address, client)) => {
                    super::refused::or_diagnosed(ping, diagnose(address, client)).await
                }
                None => ping.await,
            }
        })
    }
}

/// Why a run is slow, when the server says so at once: it refuses connections, or a
/// connection of the check's own (closed after) is refused the password.
async fn diagnose(address: &Address, client: &redis::Client) -> Option<CheckError> {
    if address.refuses().await {
        return Some(CheckError::new("redis: connection refused"));
    }
    match client.get_multiplexed_async_connection().await {
        Err(error) if is_authentication(&error) => {
            Some(CheckError::new("redis: authentication failed"))
        }
        _ => None,
    }
}

fn is_authentication(error: &redis::RedisError) -> bool {
    error.kind() == redis::ErrorKind::AuthenticationFailed
        || matches!(error.code(), Some("NOAUTH" | "WRONGPASS"))
}

/// A short reason: what failed, never the driver's whole text when a shorter one says it.
fn describe(error: redis::RedisError) -> CheckError {
    if error.is_connection_refusal() {
        CheckError::new("redis: connection refused")
    } else if is_authentication(&error) {
        CheckError::new("redis: authentication failed")
    } else if error.is_timeout() {
        CheckError::new("redis: timed out")
    } else {
        CheckError::new(format!("redis: {error}"))
    }
}
