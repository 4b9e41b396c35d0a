//! [`PeerAddr`]: the address a request came from, as a request extension.

use std::net::SocketAddr;

/// The address of the client a request came from, carried in the request's extensions so a
/// [`Details`](super::Details) policy can see it ([`ProbeRequest::peer_addr`](super::ProbeRequest::peer_addr)).
///
/// Who puts it there:
///
/// - the probe server (`probe_server`, feature `probe-server`) does, on every request it
///   serves (its fallback service sees it too);
/// - behind axum, nothing needs to: serve with `into_make_service_with_connect_info::<SocketAddr>()`
///   and tell the layer where axum keeps the address, with
///   [`HealthLayer::peer_addr_from`](crate::layer::HealthLayer::peer_addr_from);
/// - a plain hyper server knows the address when it accepts the connection, and inserts it
///   into each request of that connection:
///
/// ```no_run
/// use std::convert::Infallible;
///
/// use bytes::Bytes;
/// use http::{Request, Response};
/// use http_body_util::Full;
/// use hyper::body::Incoming;
/// use hyper_util::rt::{TokioExecutor, TokioIo};
/// use hyper_util::server::conn::auto;
/// use hyper_util::service::TowerToHyperService;
/// use tower::{ServiceBuilder, ServiceExt};
/// use tower_health::health::PeerAddr;
/// use tower_health::{Details, Health, HealthLayer};
///
/// # async fn serve(listener: tokio::net::TcpListener) -> std::io::Result<()> {
/// let health = Health::builder().details(Details::loopback()).build();
/// let app = ServiceBuilder::new()
///     .layer(HealthLayer::new(health))
///     .service_fn(|_: Request<Incoming>| async {
///         Ok::<_, Infallible>(Response::new(Full::new(Bytes::from("app"))))
///     });
/// loop {
///     let (stream, peer) = listener.accept().await?;
///     let service = app.clone().map_request(move |mut request: Request<Incoming>| {
///         request.extensions_mut().insert(PeerAddr(peer));
///         request
///     });
///     tokio::spawn(async move {
///         let http = auto::Builder::new(TokioExecutor::new());
///         let service = TowerToHyperService::new(service);
///         let _ = http.serve_connection(TokioIo::new(stream), service).await;
///     });
/// }
/// # }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PeerAddr(pub SocketAddr);
