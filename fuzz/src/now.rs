//! Polling a future once, as a probe is answered: a health answer never waits.

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

/// The output of `future` on its first poll; `what` names it when it is not ready.
///
/// # Panics
///
/// When the future is pending: a probe answer (or the stand-in app's) had to wait.
pub fn now<F: Future>(future: F, what: &str) -> F::Output {
    let mut context = Context::from_waker(Waker::noop());
    match pin!(future).poll(&mut context) {
        Poll::Ready(output) => output,
        Poll::Pending => panic!("{what} was not ready at once"),
    }
}
