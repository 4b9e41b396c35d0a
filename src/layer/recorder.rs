//! [`Recording`]: one forwarded request in the traffic counters, from its start to its
//! response, its error, or its abandonment.

use std::sync::Arc;
use std::time::Instant;

use http::Response;

use crate::model::traffic::counters::{Counters, Shard};

/// A forwarded request being recorded: counted as started when made; as answered, failed
/// or abandoned (dropped before it ended) when it ends. It holds the shard of the thread it
/// started on, so the increments of its end touch the same cache lines as its start.
#[derive(Debug)]
pub(crate) struct Recording {
    shard: Arc<Shard>,
    started: Instant,
    ended: bool,
}

impl Recording {
    /// Count a request as started, now.
    #[inline]
    pub(crate) fn start(counters: &Counters) -> Self {
        let shard = counters.shard().clone();
        shard.start();
        Recording {
            shard,
            started: Instant::now(),
            ended: false,
        }
    }

    /// The inner service's response or error arrived.
    #[inline]
    pub(crate) fn finish<B, E>(&mut self, result: &Result<Response<B>, E>) {
        let latency = self.started.elapsed();
        match result {
            Ok(response) => self
                .shard
                .respond(response.status(), response.headers(), latency),
            Err(_) => self.shard.error(latency),
        }
        self.ended = true;
    }
}

impl Drop for Recording {
    #[inline]
    fn drop(&mut self) {
        if !self.ended {
            self.shard.abandon();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::traffic::Classifier;

    #[test]
    fn a_request_ends_once_answered_failed_or_abandoned() {
        let counters = Counters::new(&Classifier::default());
        let mut answered = Recording::start(&counters);
        answered.finish::<(), ()>(&Ok(Response::builder().status(503).body(()).unwrap()));
        drop(answered);
        let mut failed = Recording::start(&counters);
        failed.finish::<(), &str>(&Err("inner error"));
        drop(failed);
        let abandoned = Recording::start(&counters);
        assert_eq!(counters.totals().in_flight(), 1);
        drop(abandoned);
        let totals = counters.totals();
        assert_eq!(totals.requests, 3);
        assert_eq!(totals.classes[4], 1);
        assert_eq!(
            (totals.errors, totals.abandoned, totals.failures),
            (1, 1, 2)
        );
        assert_eq!(totals.in_flight(), 0);
    }
}
