//! A PostgreSQL check over the application's `deadpool_postgres::Pool`, for services on
//! tokio-postgres.

use std::error::Error;
use std::io::ErrorKind;
use std::time::Duration;

use deadpool_postgres::{Pool, PoolError};
use tokio_postgres::error::SqlState;

use super::check::{Check, CheckFuture};
use super::error::CheckError;
use super::pool::exhausted;

/// The longest part of a driver's own message kept in a reason, in bytes.
const MESSAGE_LIMIT: usize = 120;

/// Passes when a client from `pool` answers a round trip (`simple_query("SELECT 1")`).
///
/// It uses the application's pool (a clone shares it): no new connection unless the pool
/// makes one, to grow or to replace a broken one. It never queues behind the application's
/// requests for a client, and it says what failed:
///
/// | the pool or the database | result | reason |
/// |---|---|---|
/// | every client in use and the pool at its `max_size` | degraded (passing) | `pool exhausted: 10/10 in use` |
/// | nothing listens on the port | down, at once | `connection refused` |
/// | the password or the user is refused | down | `authentication failed` |
/// | a pool timeout (create, recycle) or the socket's runs out | down | `timed out` |
/// | the pool is closed | down | `pool closed` |
/// | any other error | down | `postgres: ` and the start of the driver's message |
///
/// A saturated pool is the application being busy, not the database being away: the check
/// passes `degraded` ([`CheckError::degraded`]) and does not wait for a client, which would
/// take one from a request. A hanging database is cut by the engine's timeout.
///
/// ```no_run
/// # fn example() -> Result<(), Box<dyn std::error::Error>> {
/// use deadpool_postgres::{Manager, Pool};
/// use tokio_postgres::NoTls;
/// use tower_health::{Health, checks};
///
/// // The application's pool, built once at start; connects on first use.
/// let config: tokio_postgres::Config = "postgres://app@localhost/app".parse()?;
/// let pool = Pool::builder(Manager::new(config, NoTls)).max_size(16).build()?;
/// let health = Health::builder()
///     .check("database", checks::deadpool_postgres(pool.clone()))
///     .build();
/// # Ok(()) }
/// ```
pub fn deadpool_postgres(pool: Pool) -> DeadpoolPostgresCheck {
    DeadpoolPostgresCheck { pool }
}

/// The check made by [`deadpool_postgres()`].
#[derive(Clone)]
pub struct DeadpoolPostgresCheck {
    pool: Pool,
}

impl std::fmt::Debug for DeadpoolPostgresCheck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let status = self.pool.status();
        f.debug_struct("DeadpoolPostgresCheck")
            .field("max_size", &status.max_size)
            .field("size", &status.size)
            .field("available", &status.available)
            .finish()
    }
}

impl Check for DeadpoolPostgresCheck {
    fn is_remote(&self) -> bool {
        true
    }

    fn component_type(&self) -> &'static str {
        "datastore"
    }

    fn check(&self) -> CheckFuture<'_> {
        Box::pin(async move {
            let status = self.pool.status();
            if status.size >= status.max_size && status.available == 0 && status.max_size > 0 {
                return Err(exhausted(status.max_size));
            }
            // The pool's own create and recycle timeouts, but no wait for a slot: a client
            // taken by the time we ask is the same saturation as above.
            let mut timeouts = self.pool.timeouts();
            timeouts.wait = Some(Duration::ZERO);
            let client = match self.pool.timeout_get(&timeouts).await {
                Ok(client) => client,
                Err(PoolError::Timeout(deadpool_postgres::TimeoutType::Wait)) => {
                    return Err(exhausted(self.pool.status().max_size));
                }
                Err(error) => return Err(CheckError::new(pool_reason(&error))),
            };
            client
                .simple_query("SELECT 1")
                .await
                .map(drop)
                .map_err(|error| CheckError::new(reason(&error)))
        })
    }
}

/// A short reason for a failure to get a client from the pool.
fn pool_reason(error: &PoolError) -> String {
    match error {
        PoolError::Timeout(_) => "timed out".into(),
        PoolError::Backend(error) => reason(error),
        PoolError::Closed => "pool closed".into(),
        PoolError::NoRuntimeSpecified => "pool has no runtime for its timeouts".into(),
        PoolError::PostCreateHook(hook) => short(&format!("post_create hook: {hook}")),
    }
}

/// A short reason for a tokio-postgres error.
fn reason(error: &tokio_postgres::Error) -> String {
    if io_error_in(error, ErrorKind::ConnectionRefused) {
        return "connection refused".into();
    }
    let text = error.to_string();
    if io_error_in(error, ErrorKind::TimedOut) || text == "timeout waiting for server" {
        return "timed out".into();
    }
    if let Some(code) = error.code()
        && (*code == SqlState::INVALID_PASSWORD
            || *code == SqlState::INVALID_AUTHORIZATION_SPECIFICATION)
    {
        return "authentication failed".into();
    }
    if let Some(db) = error.as_db_error() {
        // The server's message alone, without its detail, hint or position.
        return short(db.message());
    }
    // Its kind and the causes after it (tokio-postgres's `Display` shows the kind only):
    // `error connecting to server: No route to host (os error 113)`.
    let mut message = text;
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !message.contains(&cause_text) {
            message.push_str(": ");
            message.push_str(&cause_text);
        }
        source = cause.source();
    }
    if message.starts_with("authentication error") {
        // Refused by the client's side of the exchange (no password configured, a bad
        // server signature): an authentication failure all the same.
        return cut(&message.replacen("authentication error", "authentication failed", 1));
    }
    short(&message)
}

/// Whether an I/O error of `kind` is among `error`'s sources.
fn io_error_in(error: &(dyn Error + 'static), kind: ErrorKind) -> bool {
    std::iter::successors(Some(error), |error| (*error).source()).any(|error| {
        error
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == kind)
    })
}

/// `postgres: ` and `message`, [cut](cut).
fn short(message: &str) -> String {
    format!("postgres: {}", cut(message))
}

/// `message` cut to [`MESSAGE_LIMIT`] bytes, with `…` when it was longer.
fn cut(message: &str) -> String {
    let mut end = message.len().min(MESSAGE_LIMIT);
    while !message.is_char_boundary(end) {
        end -= 1;
    }
    let ellipsis = if end < message.len() { "…" } else { "" };
    format!("{}{ellipsis}", &message[..end])
}

#[cfg(test)]
mod tests {
    use deadpool_postgres::TimeoutType;

    use super::*;

    #[test]
    fn pool_reasons_are_short() {
        assert_eq!(
            pool_reason(&PoolError::Timeout(TimeoutType::Create)),
            "timed out"
        );
        assert_eq!(pool_reason(&PoolError::Closed), "pool closed");
        assert_eq!(exhausted(10).message(), "pool exhausted: 10/10 in use");
        assert!(exhausted(10).is_degraded());
    }

    #[test]
    fn a_long_message_is_cut() {
        let text = short(&"é".repeat(200));
        assert!(text.starts_with("postgres: é"), "{text}");
        assert!(text.ends_with('…'), "{text}");
        assert!(text.len() <= "postgres: ".len() + MESSAGE_LIMIT + '…'.len_utf8());
    }
}
