//! The layer on a plain hyper 1.x server through hyper-util, no framework.

mod common;

use std::convert::Infallible;
use std::net::SocketAddr;

use bytes::Bytes;
use common::{Calls, fetch, send};
use http::{Method, Request, Response, StatusCode};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::service::TowerToHyperService;
use tower::ServiceBuilder;
use tower_health::{Health, HealthLayer};

/// Serve `HealthLayer` over a counting `service_fn` that reports whether the handle was
/// in its request's extensions.
async fn serve(health: Health, calls: Calls) -> SocketAddr {
    serve_with(HealthLayer::new(health), calls).await
}

async fn serve_with(layer: HealthLayer, calls: Calls) -> SocketAddr {
    let service =
        ServiceBuilder::new()
            .layer(layer)
            .service_fn(move |request: Request<Incoming>| {
                calls.hit();
                let has_handle = request.extensions().get::<Health>().is_some();
                async move {
                    let body = format!("inner, handle in extensions: {has_handle}");
                    Ok::<_, Infallible>(Response::new(Full::new(Bytes::from(body))))
                }
            });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            let service = TowerToHyperService::new(service.clone());
            tokio::spawn(async move {
                let _ = auto::Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    addr
}

#[tokio::test]
async fn probes_and_pass_through_on_plain_hyper() {
    let health = Health::default();
    let calls = Calls::default();
    let addr = serve(health.clone(), calls.clone()).await;

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
    let addr = serve(health, Calls::default()).await;

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
    let addr = serve_with(layer, calls.clone()).await;
    assert_eq!(fetch(addr, "/readyz").await.status, StatusCode::OK);
    let passed = fetch(addr, "/x").await;
    assert_eq!(passed.text(), "inner, handle in extensions: true");
    assert_eq!(calls.count(), 1);
}
