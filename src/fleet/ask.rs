//! Asking one peer about one check: `GET <path>/<check>`, status line and headers only.

use std::net::SocketAddr;

use bytes::Bytes;
use http::{Request, StatusCode, header};
use http_body_util::Empty;
use hyper::client::conn::http1;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use crate::model::fleet::{INSTANCE_HEADER, LAST_RESULT_HEADER};

/// What one peer said.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Answer {
    /// `200` with a last result that passed: the check is up there.
    Up,
    /// `503`, or `200` with a last result that failed (on its way down): it is failing
    /// there too.
    Down,
    /// The answer came from this very replica.
    Itself,
    /// No usable answer: refused, reset, garbage, another status.
    Nothing,
}

impl Answer {
    /// The word for it in metrics: `up`, `down`, `none`.
    #[cfg_attr(
        not(feature = "metrics"),
        allow(dead_code, reason = "only metrics say it")
    )]
    pub(super) fn word(self) -> &'static str {
        match self {
            Answer::Up => "up",
            Answer::Down => "down",
            Answer::Itself | Answer::Nothing => "none",
        }
    }
}

/// Ask the peer at `addr` for `path_and_query`; `instance` is this replica's own. Unbounded
/// in time: the caller bounds it.
pub(super) async fn ask(addr: SocketAddr, path_and_query: &str, instance: &str) -> Answer {
    match exchange(addr, path_and_query).await {
        Ok(head) if head.instance.as_deref() == Some(instance) => Answer::Itself,
        Ok(head) if head.status == StatusCode::SERVICE_UNAVAILABLE => Answer::Down,
        Ok(head) if head.status == StatusCode::OK && head.last_failed => Answer::Down,
        Ok(head) if head.status == StatusCode::OK => Answer::Up,
        Ok(Head { status, .. }) => {
            tracing::debug!(%addr, %status, "health: a peer answered neither 200 nor 503");
            Answer::Nothing
        }
        Err(error) => {
            tracing::debug!(%addr, %error, "health: a peer did not answer");
            Answer::Nothing
        }
    }
}

/// What a peer's answer says in its head.
struct Head {
    status: StatusCode,
    /// `x-health-instance`: which replica answered.
    instance: Option<String>,
    /// `x-health-last-result: fail`: the check's last run failed there.
    last_failed: bool,
}

/// One request on a new connection: the answer's head. The body is never read; the head is
/// read up to hyper's smallest buffer (8 KiB).
async fn exchange(
    addr: SocketAddr,
    path_and_query: &str,
) -> Result<Head, Box<dyn std::error::Error + Send + Sync>> {
    let stream = TcpStream::connect(addr).await?;
    let _ = stream.set_nodelay(true);
    let (mut sender, connection) = http1::Builder::new()
        .max_buf_size(8 * 1024)
        .handshake::<_, Empty<Bytes>>(TokioIo::new(stream))
        .await?;
    let request = Request::get(path_and_query)
        .header(header::HOST, addr.to_string())
        .header(header::USER_AGENT, "tower-health-fleet")
        .header(header::CONNECTION, "close")
        .body(Empty::new())?;
    let mut connection = std::pin::pin!(connection);
    let mut sent = std::pin::pin!(sender.send_request(request));
    let response = tokio::select! {
        response = sent.as_mut() => response?,
        // With `connection: close` it may end as the answer arrives: the answer is then
        // waiting for `sent`.
        ended = connection.as_mut() => {
            ended?;
            sent.await?
        }
    };
    let headers = response.headers();
    let instance = headers
        .get(INSTANCE_HEADER)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    let last_failed = headers
        .get(LAST_RESULT_HEADER)
        .is_some_and(|value| value == "fail");
    Ok(Head {
        status: response.status(),
        instance,
        last_failed,
    })
}
