//! A Redis check over the application's redis-rs connection.

use redis::aio::ConnectionLike;

use super::check::{Check, CheckFuture};
use super::error::CheckError;

/// Passes when Redis answers `PING` with `PONG` on `connection`.
///
/// Give it the application's multiplexed connection or connection manager (both are
/// cheap clones of one connection); a connection manager also reconnects after Redis
/// comes back.
///
/// ```no_run
/// # async fn example() -> redis::RedisResult<()> {
/// use tower_health::{Health, checks};
///
/// let client = redis::Client::open("redis://127.0.0.1:6379")?;
/// let manager = redis::aio::ConnectionManager::new_lazy_with_config(
///     client,
///     redis::aio::ConnectionManagerConfig::new(),
/// )?;
/// let health = Health::builder().check("redis", checks::redis(manager)).build();
/// # Ok(()) }
/// ```
pub fn redis<C>(connection: C) -> RedisCheck<C>
where
    C: ConnectionLike + Clone + Send + Sync + 'static,
{
    RedisCheck { connection }
}

/// The check made by [`redis()`].
#[derive(Clone)]
pub struct RedisCheck<C> {
    connection: C,
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
            let pong: String = redis::cmd("PING")
                .query_async(&mut connection)
                .await
                .map_err(|error| CheckError::new(format!("redis: {error}")))?;
            if pong == "PONG" {
                Ok(())
            } else {
                Err(CheckError::new(format!("redis: PING answered {pong:?}")))
            }
        })
    }
}
