//! Servers on an ephemeral port of 127.0.0.1, run on the test's runtime, with
//! `HealthLayer` in front: axum, plain hyper through hyper-util, tonic; and the crate's
//! own probe server on its thread.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use bytes::Bytes;
use http::{Request, Response};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tonic::transport::Server;
use tonic::transport::server::TcpIncoming;
use tower::ServiceBuilder;
use tower_health::probe_server::ProbeServerHandle;
use tower_health::{Health, HealthLayer, ProbeServer};

/// Counts calls that reach the inner service.
#[derive(Debug, Clone, Default)]
pub struct Calls(Arc<AtomicUsize>);

impl Calls {
    pub fn hit(&self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
    pub fn count(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

/// A listener on a free port of 127.0.0.1, and its address.
pub async fn ephemeral_listener() -> (TcpListener, SocketAddr) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    (listener, addr)
}

/// Serve an axum router.
pub async fn serve_axum(app: axum::Router) -> SocketAddr {
    let (listener, addr) = ephemeral_listener().await;
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

/// An axum app whose every path answers "inner" and counts the call.
pub fn counting_app() -> (axum::Router, Calls) {
    let calls = Calls::default();
    let counter = calls.clone();
    let app = axum::Router::new().fallback(axum::routing::any(move || {
        counter.hit();
        async { "inner" }
    }));
    (app, calls)
}

/// Serve `health` behind a default `HealthLayer` over the [`counting_app`].
pub async fn serve_counting(health: &Health) -> (SocketAddr, Calls) {
    let (app, calls) = counting_app();
    let app = app.layer(HealthLayer::new(health.clone()));
    (serve_axum(app).await, calls)
}

/// A probe server for `health` on a free port of 127.0.0.1, the [`counting_app`] as its
/// fallback.
pub fn serve_probes(health: &Health) -> (ProbeServerHandle, Calls) {
    let (app, calls) = counting_app();
    let probes = ProbeServer::bind(([127, 0, 0, 1], 0), health.clone())
        .fallback(app)
        .spawn()
        .expect("bind the probe server");
    (probes, calls)
}

/// Serve `layer` on a plain hyper server (HTTP/1.1 and HTTP/2) over a counting `service_fn`
/// that answers whether the handle was in its request's extensions.
pub async fn serve_hyper(layer: HealthLayer, calls: Calls) -> SocketAddr {
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
    let (listener, addr) = ephemeral_listener().await;
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

/// Serve a gRPC health service on a tonic server that also accepts HTTP/1.1, with
/// `health` behind a default `HealthLayer` in front.
pub async fn serve_tonic<S>(health: &Health, grpc_health: S) -> SocketAddr
where
    S: tower::Service<Request<tonic::body::Body>, Error = Infallible>
        + tonic::server::NamedService
        + Clone
        + Send
        + Sync
        + 'static,
    S::Response: axum::response::IntoResponse,
    S::Future: Send + 'static,
{
    let (listener, addr) = ephemeral_listener().await;
    let server = Server::builder()
        .accept_http1(true)
        .layer(HealthLayer::new(health.clone()))
        .add_service(grpc_health)
        // TCP_NODELAY, as tonic's `serve(addr)` sets it.
        .serve_with_incoming(TcpIncoming::from(listener).with_nodelay(Some(true)));
    tokio::spawn(async move { server.await.unwrap() });
    addr
}
