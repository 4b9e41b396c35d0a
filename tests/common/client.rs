//! The client side of HTTP: one request on a new connection, read whole.

use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, Method, Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::NO_HANG;

/// One HTTP answer, read whole.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Reply {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|error| {
            panic!(
                "body is not JSON ({error}): {:?}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .unwrap_or_else(|| panic!("no {name} header in {:?}", self.headers))
            .to_str()
            .unwrap()
    }
}

/// Send one HTTP/1.1 request on a new connection.
pub async fn send(addr: SocketAddr, method: Method, path: &str, headers: &[(&str, &str)]) -> Reply {
    tokio::time::timeout(NO_HANG, try_send(addr, method, path, headers))
        .await
        .expect("request hung")
        .unwrap_or_else(|error| panic!("{error}"))
}

/// [`send`], with what went wrong instead of a panic (refused, closed before the answer),
/// and no bound on the time: for a server that may be on its way out.
pub async fn try_send(
    addr: SocketAddr,
    method: Method,
    path: &str,
    headers: &[(&str, &str)],
) -> Result<Reply, String> {
    let stream = TcpStream::connect(addr)
        .await
        .map_err(|error| format!("connect: {error}"))?;
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|error| format!("handshake: {error}"))?;
    tokio::spawn(connection);
    let mut request = Request::builder()
        .method(method)
        .uri(path)
        .header("host", addr.to_string());
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = sender
        .send_request(request.body(Full::<Bytes>::default()).unwrap())
        .await
        .map_err(|error| format!("send request: {error}"))?;
    let (parts, body) = response.into_parts();
    let body = body
        .collect()
        .await
        .map_err(|error| format!("read body: {error}"))?
        .to_bytes();
    Ok(Reply {
        status: parts.status,
        headers: parts.headers,
        body,
    })
}

pub async fn fetch(addr: SocketAddr, path: &str) -> Reply {
    send(addr, Method::GET, path, &[]).await
}

/// Write raw bytes on a new connection and read until the server closes it.
pub async fn raw(addr: SocketAddr, request: &[u8]) -> String {
    let work = async {
        let mut stream = TcpStream::connect(addr).await.expect("connect");
        stream.write_all(request).await.expect("write");
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).await.expect("read");
        String::from_utf8_lossy(&answer).into_owned()
    };
    tokio::time::timeout(NO_HANG, work)
        .await
        .expect("raw request hung")
}

/// Poll `path` until it answers `status`, for at most [`NO_HANG`]; returns that reply.
pub async fn wait_for_status(addr: SocketAddr, path: &str, status: StatusCode) -> Reply {
    wait_for_status_within(addr, path, status, NO_HANG).await
}

/// Poll `path` every 50 ms until it answers `status`, for at most `within`; returns that
/// reply. A bound the test asserts ([`wait_for_status`] uses [`NO_HANG`], which only proves
/// no hang).
pub async fn wait_for_status_within(
    addr: SocketAddr,
    path: &str,
    status: StatusCode,
    within: Duration,
) -> Reply {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let reply = fetch(addr, path).await;
        if reply.status == status {
            return reply;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{path} did not answer {status} within {within:?}: {} {}",
            reply.status,
            reply.text()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
