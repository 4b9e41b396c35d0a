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
    /// No usable answer: refused, reset, garbage, another status, an answer without
    /// `x-health-instance` (not a tower-health replica's own: a proxy, a load shedder), or
    /// a check with no result yet there (`x-health-last-result: none`).
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
        Ok(head) => {
            let answer = head.read(instance);
            if answer == Answer::Nothing {
                let Head { status, .. } = head;
                tracing::debug!(
                    %addr,
                    %status,
                    "health: a peer's answer is no tower-health per-check answer with a result"
                );
            }
            answer
        }
        Err(error) => {
            tracing::debug!(%addr, %error, "health: a peer did not answer");
            Answer::Nothing
        }
    }
}

/// What a peer's answer says in its head.
#[derive(Debug)]
struct Head {
    status: StatusCode,
    /// `x-health-instance`: which replica answered. Only a tower-health per-check answer
    /// carries it.
    instance: Option<String>,
    /// `x-health-last-result`: `pass`, `fail` or `none` (no result yet), if present.
    last_result: Option<String>,
}

impl Head {
    /// The answer this head gives a replica named `instance`: only a per-check answer of a
    /// tower-health replica counts (it names its instance), and only with a result.
    fn read(&self, instance: &str) -> Answer {
        let Some(answered_by) = self.instance.as_deref() else {
            return Answer::Nothing;
        };
        if answered_by == instance {
            return Answer::Itself;
        }
        match (self.status, self.last_result.as_deref()) {
            (_, Some("none")) => Answer::Nothing,
            (StatusCode::SERVICE_UNAVAILABLE, _) => Answer::Down,
            (StatusCode::OK, Some("fail")) => Answer::Down,
            (StatusCode::OK, _) => Answer::Up,
            _ => Answer::Nothing,
        }
    }
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
    let last_result = headers
        .get(LAST_RESULT_HEADER)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    Ok(Head {
        status: response.status(),
        instance,
        last_result,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(status: u16, instance: Option<&str>, last_result: Option<&str>) -> Head {
        Head {
            status: StatusCode::from_u16(status).unwrap(),
            instance: instance.map(str::to_owned),
            last_result: last_result.map(str::to_owned),
        }
    }

    #[test]
    fn only_a_replicas_own_answer_with_a_result_counts() {
        let peer = Some("0123456789abcdef");
        let read = |status, instance, last| head(status, instance, last).read("me");
        assert_eq!(read(503, peer, Some("fail")), Answer::Down);
        assert_eq!(read(503, peer, None), Answer::Down);
        assert_eq!(
            read(200, peer, Some("fail")),
            Answer::Down,
            "on its way down"
        );
        assert_eq!(read(200, peer, Some("pass")), Answer::Up);
        assert_eq!(read(200, peer, None), Answer::Up);
        // No result yet there: it has seen nothing.
        assert_eq!(read(503, peer, Some("none")), Answer::Nothing);
        assert_eq!(read(200, peer, Some("none")), Answer::Nothing);
        // No instance: a proxy, a load shedder, another program.
        assert_eq!(read(503, None, None), Answer::Nothing);
        assert_eq!(read(503, None, Some("fail")), Answer::Nothing);
        assert_eq!(read(200, None, Some("pass")), Answer::Nothing);
        // Another status, even from a replica; a redirect is not followed.
        assert_eq!(read(500, peer, Some("fail")), Answer::Nothing);
        assert_eq!(read(302, peer, Some("fail")), Answer::Nothing);
        assert_eq!(read(503, Some("me"), Some("fail")), Answer::Itself);
    }
}
