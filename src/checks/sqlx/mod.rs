//! One database check over a sqlx pool, for each database whose feature is on: PostgreSQL
//! (`postgres`), MySQL and MariaDB (`mysql`), SQLite (`sqlite`).

mod database;
#[cfg(feature = "mysql")]
mod mysql;
#[cfg(feature = "postgres")]
mod postgres;
#[cfg(feature = "sqlite")]
mod sqlite;

use std::time::Duration;

use sqlx::{Connection, Pool};

use super::check::{Check, CheckFuture};
use super::error::CheckError;
use super::pool::exhausted;
pub use database::SqlxDatabase;
#[cfg(feature = "mysql")]
pub use mysql::mysql;
#[cfg(feature = "postgres")]
pub use postgres::{PostgresCheck, postgres};
#[cfg(feature = "sqlite")]
pub use sqlite::sqlite;

/// How long a saturated pool may take to hand out a connection before the run says it is
/// exhausted: long enough for a connection on its way back, and longer than the wait
/// before a refused server is noticed (so a pool whose connections broke with the server
/// reads as refused, not exhausted).
const SATURATION_GRACE: Duration = Duration::from_millis(50);

/// The check made by [`postgres`](super::postgres()), [`mysql`](super::mysql()) and
/// [`sqlite`](super::sqlite()): one implementation over a sqlx [`Pool`] of any of those
/// databases.
///
/// Each run takes a connection of the application's pool and pings it (no new connection
/// unless the pool makes one); the engine's timeout bounds the whole run. It does not wait
/// out a connection the application holds: when all of the pool's connections are in use
/// and none comes back within 50 ms, the run is `degraded` with `pool exhausted: 10/10 in
/// use` (the database is fine, the application is busy), and passes again as soon as one
/// is free. A pool whose every slot is stuck connecting to a server that never answers
/// reads the same way: the [`traffic`](crate::Traffic) component sees the requests failing.
///
/// Failures say what failed, after the database's name: `mysql: connection refused` at
/// once when the server refuses connections (sqlx's pool would retry until its
/// `acquire_timeout`), `postgres: authentication failed: …` for a rejected password or role
/// (SQLSTATE class 28), otherwise the driver's message, with a password in a URL masked.
///
/// ```no_run
/// # async fn example() -> Result<(), sqlx::Error> {
/// use tower_health::{Health, checks};
///
/// let pool = sqlx::mysql::MySqlPoolOptions::new()
///     .max_connections(10)
///     .connect_lazy("mysql://app@localhost/app")?;
/// let check: checks::SqlxCheck<sqlx::MySql> = checks::mysql(pool);
/// let health = Health::builder().check("database", check).build();
/// # Ok(()) }
/// ```
pub struct SqlxCheck<DB: SqlxDatabase> {
    pool: Pool<DB>,
}

impl<DB: SqlxDatabase> SqlxCheck<DB> {
    /// The check over `pool`.
    pub fn new(pool: Pool<DB>) -> Self {
        SqlxCheck { pool }
    }

    /// Whether every connection the pool may open is in use, and how many that is.
    fn saturated(&self) -> Option<u32> {
        let max = self.pool.options().get_max_connections();
        let idle = u32::try_from(self.pool.num_idle()).unwrap_or(u32::MAX);
        (max > 0 && self.pool.size().saturating_sub(idle) >= max).then_some(max)
    }

    /// A pooled connection, pinged.
    async fn ping(&self) -> Result<(), CheckError> {
        let acquired = match self.saturated() {
            // sqlx puts a released connection back on a task of its own, so a connection
            // on its way back looks in use for a moment: saturated means nothing came back
            // within a short grace.
            Some(max) => tokio::time::timeout(SATURATION_GRACE, self.pool.acquire())
                .await
                .map_err(|_| max),
            None => Ok(self.pool.acquire().await),
        };
        let mut connection = match acquired {
            Ok(Ok(connection)) => connection,
            Err(max) => return Err(exhausted(max as usize)),
            // Taken by others while we waited: the same saturation.
            Ok(Err(sqlx::Error::PoolTimedOut)) if self.saturated().is_some() => {
                return Err(exhausted(self.pool.options().get_max_connections() as usize));
            }
            Ok(Err(error)) => return Err(self.describe(error)),
        };
        connection
            .ping()
            .await
            .map_err(|error| self.describe(error))
    }

    /// A short reason: what failed, never the driver's whole text when a shorter one says it.
    fn describe(&self, error: sqlx::Error) -> CheckError {
        let name = DB::SHORT_NAME;
        match &error {
            sqlx::Error::Database(database)
                if database.code().is_some_and(|code| code.starts_with("28")) =>
            {
                CheckError::new(format!(
                    "{name}: authentication failed: {}",
                    database.message()
                ))
            }
            sqlx::Error::Io(io) if io.kind() == std::io::ErrorKind::ConnectionRefused => {
                CheckError::new(format!("{name}: connection refused"))
            }
            sqlx::Error::PoolTimedOut => {
                CheckError::new(format!("{name}: timed out waiting for a pooled connection"))
            }
            _ => CheckError::new(format!("{name}: {error}")),
        }
    }
}

impl<DB: SqlxDatabase> Clone for SqlxCheck<DB> {
    fn clone(&self) -> Self {
        SqlxCheck {
            pool: self.pool.clone(),
        }
    }
}

impl<DB: SqlxDatabase> std::fmt::Debug for SqlxCheck<DB> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqlxCheck")
            .field("database", &DB::SHORT_NAME)
            .field("pool", &self.pool)
            .finish()
    }
}

impl<DB: SqlxDatabase> Check for SqlxCheck<DB> {
    fn is_remote(&self) -> bool {
        DB::IS_REMOTE
    }

    fn component_type(&self) -> &'static str {
        "datastore"
    }

    fn check(&self) -> CheckFuture<'_> {
        Box::pin(async move {
            let address = DB::address(&self.pool.connect_options());
            super::refused::or_refused(DB::SHORT_NAME, address.as_ref(), self.ping()).await
        })
    }
}
