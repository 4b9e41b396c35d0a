//! [`WithPeer`]: each request of a connection told the address it came from.

use std::net::SocketAddr;
use std::task::{Context, Poll};

use http::Request;
use tower_service::Service;

use crate::health::PeerAddr;

/// The probe server's service for one connection: every request carries the connection's
/// [`PeerAddr`] in its extensions, for a details policy ([`Details::loopback`](crate::Details::loopback))
/// and the fallback alike. One extension inserted per request, on the probe thread.
#[derive(Debug, Clone)]
pub(super) struct WithPeer<S> {
    pub(super) inner: S,
    pub(super) peer: SocketAddr,
}

impl<S, B> Service<Request<B>> for WithPeer<S>
where
    S: Service<Request<B>>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<B>) -> Self::Future {
        request.extensions_mut().insert(PeerAddr(self.peer));
        self.inner.call(request)
    }
}
