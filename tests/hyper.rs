//! The layer on a plain hyper 1.x server through hyper-util, no framework.

mod common;

use bytes::Bytes;
use common::client::{fetch, send};
use common::serve::{Calls, serve_hyper};
use http::{Method, Request, StatusCode};
use http_body_util::Full;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tower_health::{Health, HealthLayer};

#[tokio::test]
async fn probes_and_pass_through_on_plain_hyper() {
    let health = Health::default();
    let calls = Calls::default();
    let addr = serve_hyper(HealthLayer::new(health.clone()), calls.clone()).await;

    assert_eq!(fetch(addr, "/healthz").await.status, StatusCode::OK);
    assert_eq!(
        fetch(addr, "/readyz").await.status,
        StatusCode::SERVICE_UNAVAILABLE
    );
    health.mark_started();
    let ready = fetch(addr, "/readyz").await;
    assert_eq!(ready.status, StatusCode::OK);
    assert_eq!(ready.header("cache-control"), "no-store");
    assert_eq!(
        send(addr, Method::DELETE, "/healthz", &[]).await.status,
        StatusCode::METHOD_NOT_ALLOWED
    );
    assert_eq!(calls.count(), 0);

    let passed = fetch(addr, "/anything?x=1").await;
    assert_eq!(passed.status, StatusCode::OK);
    assert_eq!(passed.text(), "inner, handle in extensions: false");
    assert_eq!(calls.count(), 1);
}

#[tokio::test]
async fn http2_prior_knowledge_probe() {
    let health = Health::default();
    health.mark_started();
    let addr = serve_hyper(HealthLayer::new(health), Calls::default()).await;

    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (mut sender, connection) =
        hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(stream))
            .await
            .unwrap();
    tokio::spawn(connection);
    let request = Request::get(format!("http://{addr}/readyz"))
        .body(Full::<Bytes>::default())
        .unwrap();
    let response = sender.send_request(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.version(), http::Version::HTTP_2);
    assert_eq!(response.headers()["cache-control"], "no-store");
}

#[tokio::test]
async fn the_handle_goes_into_the_extensions_when_asked() {
    let health = Health::default();
    health.mark_started();
    let calls = Calls::default();
    let layer = HealthLayer::new(health).handle_in_extensions(true);
    let addr = serve_hyper(layer, calls.clone()).await;
    assert_eq!(fetch(addr, "/readyz").await.status, StatusCode::OK);
    let passed = fetch(addr, "/x").await;
    assert_eq!(passed.text(), "inner, handle in extensions: true");
    assert_eq!(calls.count(), 1);
}
