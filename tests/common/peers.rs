//! Peers that are no tower-health replica: they hang, answer garbage, `500`, a bare `503`
//! (a proxy or a load shedder), or a redirect. Each counts the requests it gets.

use std::net::SocketAddr;

use http::{StatusCode, header};
use tokio::io::AsyncWriteExt;

use super::serve::{Calls, ephemeral_listener, serve_axum};

/// A peer that accepts connections and never answers.
pub async fn hanging_peer() -> SocketAddr {
    let (listener, addr) = ephemeral_listener().await;
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            held.push(stream);
        }
    });
    addr
}

/// A peer that answers bytes that are not HTTP.
pub async fn garbage_peer() -> SocketAddr {
    let (listener, addr) = ephemeral_listener().await;
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let _ = stream
                .write_all(b"SSH-2.0-OpenSSH_9.6\r\n\x00\xff\r\n\r\n")
                .await;
        }
    });
    addr
}

/// A peer that answers `status` with no header of tower-health's to everything, and the
/// requests it got.
pub async fn bare_peer(status: StatusCode) -> (SocketAddr, Calls) {
    let calls = Calls::default();
    let counter = calls.clone();
    let app = axum::Router::new().fallback(move || {
        counter.hit();
        async move { (status, "busy, try again later") }
    });
    (serve_axum(app).await, calls)
}

/// A peer that answers every request with `302 Found` to the same path on `to`, and the
/// requests it got.
pub async fn redirecting_peer(to: SocketAddr) -> (SocketAddr, Calls) {
    let calls = Calls::default();
    let counter = calls.clone();
    let app = axum::Router::new().fallback(move |uri: http::Uri| {
        counter.hit();
        async move {
            let location = format!("http://{to}{}", uri.path());
            (StatusCode::FOUND, [(header::LOCATION, location)])
        }
    });
    (serve_axum(app).await, calls)
}
