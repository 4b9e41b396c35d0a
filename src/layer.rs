//! [`HealthLayer`]: wrap a service so health paths are answered before it.

use std::sync::Arc;

use tower_layer::Layer;

use crate::paths::Paths;
use crate::{Health, HealthService, Probe};

/// A tower [`Layer`] that answers the health probes from a [`Health`] handle and forwards
/// every other request to the service it wraps, with the handle in its extensions.
///
/// Put it outermost, so probes never go through authentication, rate limits or the app.
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
#[derive(Debug, Clone)]
#[must_use]
pub struct HealthLayer {
    health: Health,
    config: Arc<Config>,
}

/// How a [`HealthService`] routes: the probe paths, and whether forwarded requests carry
/// the handle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Config {
    pub(crate) paths: Paths,
    pub(crate) insert_handle: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            paths: Paths::default(),
            insert_handle: true,
        }
    }
}

impl HealthLayer {
    /// A layer answering every probe on its [default path](Probe::default_path).
    pub fn new(health: Health) -> Self {
        HealthLayer {
            health,
            config: Arc::default(),
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
    /// extensions (default `true`).
    ///
    /// Inserting it costs each forwarded request a few small allocations (`http`'s
    /// extensions map boxes its values). An app that reaches the handle another way (axum
    /// state, a clone captured by its handlers) can turn it off, and the layer then adds no
    /// allocation to a forwarded request.
    ///
    /// ```
    /// use tower_health::{Health, HealthLayer};
    ///
    /// let layer = HealthLayer::new(Health::default()).handle_in_extensions(false);
    /// ```
    pub fn handle_in_extensions(mut self, insert: bool) -> Self {
        Arc::make_mut(&mut self.config).insert_handle = insert;
        self
    }
}

impl<S> Layer<S> for HealthLayer {
    type Service = HealthService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        HealthService::from_parts(inner, self.health.clone(), self.config.clone())
    }
}
