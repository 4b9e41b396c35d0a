//! What the in-process benches share: the cheapest inner service, and calling a service once.
#![allow(dead_code)]

use std::convert::Infallible;
use std::future::{Ready, ready};
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use http::{Request, Response};
use tower::Service;

/// The cheapest inner service: answers at once with an empty body.
#[derive(Clone, Copy)]
pub(crate) struct Noop;

impl Service<Request<()>> for Noop {
    type Response = Response<http_body_util::Empty<bytes::Bytes>>;
    type Error = Infallible;
    type Future = Ready<Result<Self::Response, Infallible>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _: Request<()>) -> Self::Future {
        ready(Ok(Response::new(http_body_util::Empty::new())))
    }
}

/// Call `service` once and poll the answer (always ready at once for these services).
pub(crate) fn call<S>(service: &mut S, request: Request<()>) -> S::Response
where
    S: Service<Request<()>>,
    S::Error: std::fmt::Debug,
{
    let mut cx = Context::from_waker(Waker::noop());
    match pin!(service.call(request)).poll(&mut cx) {
        Poll::Ready(response) => response.unwrap(),
        Poll::Pending => unreachable!("the benchmarked services answer at once"),
    }
}
