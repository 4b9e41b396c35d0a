//! [`ResponseFuture`]: an answer ready at once, or the inner service's future.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::Response;
use pin_project_lite::pin_project;

use super::body::ResponseBody;
use super::recorder::Recording;

pin_project! {
    /// The response future of [`HealthService`](super::HealthService).
    #[derive(Debug)]
    pub struct ResponseFuture<F> {
        #[pin]
        kind: Kind<F>,
    }
}

pin_project! {
    #[project = KindProj]
    #[derive(Debug)]
    enum Kind<F> {
        Answered { response: Option<Response<Bytes>> },
        Inner { #[pin] future: F },
        Recorded { #[pin] future: F, recording: Recording },
    }
}

impl<F> ResponseFuture<F> {
    #[inline]
    pub(crate) fn answered(response: Response<Bytes>) -> Self {
        ResponseFuture {
            kind: Kind::Answered {
                response: Some(response),
            },
        }
    }

    #[inline]
    pub(crate) fn inner(future: F) -> Self {
        ResponseFuture {
            kind: Kind::Inner { future },
        }
    }

    #[inline]
    pub(crate) fn recorded(future: F, recording: Recording) -> Self {
        ResponseFuture {
            kind: Kind::Recorded { future, recording },
        }
    }
}

impl<F, B, E> Future for ResponseFuture<F>
where
    F: Future<Output = Result<Response<B>, E>>,
{
    type Output = Result<Response<ResponseBody<B>>, E>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project().kind.project() {
            KindProj::Answered { response } => {
                let response = response.take().expect("future polled after completion");
                Poll::Ready(Ok(response.map(ResponseBody::health)))
            }
            KindProj::Inner { future } => future
                .poll(cx)
                .map(|result| result.map(|response| response.map(ResponseBody::inner))),
            KindProj::Recorded { future, recording } => {
                let result = std::task::ready!(future.poll(cx));
                recording.finish(&result);
                Poll::Ready(result.map(|response| response.map(ResponseBody::inner)))
            }
        }
    }
}
