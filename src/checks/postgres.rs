//! A PostgreSQL check over the application's `sqlx::PgPool`.

use sqlx::PgPool;

use super::check::{Check, CheckFuture};
use super::error::CheckError;
use super::refused::Address;

/// Passes when a connection from `pool` answers `SELECT 1`.
///
/// It uses the application's pool: no new connection unless the pool makes one. The
/// engine's timeout bounds the whole run, waiting for a pooled connection included.
///
/// Failures say what failed: `postgres: connection refused` at once when the server
/// refuses connections (sqlx's pool would retry until its `acquire_timeout`),
/// `postgres: authentication failed: …` for a rejected password or role.
///
/// ```no_run
/// # async fn example() -> Result<(), sqlx::Error> {
/// use tower_health::{Health, checks};
///
/// let pool = sqlx::postgres::PgPoolOptions::new()
///     .connect_lazy("postgres://app@localhost/app")?;
/// let health = Health::builder().check("database", checks::postgres(pool)).build();
/// # Ok(()) }
/// ```
pub fn postgres(pool: PgPool) -> PostgresCheck {
    PostgresCheck { pool }
}

/// The check made by [`postgres`].
#[derive(Debug, Clone)]
pub struct PostgresCheck {
    pool: PgPool,
}

impl Check for PostgresCheck {
    fn is_remote(&self) -> bool {
        true
    }

    fn component_type(&self) -> &'static str {
        "datastore"
    }

    fn check(&self) -> CheckFuture<'_> {
        Box::pin(async move {
            let address = address(&self.pool);
            super::refused::or_refused("postgres", Some(&address), self.select_one()).await
        })
    }
}

impl PostgresCheck {
    async fn select_one(&self) -> Result<(), CheckError> {
        let one: i32 = sqlx::query_scalar("SELECT 1")
            .fetch_one(&self.pool)
            .await
            .map_err(describe)?;
        if one == 1 {
            Ok(())
        } else {
            Err(CheckError::new(format!(
                "postgres: SELECT 1 returned {one}"
            )))
        }
    }
}

/// Where the pool connects, as sqlx decides it: `{socket}/.s.PGSQL.{port}` when a socket
/// directory is set or the host is a path, else host and port.
fn address(pool: &PgPool) -> Address {
    let options = pool.connect_options();
    let port = options.get_port();
    #[cfg(unix)]
    {
        let directory = match options.get_socket() {
            Some(socket) => Some(socket.clone()),
            None if options.get_host().starts_with('/') => Some(options.get_host().into()),
            None => None,
        };
        if let Some(directory) = directory {
            return Address::Unix(directory.join(format!(".s.PGSQL.{port}")));
        }
    }
    Address::Tcp(options.get_host().to_owned(), port)
}

/// A short reason: what failed, never the driver's whole text when a shorter one says it.
fn describe(error: sqlx::Error) -> CheckError {
    match &error {
        sqlx::Error::Database(database)
            if matches!(database.code().as_deref(), Some("28P01" | "28000")) =>
        {
            CheckError::new(format!(
                "postgres: authentication failed: {}",
                database.message()
            ))
        }
        sqlx::Error::Io(io) if io.kind() == std::io::ErrorKind::ConnectionRefused => {
            CheckError::new("postgres: connection refused")
        }
        sqlx::Error::PoolTimedOut => {
            CheckError::new("postgres: timed out waiting for a pooled connection")
        }
        _ => CheckError::new(format!("postgres: {error}")),
    }
}
