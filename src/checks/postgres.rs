//! A PostgreSQL check over the application's `sqlx::PgPool`.

use sqlx::PgPool;

use super::check::{Check, CheckFuture};
use super::error::CheckError;

/// Passes when a connection from `pool` answers `SELECT 1`.
///
/// It uses the application's pool: no new connection unless the pool makes one. The
/// engine's timeout bounds the whole run, waiting for a pooled connection included.
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
            let one: i32 = sqlx::query_scalar("SELECT 1")
                .fetch_one(&self.pool)
                .await
                .map_err(|error| CheckError::new(format!("postgres: {error}")))?;
            if one == 1 {
                Ok(())
            } else {
                Err(CheckError::new(format!(
                    "postgres: SELECT 1 returned {one}"
                )))
            }
        })
    }
}
