//! The agent check's client side (one line per connection, as HAProxy reads it), and an
//! app that holds requests in flight on demand.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;
use tokio::sync::Semaphore;

use super::NO_HANG;

/// Connect to the agent check at `addr` and read until it closes: its whole answer.
pub async fn agent_line(addr: SocketAddr) -> String {
    let read = async {
        let mut stream = TcpStream::connect(addr)
            .await
            .expect("connect to the agent");
        let mut line = String::new();
        stream
            .read_to_string(&mut line)
            .await
            .expect("read the agent's line");
        line
    };
    tokio::time::timeout(NO_HANG, read)
        .await
        .expect("the agent check never closed the connection")
}

/// Poll the agent check at `addr` until `wanted` holds for its line, for at most
/// [`NO_HANG`]; returns that line.
pub async fn wait_for_line(addr: SocketAddr, wanted: impl Fn(&str) -> bool) -> String {
    let deadline = tokio::time::Instant::now() + NO_HANG;
    loop {
        let line = agent_line(addr).await;
        if wanted(&line) {
            return line;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the agent never said what was expected; last: {line:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The weight in an `up ready W%` line.
pub fn weight(line: &str) -> u8 {
    line.strip_prefix("up ready ")
        .and_then(|rest| rest.strip_suffix("%\n"))
        .and_then(|weight| weight.parse().ok())
        .unwrap_or_else(|| panic!("not an `up ready W%` line: {line:?}"))
}

/// Requests to `/held` wait at this gate until it is opened; they answer `held`.
#[derive(Debug, Clone)]
pub struct Gate(Arc<Semaphore>);

impl Gate {
    pub fn closed() -> Gate {
        Gate(Arc::new(Semaphore::new(0)))
    }

    /// Let every waiting request (and every later one) through.
    pub fn open(&self) {
        self.0.add_permits(Semaphore::MAX_PERMITS / 2);
    }

    async fn pass(&self) {
        let _ = self
            .0
            .acquire()
            .await
            .expect("the gate is never closed for good");
    }
}

/// An axum app: `/held` waits at `gate`, `/slow` sleeps for `slow`, anything else answers
/// `inner` at once.
pub fn app(gate: &Gate, slow: Duration) -> axum::Router {
    use axum::routing::get;
    let gate = gate.clone();
    axum::Router::new()
        .route(
            "/held",
            get(move || {
                let gate = gate.clone();
                async move {
                    gate.pass().await;
                    "held"
                }
            }),
        )
        .route(
            "/slow",
            get(move || async move {
                tokio::time::sleep(slow).await;
                "slow"
            }),
        )
        .fallback(|| async { "inner" })
}
