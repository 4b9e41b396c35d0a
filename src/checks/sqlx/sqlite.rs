//! SQLite for the sqlx check.

use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{Sqlite, SqlitePool};

use super::SqlxCheck;
use super::database::{SqlxDatabase, sealed::Sealed};
use crate::checks::refused::Address;

/// Passes when a connection of `pool` answers a ping; `degraded` while every connection
/// is in use. See [`SqlxCheck`]. A database file that cannot be opened fails it.
///
/// ```no_run
/// # async fn example() -> Result<(), sqlx::Error> {
/// use tower_health::{Health, checks};
///
/// let pool = sqlx::sqlite::SqlitePoolOptions::new().connect_lazy("sqlite://app.db")?;
/// let health = Health::builder().check("database", checks::sqlite(pool)).build();
/// # Ok(()) }
/// ```
pub fn sqlite(pool: SqlitePool) -> SqlxCheck<Sqlite> {
    SqlxCheck::new(pool)
}

impl SqlxDatabase for Sqlite {
    const SHORT_NAME: &'static str = "sqlite";
}

impl Sealed for Sqlite {
    const IS_REMOTE: bool = false;

    /// A file: nothing listens, nothing refuses.
    #[allow(private_interfaces)]
    fn address(_options: &SqliteConnectOptions) -> Option<Address> {
        None
    }
}
