//! The task that follows [`Health::subscribe`] and tells a [`Sink`] what changed in each
//! snapshot: the one piece of code behind every gRPC health view, the crate's own service
//! and a tonic-health reporter alike.

use std::collections::{BTreeMap, HashSet};
use std::future::Future;
use std::sync::Arc;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::pb::health_check_response::ServingStatus;
use super::statuses::serving_statuses;
use crate::health::{Health, Snapshot};

/// Where the statuses go: a gRPC health view the task keeps up to date.
pub(super) trait Sink: Send + 'static {
    /// `name` has `status` now (a name not seen before is added).
    fn set(&mut self, name: &str, status: ServingStatus) -> impl Future<Output = ()> + Send;

    /// `name` is gone.
    fn clear(&mut self, name: &str) -> impl Future<Output = ()> + Send;

    /// One snapshot's changes are all told: a sink that publishes them at once does it now.
    fn flush(&mut self) -> impl Future<Output = ()> + Send {
        async {}
    }
}

/// Tell `sink` the statuses of `health`'s current snapshot, then spawn the task that tells
/// it every change. It returns once the sink reflects the current snapshot.
///
/// # Panics
///
/// Outside a tokio runtime, like [`tokio::spawn`].
pub(super) async fn start<S: Sink>(health: &Health, mut sink: S) -> JoinHandle<()> {
    let mut changes = health.subscribe();
    let mut reported = Reported::default();
    let snapshot = changes.borrow_and_update().clone();
    reported.sync(&mut sink, &snapshot).await;
    // Only the receiver moves into the task: it does not keep the state alive.
    tokio::spawn(follow(changes, sink, reported))
}

/// Follow the snapshots until the last handle is gone.
async fn follow<S: Sink>(
    mut changes: watch::Receiver<Arc<Snapshot>>,
    mut sink: S,
    mut reported: Reported,
) {
    while changes.changed().await.is_ok() {
        let snapshot = changes.borrow_and_update().clone();
        reported.sync(&mut sink, &snapshot).await;
    }
    reported.close(&mut sink).await;
}

/// What the sink was last told, so it is told only changes: a `Watch` stream sees one
/// message per change (tonic-health notifies its streams on every call, changed or not).
#[derive(Debug, Default)]
pub(super) struct Reported(BTreeMap<String, ServingStatus>);

impl Reported {
    /// Tell the sink what changed in `snapshot`, clearing the names it no longer has
    /// (removed components), after a last `NOT_SERVING`.
    pub(super) async fn sync<S: Sink>(&mut self, sink: &mut S, snapshot: &Snapshot) {
        let mut count = 0;
        for (name, status) in serving_statuses(&snapshot.state) {
            self.set(sink, name, status).await;
            count += 1;
        }
        // Every name of the snapshot is now among those told: as many, none is gone.
        if count != self.0.len() {
            let current: HashSet<&str> = serving_statuses(&snapshot.state)
                .map(|(name, _)| name)
                .collect();
            let gone: Vec<String> = (self.0.keys())
                .filter(|name| !current.contains(name.as_str()))
                .cloned()
                .collect();
            for name in gone {
                self.set(sink, &name, ServingStatus::NotServing).await;
                sink.clear(&name).await;
                self.0.remove(&name);
            }
        }
        sink.flush().await;
    }

    /// Every name this task set turns `NOT_SERVING`.
    async fn close<S: Sink>(&mut self, sink: &mut S) {
        let names: Vec<String> = self.0.keys().cloned().collect();
        for name in names {
            self.set(sink, &name, ServingStatus::NotServing).await;
        }
        sink.flush().await;
    }

    async fn set<S: Sink>(&mut self, sink: &mut S, name: &str, status: ServingStatus) {
        if self.0.get(name) == Some(&status) {
            return;
        }
        sink.set(name, status).await;
        self.0.insert(name.to_owned(), status);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grpc::statuses::state;
    use crate::model::status::ComponentStatus;

    /// Every call, in order.
    #[derive(Debug, Default)]
    struct Calls(Vec<String>);

    impl Sink for Calls {
        async fn set(&mut self, name: &str, status: ServingStatus) {
            self.0.push(format!("set {name} {}", status.as_str_name()));
        }
        async fn clear(&mut self, name: &str) {
            self.0.push(format!("clear {name}"));
        }
        async fn flush(&mut self) {
            self.0.push("flush".into());
        }
    }

    #[tokio::test]
    async fn only_changes_are_told_and_a_removed_name_turns_not_serving_before_it_goes() {
        let mut calls = Calls::default();
        let mut reported = Reported::default();
        let up = ComponentStatus::Up;
        let both = state(true, false, &[("db", up), ("q", up)]);
        reported.sync(&mut calls, &Snapshot::new(both, 0)).await;
        let again = state(true, false, &[("db", up), ("q", ComponentStatus::Down)]);
        reported.sync(&mut calls, &Snapshot::new(again, 1)).await;
        let one = state(true, false, &[("db", up)]);
        reported.sync(&mut calls, &Snapshot::new(one, 2)).await;
        reported.close(&mut calls).await;
        assert_eq!(
            calls.0,
            [
                "set  SERVING",
                "set db SERVING",
                "set q SERVING",
                "flush",
                "set  NOT_SERVING",
                "set q NOT_SERVING",
                "flush",
                "set  SERVING",
                "clear q",
                "flush",
                "set  NOT_SERVING",
                "set db NOT_SERVING",
                "flush",
            ]
            .map(String::from),
        );
        let told: Vec<_> = reported.0.keys().cloned().collect();
        assert_eq!(told, ["", "db"], "nothing kept of q");
    }
}
