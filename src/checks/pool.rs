//! What the checks over a connection pool say when every connection is in use.

use super::error::CheckError;

/// The degraded result for a pool whose `max` connections are all in use: the database is
/// fine, the application is busy.
pub(crate) fn exhausted(max: usize) -> CheckError {
    CheckError::degraded(format!("pool exhausted: {max}/{max} in use"))
}
