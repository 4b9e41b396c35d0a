//! A `Watch` call's stream: one service name's status, sent at once and then on each change.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use tokio::sync::watch;
use tokio_stream::Stream;
use tokio_stream::wrappers::WatchStream as Changes;
use tonic::Status;

use super::pb::HealthCheckResponse;
use super::pb::health_check_response::ServingStatus;
use super::table::Statuses;

/// The messages of one `Watch` call ([`HealthService`](super::HealthService)): the name's
/// status at once, then one message each time it changes.
///
/// A name the server does not know is `SERVICE_UNKNOWN`, and the stream goes on: when the name
/// appears (a check added while running) its status follows. A name that goes away (a check
/// removed) is `NOT_SERVING`, then `SERVICE_UNKNOWN`. A watcher slower than the changes sees
/// the latest status, not every one in between. The stream ends, after the last status, when
/// the task reporting the statuses ends (the last [`Health`](crate::health::Health) handle was
/// dropped).
pub struct WatchStream {
    name: String,
    changes: Changes<Arc<Statuses>>,
    /// What this stream sent last.
    sent: Option<ServingStatus>,
    /// A message owed before the next change is read: `SERVICE_UNKNOWN` after the
    /// `NOT_SERVING` of a name gone.
    owed: Option<ServingStatus>,
}

impl WatchStream {
    pub(super) fn new(name: String, statuses: watch::Receiver<Arc<Statuses>>) -> Self {
        WatchStream {
            name,
            changes: Changes::new(statuses),
            sent: None,
            owed: None,
        }
    }

    /// What to send for `status` (the name's entry, `None` when it has none), if anything.
    fn next(&mut self, status: Option<ServingStatus>) -> Option<ServingStatus> {
        let status = status.unwrap_or(ServingStatus::ServiceUnknown);
        if self.sent == Some(status) {
            return None;
        }
        if status == ServingStatus::ServiceUnknown && self.sent == Some(ServingStatus::Serving) {
            // Gone while serving (the task's `NOT_SERVING` and the removal were published
            // together): not serving first.
            self.owed = Some(status);
            self.sent = Some(ServingStatus::NotServing);
            return self.sent;
        }
        self.sent = Some(status);
        self.sent
    }
}

impl Stream for WatchStream {
    type Item = Result<HealthCheckResponse, Status>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if let Some(status) = this.owed.take() {
            this.sent = Some(status);
            return Poll::Ready(Some(Ok(message(status))));
        }
        loop {
            let Some(statuses) = ready!(Pin::new(&mut this.changes).poll_next(cx)) else {
                return Poll::Ready(None);
            };
            if let Some(status) = this.next(statuses.get(&this.name).copied()) {
                return Poll::Ready(Some(Ok(message(status))));
            }
        }
    }
}

impl std::fmt::Debug for WatchStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WatchStream")
            .field("name", &self.name)
            .field("sent", &self.sent)
            .finish_non_exhaustive()
    }
}

/// A `Check` or `Watch` answer.
pub(super) fn message(status: ServingStatus) -> HealthCheckResponse {
    HealthCheckResponse {
        status: status.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ServingStatus::{NotServing, ServiceUnknown, Serving};

    fn stream() -> WatchStream {
        let (_, reader) = watch::channel(Arc::default());
        WatchStream::new("db".into(), reader)
    }

    #[test]
    fn unknown_then_known_then_gone_while_serving() {
        let mut s = stream();
        assert_eq!(s.next(None), Some(ServiceUnknown));
        assert_eq!(s.next(None), None, "no change, no message");
        assert_eq!(s.next(Some(Serving)), Some(Serving));
        assert_eq!(s.next(None), Some(NotServing));
        assert_eq!(s.owed, Some(ServiceUnknown));
    }

    #[test]
    fn gone_while_not_serving_is_service_unknown_at_once() {
        let mut s = stream();
        assert_eq!(s.next(Some(NotServing)), Some(NotServing));
        assert_eq!(s.next(None), Some(ServiceUnknown));
        assert_eq!(s.owed, None);
    }
}
