//! [`HealthService`]: answer a health path, or forward the request.

use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::{Request, Response};
use tower_service::Service;

use super::answer::answer;
use super::body::ResponseBody;
use super::config::Config;
use super::future::ResponseFuture;
use super::health_layer::HealthLayer;
use super::paths::Route;
use super::recorder::Recording;
use crate::health::Health;

/// A service that answers the health probes itself and forwards everything else to `S`.
///
/// Usually made by [`HealthLayer`]. Forwarded requests, and the inner service's responses
/// and errors, pass through unchanged (the request gets a clone of the [`Health`] handle
/// in its extensions with [`HealthLayer::handle_in_extensions`]).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use http::{Request, Response};
/// use http_body_util::Full;
/// use bytes::Bytes;
/// use tower::{ServiceExt, service_fn};
/// use tower_health::{Health, HealthService};
///
/// let inner = service_fn(|_req: Request<Full<Bytes>>| async {
///     Ok::<_, std::convert::Infallible>(Response::new(Full::new(Bytes::from("app"))))
/// });
/// let health = Health::default();
/// let service = HealthService::new(inner, health.clone());
///
/// let probe = Request::get("/startupz").body(Full::default()).unwrap();
/// let response = service.clone().oneshot(probe).await.unwrap();
/// assert_eq!(response.status(), 503);
///
/// health.mark_started();
/// let probe = Request::get("/startupz").body(Full::default()).unwrap();
/// assert_eq!(service.oneshot(probe).await.unwrap().status(), 200);
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct HealthService<S> {
    inner: S,
    config: Arc<Config>,
}

impl<S> HealthService<S> {
    /// Wrap `inner`, answering every probe on its default path.
    pub fn new(inner: S, health: Health) -> Self {
        HealthService::from_parts(inner, Arc::new(Config::new(health)))
    }

    pub(crate) fn from_parts(inner: S, config: Arc<Config>) -> Self {
        HealthService { inner, config }
    }

    /// A [`HealthLayer`] for `health`.
    pub fn layer(health: Health) -> HealthLayer {
        HealthLayer::new(health)
    }

    /// The health handle this service answers from.
    pub fn health(&self) -> &Health {
        &self.config.health
    }

    /// The wrapped service.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }

    /// The wrapped service, mutably.
    pub fn get_mut(&mut self) -> &mut S {
        &mut self.inner
    }

    /// Unwrap the inner service.
    pub fn into_inner(self) -> S {
        self.inner
    }
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for HealthService<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
{
    type Response = Response<ResponseBody<ResBody>>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future>;

    #[inline]
    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    #[inline]
    fn call(&mut self, mut request: Request<ReqBody>) -> Self::Future {
        if let Some(route) = self.config.paths.lookup(request.uri().path()) {
            return ResponseFuture::answered(self.probe(route, &request));
        }
        if self.config.insert_handle {
            request.extensions_mut().insert(self.config.health.clone());
        }
        if let Some(observed) = &self.config.traffic {
            let recording = Recording::start(&observed.counters);
            return ResponseFuture::recorded(self.inner.call(request), recording);
        }
        ResponseFuture::inner(self.inner.call(request))
    }
}

impl<S> HealthService<S> {
    /// Answer a health request; kept out of line so a forwarded request's path stays short.
    #[inline(never)]
    fn probe<B>(&self, route: Route<'_>, request: &Request<B>) -> Response<Bytes> {
        let config = &*self.config;
        config.headers.by_method(request.method(), |head| {
            answer(config, route, request, head)
        })
    }
}
