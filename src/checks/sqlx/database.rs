//! What the sqlx check needs to know of each database: its name in reasons, and where it
//! listens, for telling a refused connection at once.

use sqlx::{Connection, Database};

use crate::checks::refused::Address;

/// A sqlx database the [`SqlxCheck`](super::SqlxCheck) runs against: [`sqlx::Postgres`],
/// [`sqlx::MySql`] (MySQL and MariaDB) and [`sqlx::Sqlite`], each with its feature. Sealed:
/// implemented by this crate only.
pub trait SqlxDatabase: Database + sealed::Sealed {
    /// The name reasons start with: `postgres`, `mysql`, `sqlite`.
    const SHORT_NAME: &'static str;
}

pub(crate) mod sealed {
    use super::{Address, Connection, Database};

    /// What only this crate implements: the database's address, and whether it is
    /// another process.
    pub trait Sealed: Database {
        /// Whether the database is reached over the network (not a file).
        const IS_REMOTE: bool;

        /// Where the pool connects, when it is a socket.
        #[allow(private_interfaces)]
        fn address(options: &<Self::Connection as Connection>::Options) -> Option<Address>;
    }
}
