//! [`HealthLayer`]: wrap a service so health paths are answered before it.

use std::net::SocketAddr;
use std::sync::Arc;

use http::Extensions;
use tower_layer::Layer;

use super::config::Config;
use super::health_service::HealthService;
use crate::health::Health;
use crate::model::probe::Probe;

/// A tower [`Layer`] that answers the health probes from a [`Health`] handle and forwards
/// every other request to the service it wraps, untouched.
///
/// Put it outermost, so probes never go through authentication, rate limits or the app.
/// When the handle observes its [traffic](crate::HealthBuilder::traffic), the layer also
/// records every forwarded request for it (see [`record_traffic`](HealthLayer::record_traffic)).
///
/// ```
/// use axum::{Router, routing::get};
/// use tower_health::{Health, HealthLayer, Probe};
///
/// let health = Health::default();
/// let app: Router = Router::new()
///     .route("/", get(|| async { "hello" }))
///     .layer(
///         HealthLayer::new(health.clone())
///             .path(Probe::Liveness, "/livez")
///             .disable(Probe::Combined),
///     );
/// ```
///
/// # Around a whole axum router
///
/// axum's `Router::layer` wraps every route on its own, and axum then clones and boxes the
/// layered route and its response body on each request, which any layer added that way
/// pays for. Wrapping the router instead puts the layer in front of routing, as a health
/// layer belongs, at a fraction of that cost (the README's performance section has the
/// figures, and `benches/load.rs` measures them).
///
/// ```
/// use axum::extract::Request;
/// use axum::response::IntoResponse;
/// use axum::{Router, ServiceExt, routing::get};
/// use tower::ServiceBuilder;
/// use tower_health::{Health, HealthLayer};
///
/// async fn serve(listener: tokio::net::TcpListener, health: Health) -> std::io::Result<()> {
///     let router = Router::new().route("/", get(|| async { "hello" }));
///     let app = ServiceBuilder::new()
///         .map_response(IntoResponse::into_response)
///         .layer(HealthLayer::new(health))
///         .service(router);
///     axum::serve(listener, ServiceExt::<Request>::into_make_service(app)).await
/// }
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct HealthLayer {
    config: Arc<Config>,
}

impl HealthLayer {
    /// A layer answering every probe on its [default path](Probe::default_path).
    pub fn new(health: Health) -> Self {
        HealthLayer {
            config: Arc::new(Config::new(health)),
        }
    }

    /// Serve `probe` on `path` instead of its default (this also turns it back on).
    ///
    /// A path matches exactly: `/healthz` answers `/healthz` and `/healthz?x=1`, never
    /// `/healthz/` or `/Healthz`.
    ///
    /// ```
    /// use tower_health::{Health, HealthLayer, Probe};
    ///
    /// let layer = HealthLayer::new(Health::default()).path(Probe::Readiness, "/-/ready");
    /// ```
    ///
    /// # Panics
    ///
    /// When `path` does not start with `/`, holds anything but visible ASCII, a `?` or a
    /// `#`, or is the path of another probe. These are configuration mistakes, caught when
    /// the layer is built.
    pub fn path(mut self, probe: Probe, path: impl Into<String>) -> Self {
        Arc::make_mut(&mut self.config)
            .paths
            .set(probe, path.into());
        self
    }

    /// Stop answering `probe`: its path goes to the inner service like any other.
    ///
    /// ```
    /// use tower_health::{Health, HealthLayer, Probe};
    ///
    /// let layer = HealthLayer::new(Health::default()).disable(Probe::Startup);
    /// ```
    pub fn disable(mut self, probe: Probe) -> Self {
        Arc::make_mut(&mut self.config).paths.disable(probe);
        self
    }

    /// Whether forwarded requests carry a clone of the [`Health`] handle in their
    /// extensions, so handlers behind the layer can reach it (in axum:
    /// `Extension(health): Extension<Health>`). Off by default.
    ///
    /// It is off because it is not free: `http`'s extensions map boxes the map and the
    /// value, so every forwarded request would pay three small allocations, whether a
    /// handler looks at the handle or not. Without it the layer adds no allocation to a
    /// forwarded request. An app that already hands its handlers a
    /// clone (axum state, a captured clone) needs nothing more; one that wants the handle in
    /// the extensions turns this on.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use axum::{Extension, Router, body::Body, routing::post};
    /// use http::Request;
    /// use tower::ServiceExt;
    /// use tower_health::{Health, HealthLayer, Probe, Status};
    ///
    /// let health = Health::default();
    /// health.mark_started();
    /// let app = Router::new()
    ///     .route("/admin/unready", post(|Extension(health): Extension<Health>| async move {
    ///         health.mark_refusing_traffic("held out by an operator");
    ///     }))
    ///     .layer(HealthLayer::new(health.clone()).handle_in_extensions(true));
    ///
    /// let unready = Request::post("/admin/unready").body(Body::empty()).unwrap();
    /// assert_eq!(app.oneshot(unready).await.unwrap().status(), 200);
    /// assert_eq!(health.snapshot().status(Probe::Readiness), Status::Down);
    /// # }
    /// ```
    pub fn handle_in_extensions(mut self, insert: bool) -> Self {
        Arc::make_mut(&mut self.config).insert_handle = insert;
        self
    }

    /// Where the server keeps the client's address in a request's extensions, for a
    /// [details policy](crate::Details::loopback) that asks
    /// ([`ProbeRequest::peer_addr`](crate::health::ProbeRequest::peer_addr)), when it is not
    /// a [`PeerAddr`](crate::health::PeerAddr) (always read first). The crate depends on no
    /// framework, so it cannot name axum's `ConnectInfo` itself: say it here, in one line.
    ///
    /// Read only when a health request's policy asks: a forwarded request never pays for
    /// it.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use std::net::SocketAddr;
    ///
    /// use axum::extract::ConnectInfo;
    /// use axum::{Router, body::Body};
    /// use http::Request;
    /// use tower::ServiceExt;
    /// use tower_health::{Details, Health, HealthLayer};
    ///
    /// let health = Health::builder().component("queue").details(Details::loopback()).build();
    /// health.mark_started();
    /// health.mark_down("queue", "connect queue.internal:5672: refused");
    /// let app = Router::new().fallback(|| async { "app" }).layer(
    ///     HealthLayer::new(health).peer_addr_from(|extensions| {
    ///         extensions.get::<ConnectInfo<SocketAddr>>().map(|info| info.0)
    ///     }),
    /// );
    /// // Served with `app.into_make_service_with_connect_info::<SocketAddr>()`, axum puts
    /// // `ConnectInfo` in every request; here the example does.
    /// let from = |ip: [u8; 4]| {
    ///     let mut request = Request::get("/readyz").body(Body::empty()).unwrap();
    ///     request.extensions_mut().insert(ConnectInfo(SocketAddr::from((ip, 50000))));
    ///     request
    /// };
    /// let body = |response: http::Response<Body>| async {
    ///     let bytes = axum::body::to_bytes(response.into_body(), 1 << 16).await.unwrap();
    ///     String::from_utf8(bytes.to_vec()).unwrap()
    /// };
    /// let local = app.clone().oneshot(from([127, 0, 0, 1])).await.unwrap();
    /// assert!(body(local).await.contains("refused"));
    /// let remote = app.oneshot(from([203, 0, 113, 7])).await.unwrap();
    /// assert!(!body(remote).await.contains("refused"));
    /// # }
    /// ```
    pub fn peer_addr_from(mut self, reader: fn(&Extensions) -> Option<SocketAddr>) -> Self {
        Arc::make_mut(&mut self.config).peer_addr_from = Some(reader);
        self
    }
}

impl HealthLayer {
    /// Whether this layer records its forwarded requests for the handle's
    /// [traffic](crate::HealthBuilder::traffic) component (when the handle observes
    /// traffic: on by default). Turn it off on a layer whose traffic says nothing of the
    /// service's health: an admin listener, a second copy of the same requests.
    ///
    /// ```
    /// use tower_health::{Health, HealthLayer, Traffic};
    ///
    /// let health = Health::builder().traffic(Traffic::new()).build();
    /// let admin = HealthLayer::new(health).record_traffic(false);
    /// ```
    pub fn record_traffic(mut self, record: bool) -> Self {
        let config = Arc::make_mut(&mut self.config);
        config.traffic = match record {
            true => config.health.observed().cloned(),
            false => None,
        };
        self
    }
}

impl<S> Layer<S> for HealthLayer {
    type Service = HealthService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        HealthService::from_parts(inner, self.config.clone())
    }
}
