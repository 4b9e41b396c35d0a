//! Telling a refused connection from a slow one, for clients that retry connecting.
//!
//! sqlx's pool and redis-rs's connection manager retry a refused connect with backoff until
//! their own deadline, so a run against a stopped server would end only at the engine's
//! timeout, as a timeout. A run that has not answered within [`HEDGE`] therefore also tries
//! one plain TCP (or Unix socket) connect to the server's address, closed at once without
//! a byte sent: refused there fails the run with `connection refused`; anything else lets the
//! client's run go on, bounded by the engine's timeout as before. A client may look further
//! on a slow run ([`or_diagnosed`]): Redis asks the server once for a rejected password.

use std::future::Future;
use std::time::Duration;

use super::error::CheckError;

/// How long a run may take before the server is asked whether it refuses connections. A
/// healthy pooled ping answers well within it, so healthy runs never pay the extra connect.
const HEDGE: Duration = Duration::from_millis(20);

/// Where a dependency listens.
#[cfg_attr(
    not(any(feature = "postgres", feature = "mysql", feature = "redis")),
    expect(dead_code, reason = "SQLite alone listens nowhere")
)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Address {
    /// A host name or IP address and a port.
    Tcp(String, u16),
    /// A Unix domain socket.
    #[cfg(unix)]
    Unix(std::path::PathBuf),
}

impl Address {
    /// Whether a connect to it is refused now (a missing Unix socket counts as refused).
    pub(crate) async fn refuses(&self) -> bool {
        use std::io::ErrorKind::{ConnectionRefused, NotFound};
        match self {
            Address::Tcp(host, port) => matches!(
                tokio::net::TcpStream::connect((host.as_str(), *port)).await,
                Err(error) if error.kind() == ConnectionRefused
            ),
            #[cfg(unix)]
            Address::Unix(path) => matches!(
                tokio::net::UnixStream::connect(path).await,
                Err(error) if matches!(error.kind(), ConnectionRefused | NotFound)
            ),
        }
    }
}

/// Run `run`; should it take longer than [`HEDGE`] and `address` refuse connections,
/// fail at once with `{client}: connection refused`.
#[cfg(any(feature = "postgres", feature = "mysql", feature = "sqlite"))]
pub(crate) async fn or_refused<F>(
    client: &str,
    address: Option<&Address>,
    run: F,
) -> Result<(), CheckError>
where
    F: Future<Output = Result<(), CheckError>>,
{
    let Some(address) = address else {
        return run.await;
    };
    or_diagnosed(run, async {
        address
            .refuses()
            .await
            .then(|| CheckError::new(format!("{client}: connection refused")))
    })
    .await
}

/// Run `run`; should it take longer than [`HEDGE`], also run `diagnose`: when it finds
/// the failure first, the run fails with it; when it finds none, the run goes on alone.
pub(crate) async fn or_diagnosed<F, D>(run: F, diagnose: D) -> Result<(), CheckError>
where
    F: Future<Output = Result<(), CheckError>>,
    D: Future<Output = Option<CheckError>>,
{
    let mut run = std::pin::pin!(run);
    tokio::select! {
        biased;
        result = &mut run => return result,
        () = tokio::time::sleep(HEDGE) => {}
    }
    let found = async {
        match diagnose.await {
            Some(error) => error,
            None => std::future::pending().await,
        }
    };
    tokio::select! {
        biased;
        result = &mut run => result,
        error = found => Err(error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_slow_run_against_a_refusing_port_fails_as_refused() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let address = Address::Tcp("127.0.0.1".into(), port);
        let slow = async {
            tokio::time::sleep(Duration::from_secs(5)).await;
            Ok(())
        };
        // Listening: the slow run is left alone (here cut short by the test's timeout).
        let waited = tokio::time::timeout(
            Duration::from_millis(200),
            or_refused("db", Some(&address), slow),
        );
        assert!(waited.await.is_err());
        drop(listener);
        let slow = async {
            tokio::time::sleep(Duration::from_secs(5)).await;
            Ok(())
        };
        let error = or_refused("db", Some(&address), slow).await.unwrap_err();
        assert_eq!(error.message(), "db: connection refused");
        // A fast run never connects.
        let fast = async { Err(CheckError::new("db: boom")) };
        let error = or_refused("db", Some(&address), fast).await.unwrap_err();
        assert_eq!(error.message(), "db: boom");
    }
}
