//! Who may see error details in health bodies.

use std::sync::Arc;

use http::{Extensions, HeaderMap, Method, Uri};

/// Whether health bodies reveal error texts (and similar details) or withhold them.
///
/// Health endpoints are public, so the default is [`Details::Never`]: names and statuses
/// are shown, error texts are only logged. Set with
/// [`HealthBuilder::details`](super::HealthBuilder::details).
///
/// ```
/// use tower_health::{Details, Health};
///
/// let health = Health::builder()
///     .details(Details::when(|request| {
///         request.headers().get("x-health-token").is_some_and(|token| token == "s3cret")
///     }))
///     .build();
/// ```
#[derive(Clone, Default)]
#[non_exhaustive]
pub enum Details {
    /// Never reveal details (the default).
    #[default]
    Never,
    /// Always reveal details: for health endpoints that are not reachable from outside.
    Always,
    /// Reveal details when the predicate says so for the request.
    When(Arc<dyn Fn(&ProbeRequest<'_>) -> bool + Send + Sync>),
}

impl std::fmt::Debug for Details {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Details::Never => f.write_str("Never"),
            Details::Always => f.write_str("Always"),
            Details::When(_) => f.write_str("When(..)"),
        }
    }
}

impl Details {
    /// Reveal details to requests for which `predicate` returns `true` (e.g. a header token
    /// or a client address from the request extensions).
    pub fn when(predicate: impl Fn(&ProbeRequest<'_>) -> bool + Send + Sync + 'static) -> Self {
        Details::When(Arc::new(predicate))
    }

    pub(crate) fn reveal(&self, request: &ProbeRequest<'_>) -> bool {
        match self {
            Details::Never => false,
            Details::Always => true,
            Details::When(predicate) => predicate(request),
        }
    }
}

/// The parts of a health request a [`Details::when`] predicate can look at.
#[derive(Debug, Clone, Copy)]
pub struct ProbeRequest<'a> {
    pub(crate) method: &'a Method,
    pub(crate) uri: &'a Uri,
    pub(crate) headers: &'a HeaderMap,
    pub(crate) extensions: &'a Extensions,
}

impl<'a> ProbeRequest<'a> {
    /// A view of `request`.
    pub fn new<B>(request: &'a http::Request<B>) -> Self {
        ProbeRequest {
            method: request.method(),
            uri: request.uri(),
            headers: request.headers(),
            extensions: request.extensions(),
        }
    }

    /// The request method.
    pub fn method(&self) -> &'a Method {
        self.method
    }

    /// The request URI.
    pub fn uri(&self) -> &'a Uri {
        self.uri
    }

    /// The request headers.
    pub fn headers(&self) -> &'a HeaderMap {
        self.headers
    }

    /// The request extensions (e.g. axum's `ConnectInfo` with the client address).
    pub fn extensions(&self) -> &'a Extensions {
        self.extensions
    }
}
