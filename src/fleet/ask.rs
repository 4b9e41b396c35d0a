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
    exchange_over(TokioIo::new(stream), &addr.to_string(), path_and_query).await
}

/// [`exchange`] over a connection already open to `host`: everything the peer sends is read
/// here, by hyper's HTTP/1.1 client and then for the two headers.
async fn exchange_over<I>(
    io: I,
    host: &str,
    path_and_query: &str,
) -> Result<Head, Box<dyn std::error::Error + Send + Sync>>
where
    I: hyper::rt::Read + hyper::rt::Write + Unpin,
{
    let (mut sender, connection) = http1::Builder::new()
        .max_buf_size(8 * 1024)
        .handshake::<_, Empty<Bytes>>(io)
        .await?;
    let request = Request::get(path_and_query)
        .header(header::HOST, host)
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

/// What a peer that sent `answer` (its bytes as they come on the connection once the request
/// is there, then the end of the connection) says to the replica named `instance`: `up`,
/// `down`, `itself` or `none`, read exactly as [`ask`] reads a peer. For the fuzz targets only
/// (`cfg(fuzzing)`, which cargo fuzz sets; they bring tokio's `io-util`): no part of the
/// crate's API.
#[cfg(fuzzing)]
pub async fn read_peer_answer(answer: &[u8], instance: &str) -> &'static str {
    let answer = match answered(answer).await {
        Ok(head) => head.read(instance),
        Err(_) => Answer::Nothing,
    };
    match answer {
        Answer::Itself => "itself",
        other => other.word(),
    }
}

/// [`exchange_over`] an in-memory connection to a peer that sends `answer` once the request
/// has arrived, and then closes its side.
#[cfg(any(test, fuzzing))]
async fn answered(answer: &[u8]) -> Result<Head, Box<dyn std::error::Error + Send + Sync>> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    // Room for the whole answer: the peer's writes never wait on the reader, which stops at
    // the end of the head.
    let (client, mut peer) = tokio::io::duplex(answer.len().max(1024) + 1);
    let peer = async move {
        // The request is written at once: the first bytes mean all of it has arrived.
        let mut request = [0; 1024];
        let _ = peer.read(&mut request).await;
        let _ = peer.write_all(answer).await;
        let _ = peer.shutdown().await;
        peer
    };
    let asked = exchange_over(TokioIo::new(client), "peer", "/readyz/check");
    let (head, _peer) = tokio::join!(asked, peer);
    head
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

    /// What a peer that sends `raw` says to "me", read as [`ask`] reads it.
    async fn answer(raw: &[u8]) -> Answer {
        answered(raw)
            .await
            .map_or(Answer::Nothing, |head| head.read("me"))
    }

    #[tokio::test]
    async fn the_bytes_of_an_answer_are_read_for_its_head() {
        let own = "HTTP/1.1 503 Service Unavailable\r\nx-health-instance: peer\r\n";
        let (framed, cut) = (
            format!("{own}content-length: 0\r\n\r\n"),
            format!("{own}content-le"),
        );
        let cases: [(&[u8], Answer); 6] = [
            (framed.as_bytes(), Answer::Down),
            (
                b"HTTP/1.1 200 OK\r\nX-Health-Instance: p\r\nx-health-last-result: fail\r\n\r\n",
                Answer::Down,
            ),
            (
                b"HTTP/1.1 200 OK\r\nx-health-instance: me\r\n\r\n",
                Answer::Itself,
            ),
            (b"HTTP/1.1 503 Service Unavailable\r\n\r\n", Answer::Nothing),
            (b"SSH-2.0-OpenSSH_9.6\r\n\x00\xff\r\n\r\n", Answer::Nothing),
            (cut.as_bytes(), Answer::Nothing),
        ];
        for (raw, expected) in cases {
            let read = answer(raw).await;
            assert_eq!(read, expected, "{:?}", String::from_utf8_lossy(raw));
        }
    }
}
