//! MySQL and MariaDB for the sqlx check.

use sqlx::mysql::MySqlConnectOptions;
use sqlx::{MySql, MySqlPool};

use super::SqlxCheck;
use super::database::{SqlxDatabase, sealed::Sealed};
use crate::checks::refused::Address;

/// Passes when a connection of `pool` (MySQL or MariaDB) answers a ping; `degraded` while
/// every connection is in use. See [`SqlxCheck`].
///
/// ```no_run
/// # async fn example() -> Result<(), sqlx::Error> {
/// use tower_health::{Health, checks};
///
/// let pool = sqlx::mysql::MySqlPoolOptions::new()
///     .connect_lazy("mysql://app@localhost/app")?;
/// let health = Health::builder().check("database", checks::mysql(pool)).build();
/// # Ok(()) }
/// ```
pub fn mysql(pool: MySqlPool) -> SqlxCheck<MySql> {
    SqlxCheck::new(pool)
}

impl SqlxDatabase for MySql {
    const SHORT_NAME: &'static str = "mysql";
}

impl Sealed for MySql {
    const IS_REMOTE: bool = true;

    /// The Unix socket when one is set, else host and port.
    #[allow(private_interfaces)]
    fn address(options: &MySqlConnectOptions) -> Option<Address> {
        #[cfg(unix)]
        if let Some(socket) = options.get_socket() {
            return Some(Address::Unix(socket.clone()));
        }
        Some(Address::Tcp(
            options.get_host().to_owned(),
            options.get_port(),
        ))
    }
}
