//! `DATABASE_URL`: its scheme picks the driver (`postgres://`, `mysql://` or `mariadb://`,
//! `sqlite://`), one sqlx pool and check for each.

use std::fmt::Display;
use std::str::FromStr;
use std::time::Duration;

use sqlx::mysql::{MySqlConnectOptions, MySqlPoolOptions};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use tower_health::{NamedCheck, checks};

/// The database `DATABASE_URL` names, parsed (nothing connected yet).
#[derive(Debug, Clone)]
pub(crate) enum Database {
    Postgres(PgConnectOptions),
    MySql(MySqlConnectOptions),
    Sqlite(SqliteConnectOptions),
}

impl Database {
    /// `DATABASE_URL`, parsed; printed without its password. A URL that cannot be parsed
    /// (or of another scheme) is an error (start-up stops); an unreachable server is a
    /// failing check later.
    pub(crate) fn from_env() -> Result<Option<Database>, String> {
        let Ok(url) = std::env::var("DATABASE_URL") else {
            println!("  DATABASE_URL=(unset: no database check)");
            return Ok(None);
        };
        let database =
            Database::parse(&url).map_err(|error| format!("DATABASE_URL is not valid: {error}"))?;
        println!("  DATABASE_URL={database}{}", super::password_note(&url));
        Ok(Some(database))
    }

    fn parse(url: &str) -> Result<Database, String> {
        let scheme = url.split_once("://").map_or("", |(scheme, _)| scheme);
        let invalid = |error: sqlx::Error| error.to_string();
        match scheme {
            "postgres" | "postgresql" => PgConnectOptions::from_str(url)
                .map(Database::Postgres)
                .map_err(invalid),
            "mysql" => MySqlConnectOptions::from_str(url)
                .map(Database::MySql)
                .map_err(invalid),
            // MariaDB speaks MySQL's protocol: the same driver.
            "mariadb" => {
                MySqlConnectOptions::from_str(&format!("mysql{}", &url["mariadb".len()..]))
                    .map(Database::MySql)
                    .map_err(invalid)
            }
            "sqlite" => SqliteConnectOptions::from_str(url)
                .map(Database::Sqlite)
                .map_err(invalid),
            _ => Err(
                "it must start with postgres://, postgresql://, mysql://, mariadb:// or sqlite://"
                    .into(),
            ),
        }
    }

    /// The check `name` over a lazy pool of at most four connections, each connection
    /// attempt giving up after `attempt_timeout`.
    pub(crate) fn check(self, name: &str, attempt_timeout: Duration) -> NamedCheck {
        match self {
            Database::Postgres(options) => NamedCheck::new(
                name,
                checks::postgres(
                    PgPoolOptions::new()
                        .max_connections(4)
                        .acquire_timeout(attempt_timeout)
                        .connect_lazy_with(options),
                ),
            ),
            Database::MySql(options) => NamedCheck::new(
                name,
                checks::mysql(
                    MySqlPoolOptions::new()
                        .max_connections(4)
                        .acquire_timeout(attempt_timeout)
                        .connect_lazy_with(options),
                ),
            ),
            Database::Sqlite(options) => NamedCheck::new(
                name,
                checks::sqlite(
                    SqlitePoolOptions::new()
                        .max_connections(4)
                        .acquire_timeout(attempt_timeout)
                        .connect_lazy_with(options),
                ),
            ),
        }
    }
}

/// The URL without its password.
impl Display for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Database::Postgres(options) => write!(
                f,
                "postgres://{}@{}:{}/{}",
                options.get_username(),
                options.get_host(),
                options.get_port(),
                options.get_database().unwrap_or(""),
            ),
            Database::MySql(options) => write!(
                f,
                "mysql://{}@{}:{}/{}",
                options.get_username(),
                options.get_host(),
                options.get_port(),
                options.get_database().unwrap_or(""),
            ),
            Database::Sqlite(options) => {
                write!(f, "sqlite://{}", options.get_filename().display())
            }
        }
    }
}
