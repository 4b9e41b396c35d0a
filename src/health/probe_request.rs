//! [`ProbeRequest`]: what a details policy sees of a health request.

use std::net::SocketAddr;

use http::{Extensions, HeaderMap, Method, Uri};

use super::peer_addr::PeerAddr;

/// Where a server keeps the client's address in a request's extensions, when not as a
/// [`PeerAddr`] (axum's `ConnectInfo<SocketAddr>`, say).
pub(crate) type PeerAddrReader = fn(&Extensions) -> Option<SocketAddr>;

/// The parts of a health request a [`Details`](super::Details) policy can look at.
#[derive(Debug, Clone, Copy)]
pub struct ProbeRequest<'a> {
    pub(crate) method: &'a Method,
    pub(crate) uri: &'a Uri,
    pub(crate) headers: &'a HeaderMap,
    pub(crate) extensions: &'a Extensions,
    /// Read only when a policy asks for the address.
    pub(crate) peer_addr_from: Option<PeerAddrReader>,
}

impl<'a> ProbeRequest<'a> {
    /// A view of `request`.
    pub fn new<B>(request: &'a http::Request<B>) -> Self {
        ProbeRequest {
            method: request.method(),
            uri: request.uri(),
            headers: request.headers(),
            extensions: request.extensions(),
            peer_addr_from: None,
        }
    }

    /// The same view, reading the client's address with `reader` when the extensions hold
    /// no [`PeerAddr`].
    pub(crate) fn with_peer_addr_from(self, reader: Option<PeerAddrReader>) -> Self {
        ProbeRequest {
            peer_addr_from: reader,
            ..self
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

    /// The address of the client the request came from, when known: a [`PeerAddr`] in the
    /// extensions (the probe server puts one there), or else where the layer was told to
    /// read it ([`HealthLayer::peer_addr_from`](crate::layer::HealthLayer::peer_addr_from)).
    /// `None` when the server did not say.
    ///
    /// It is the address of the TCP peer: behind a proxy on the same host, or a sidecar in
    /// the same pod, that is the proxy's, not the client's. Forwarded headers
    /// (`X-Forwarded-For`, `Forwarded`) are never read: any client can write them.
    pub fn peer_addr(&self) -> Option<SocketAddr> {
        match self.extensions.get::<PeerAddr>() {
            Some(PeerAddr(addr)) => Some(*addr),
            None => self.peer_addr_from.and_then(|read| read(self.extensions)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_peer_address_comes_from_the_extension_first_then_the_reader() {
        let from = SocketAddr::from(([10, 0, 0, 7], 41000));
        let mut request = http::Request::new(());
        assert_eq!(ProbeRequest::new(&request).peer_addr(), None);
        let reader: PeerAddrReader = |extensions| extensions.get::<SocketAddr>().copied();
        let read = |request: &http::Request<()>| {
            ProbeRequest::new(request)
                .with_peer_addr_from(Some(reader))
                .peer_addr()
        };
        assert_eq!(read(&request), None);
        request.extensions_mut().insert(from);
        assert_eq!(read(&request), Some(from));
        // Without the reader, a bare `SocketAddr` says nothing.
        assert_eq!(ProbeRequest::new(&request).peer_addr(), None);
        let own = SocketAddr::from(([127, 0, 0, 1], 5000));
        request.extensions_mut().insert(PeerAddr(own));
        assert_eq!(read(&request), Some(own));
        assert_eq!(ProbeRequest::new(&request).peer_addr(), Some(own));
    }
}
