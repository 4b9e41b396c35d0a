//! Who may see error details in health bodies.

use std::sync::Arc;

use http::HeaderName;

use super::probe_request::ProbeRequest;
use super::token::Token;
use super::token_error::TokenError;

/// Whether health bodies reveal error texts (and similar details) or withhold them.
///
/// Health endpoints are public, so the default is [`Details::Never`]: names and statuses
/// are shown, error texts are only logged. Set with
/// [`HealthBuilder::details`](super::HealthBuilder::details). Built in, besides
/// [`Never`](Details::Never) and [`Always`](Details::Always): to requests carrying a
/// secret ([`Details::token`]), to clients on the same host ([`Details::loopback`]), either
/// ([`Details::or`]); anything else with a predicate of your own ([`Details::when`]).
///
/// ```
/// use tower_health::{Details, Health};
///
/// let details = Details::token("x-health-token", "s3cret")?.or(Details::loopback());
/// let health = Health::builder().details(details).build();
/// # Ok::<(), tower_health::health::TokenError>(())
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
    /// Reveal details to requests for which `predicate` returns `true`.
    ///
    /// For a secret in a header, use [`Details::token`] rather than comparing it here: `==`
    /// on bytes stops at the first difference, and how long it takes tells a patient
    /// client how much of a guess was right.
    pub fn when(predicate: impl Fn(&ProbeRequest<'_>) -> bool + Send + Sync + 'static) -> Self {
        Details::When(Arc::new(predicate))
    }

    /// Reveal details to requests whose `header` carries `secret`, compared in constant
    /// time: how long the comparison takes may tell the secret's length, never how much of
    /// a guess was right. The header's first value counts, whole (no `Bearer ` or other
    /// prefix is taken off: for `Authorization`, make the prefix part of the secret).
    ///
    /// # Errors
    ///
    /// [`TokenError::EmptySecret`] for an empty secret, [`TokenError::UnusableSecret`] for
    /// one no request could send (control characters, leading or trailing whitespace: a
    /// secret read from a file with its line break, say), [`TokenError::InvalidHeaderName`]
    /// when `header` is not a header name. The error never repeats the secret.
    ///
    /// ```
    /// use http::Request;
    /// use tower_health::health::{ProbeRequest, TokenError};
    /// use tower_health::Details;
    ///
    /// let details = Details::token("x-health-token", "s3cret")?;
    /// let with = |token: &str| {
    ///     let request = Request::get("/readyz").header("x-health-token", token).body(())?;
    ///     Ok::<_, http::Error>(details.reveals(&ProbeRequest::new(&request)))
    /// };
    /// assert!(with("s3cret")?);
    /// assert!(!with("s3creT")?);
    /// assert!(!with("s3c")?);
    /// assert!(!details.reveals(&ProbeRequest::new(&Request::get("/readyz").body(())?)));
    ///
    /// assert_eq!(Details::token("x-health-token", "").unwrap_err(), TokenError::EmptySecret);
    /// assert_eq!(Details::token("x-health-token", "s3cret\n").unwrap_err(), TokenError::UnusableSecret);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn token<H>(header: H, secret: impl AsRef<[u8]>) -> Result<Self, TokenError>
    where
        H: TryInto<HeaderName>,
    {
        let header = header
            .try_into()
            .map_err(|_| TokenError::InvalidHeaderName)?;
        let token = Token::new(header, secret.as_ref())?;
        Ok(Details::when(move |request| {
            token.shown_in(request.headers())
        }))
    }

    /// Reveal details to clients on the same host: requests whose
    /// [peer address](ProbeRequest::peer_addr) is a loopback address (`127.0.0.0/8`, `::1`,
    /// and `::ffff:127.0.0.1` as a dual-stack socket shows an IPv4 client). A request whose
    /// peer address is unknown sees nothing.
    ///
    /// The probe server (`probe_server`, feature `probe-server`) knows the address of every
    /// request. Behind axum, serve with `into_make_service_with_connect_info::<SocketAddr>()`
    /// and tell the layer where the address is with
    /// [`HealthLayer::peer_addr_from`](crate::layer::HealthLayer::peer_addr_from); behind
    /// another server, insert a [`PeerAddr`](super::PeerAddr) into each request.
    ///
    /// The peer is the TCP peer: behind a reverse proxy on the same host, or a sidecar proxy
    /// in the same pod that connects to the app over loopback, every request comes from
    /// loopback and every client would see the details. There, serve the probes on a port the
    /// proxy does not route (the probe server's) or use [`Details::token`].
    ///
    /// ```
    /// use std::net::SocketAddr;
    ///
    /// use http::Request;
    /// use tower_health::Details;
    /// use tower_health::health::{PeerAddr, ProbeRequest};
    ///
    /// let details = Details::loopback();
    /// let from = |addr: Option<SocketAddr>| {
    ///     let mut request = Request::get("/readyz").body(()).unwrap();
    ///     if let Some(addr) = addr {
    ///         request.extensions_mut().insert(PeerAddr(addr));
    ///     }
    ///     details.reveals(&ProbeRequest::new(&request))
    /// };
    /// assert!(from(Some(([127, 0, 0, 1], 50000).into())));
    /// assert!(from(Some("[::1]:50000".parse().unwrap())));
    /// assert!(!from(Some(([10, 1, 2, 3], 50000).into())));
    /// assert!(!from(None));
    /// ```
    pub fn loopback() -> Self {
        Details::when(|request| {
            (request.peer_addr()).is_some_and(|addr| addr.ip().to_canonical().is_loopback())
        })
    }

    /// Reveal details to requests either policy reveals them to.
    ///
    /// ```
    /// use tower_health::Details;
    ///
    /// let details = Details::token("x-health-token", "s3cret")?.or(Details::loopback());
    /// # Ok::<(), tower_health::health::TokenError>(())
    /// ```
    pub fn or(self, other: Details) -> Self {
        match (self, other) {
            (Details::Always, _) | (_, Details::Always) => Details::Always,
            (Details::Never, other) | (other, Details::Never) => other,
            (first, second) => {
                Details::when(move |request| first.reveals(request) || second.reveals(request))
            }
        }
    }

    /// Whether details are revealed to `request`.
    pub fn reveals(&self, request: &ProbeRequest<'_>) -> bool {
        match self {
            Details::Never => false,
            Details::Always => true,
            Details::When(predicate) => predicate(request),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::health::PeerAddr;

    fn request(token: Option<&str>, peer: Option<[u8; 4]>) -> http::Request<()> {
        let mut request = http::Request::new(());
        if let Some(token) = token {
            let value = http::HeaderValue::from_str(token).unwrap();
            request.headers_mut().insert("x-health-token", value);
        }
        if let Some(ip) = peer {
            request.extensions_mut().insert(PeerAddr((ip, 1000).into()));
        }
        request
    }

    #[test]
    fn either_policy_reveals_with_or() {
        let token = || Details::token("x-health-token", "s3cret").unwrap();
        let both = token().or(Details::loopback());
        let reveals = |details: &Details, token, peer| {
            details.reveals(&ProbeRequest::new(&request(token, peer)))
        };
        assert!(reveals(&both, Some("s3cret"), None));
        assert!(reveals(&both, None, Some([127, 0, 0, 1])));
        assert!(reveals(&both, Some("guess"), Some([127, 0, 0, 2])));
        assert!(!reveals(&both, Some("guess"), Some([10, 0, 0, 1])));
        assert!(!reveals(&both, None, None));
        assert!(matches!(
            Details::Never.or(Details::Always),
            Details::Always
        ));
        assert!(matches!(Details::Never.or(Details::Never), Details::Never));
        assert!(reveals(&Details::Never.or(token()), Some("s3cret"), None));
    }

    #[test]
    fn ipv4_clients_of_a_dual_stack_socket_are_loopback_too() {
        let loopback = Details::loopback();
        for (addr, local) in [
            ("[::ffff:127.0.0.1]:80", true),
            ("[::1]:80", true),
            ("127.9.9.9:80", true),
            ("[::ffff:10.0.0.1]:80", false),
            ("[fe80::1]:80", false),
            ("0.0.0.0:80", false),
        ] {
            let mut request = http::Request::new(());
            let addr = addr.parse().unwrap();
            request.extensions_mut().insert(PeerAddr(addr));
            let revealed = loopback.reveals(&ProbeRequest::new(&request));
            assert_eq!(revealed, local, "{addr}");
        }
    }

    #[test]
    fn a_bad_header_name_is_an_error_not_a_panic() {
        let refused = Details::token("not a header", "s3cret").unwrap_err();
        assert_eq!(refused, TokenError::InvalidHeaderName);
        let name = HeaderName::from_static("authorization");
        assert!(Details::token(name, "Bearer s3cret").is_ok());
        assert!(Details::token(String::from("x-token"), [b'b'; 8]).is_ok());
    }
}
