//! PostgreSQL for the sqlx check.

use sqlx::postgres::PgConnectOptions;
use sqlx::{PgPool, Postgres};

use super::SqlxCheck;
use super::database::{SqlxDatabase, sealed::Sealed};
use crate::checks::refused::Address;

/// Passes when a connection of `pool` answers a ping; `degraded` while every connection
/// is in use. See [`SqlxCheck`].
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
    SqlxCheck::new(pool)
}

/// The check made by [`postgres`]: a [`SqlxCheck`] over PostgreSQL.
pub type PostgresCheck = SqlxCheck<Postgres>;

impl SqlxDatabase for Postgres {
    const SHORT_NAME: &'static str = "postgres";
}

impl Sealed for Postgres {
    const IS_REMOTE: bool = true;

    /// As sqlx decides it: `{socket}/.s.PGSQL.{port}` when a socket directory is set or the
    /// host is a path, else host and port.
    #[allow(private_interfaces)]
    fn address(options: &PgConnectOptions) -> Option<Address> {
        let port = options.get_port();
        #[cfg(unix)]
        {
            let directory = match options.get_socket() {
                Some(socket) => Some(socket.clone()),
                None if options.get_host().starts_with('/') => Some(options.get_host().into()),
                None => None,
            };
            if let Some(directory) = directory {
                return Some(Address::Unix(directory.join(format!(".s.PGSQL.{port}"))));
            }
        }
        Some(Address::Tcp(options.get_host().to_owned(), port))
    }
}
