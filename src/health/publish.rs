//! Publishing: a change to the state becomes a new [`Snapshot`] for every reader, and a
//! component's change of status a [`Transition`] for every listener.

use std::sync::{Arc, PoisonError};
use std::time::Duration;

use tokio::sync::{broadcast, watch};

use super::{Health, Snapshot};
use crate::model::state::State;
use crate::model::status::ComponentStatus;
use crate::model::transition::Transition;

impl Health {
    /// The current snapshot.
    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.with_snapshot(|snapshot| snapshot.clone())
    }

    /// A receiver that sees every new snapshot; subscribers never re-run checks.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use tower_health::{Health, Probe, Status};
    ///
    /// let health = Health::default();
    /// let mut changes = health.subscribe();
    /// health.mark_started();
    /// changes.changed().await.unwrap();
    /// assert_eq!(changes.borrow().status(Probe::Startup), Status::Ok);
    /// # }
    /// ```
    pub fn subscribe(&self) -> watch::Receiver<Arc<Snapshot>> {
        self.inner.snapshot.subscribe()
    }

    /// A stream of component status changes (checks and manual components), for listeners:
    /// alerting, audit logs, custom metrics. Each receiver sees every transition from the
    /// moment it subscribes; one that falls more than 64 behind loses the oldest (and is
    /// told so by [`RecvError::Lagged`](tokio::sync::broadcast::error::RecvError::Lagged)).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use tower_health::{ComponentStatus, Health};
    ///
    /// let health = Health::builder().component("consumer").build();
    /// let mut transitions = health.transitions();
    /// health.mark_down("consumer", "rebalancing");
    /// let transition = transitions.recv().await.unwrap();
    /// assert_eq!(transition.name, "consumer");
    /// assert_eq!((transition.from, transition.to), (ComponentStatus::Unknown, ComponentStatus::Down));
    /// assert_eq!(transition.error.as_deref(), Some("rebalancing"));
    /// # }
    /// ```
    pub fn transitions(&self) -> broadcast::Receiver<Transition> {
        self.inner.transitions.subscribe()
    }

    /// Read the published snapshot, first applying what time has changed (only when it has:
    /// a stale check result, an ended maintenance window).
    pub(crate) fn with_snapshot<R>(&self, read: impl FnOnce(&Arc<Snapshot>) -> R) -> R {
        {
            let snapshot = self.inner.snapshot.borrow();
            if !snapshot.is_expired() {
                return read(&snapshot);
            }
        }
        self.expire();
        read(&self.inner.snapshot.borrow())
    }

    /// Apply `change` to the state; when it reports a change, render and publish a new
    /// snapshot.
    pub(super) fn update(&self, change: impl FnOnce(&mut State) -> bool) {
        let mut state = self
            .inner
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if change(&mut state) {
            let version = self.inner.snapshot.borrow().version + 1;
            let snapshot = Arc::new(Snapshot::new(state.clone(), version));
            #[cfg(feature = "metrics")]
            crate::metrics::record_state(&snapshot.state);
            self.inner.snapshot.send_replace(snapshot);
        }
    }

    /// Log a transition (`info` when recovering, `warn` with the error when failing, each
    /// marked `(flapping)` while the component flaps; `warn` once when it starts flapping)
    /// and tell the listeners.
    pub(super) fn announce(&self, transition: Transition) {
        let name = &transition.name;
        let flapping = if transition.flapping {
            " (flapping)"
        } else {
            ""
        };
        let lasted = humantime::format_duration(whole_seconds(transition.lasted));
        let from = transition.from;
        match transition.to {
            ComponentStatus::Up => tracing::info!(
                name,
                %from,
                flapping = transition.flapping,
                "health: {name} is up{flapping}, after {lasted} {from}"
            ),
            to => tracing::warn!(
                name,
                %from,
                flapping = transition.flapping,
                error = transition.error.as_deref().unwrap_or(""),
                "health: {name} is {to}{flapping}, after {lasted} {from}"
            ),
        }
        if transition.started_flapping {
            tracing::warn!(
                name,
                "health: {name} is flapping: it changes status too often"
            );
        }
        // No listener is fine.
        let _ = self.inner.transitions.send(transition);
    }
}

/// `duration` in whole seconds (under a second: in whole milliseconds), for log lines.
pub(super) fn whole_seconds(duration: Duration) -> Duration {
    match duration.as_secs() {
        0 => Duration::from_millis(duration.subsec_millis().into()),
        secs => Duration::from_secs(secs),
    }
}

/// Put `value` in `slot` unless it is already there; returns whether it changed.
pub(super) fn replace_if_different<T: PartialEq>(slot: &mut T, value: T) -> bool {
    if *slot == value {
        return false;
    }
    *slot = value;
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_changes_publish_a_new_version() {
        let health = Health::default();
        assert_eq!(health.snapshot().version(), 0);
        health.mark_started();
        health.mark_started();
        assert_eq!(health.snapshot().version(), 1);
        health.mark_refusing_traffic("x");
        health.mark_refusing_traffic("x");
        assert_eq!(health.snapshot().version(), 2);
        health.mark_accepting_traffic();
        health.mark_accepting_traffic();
        assert_eq!(health.snapshot().version(), 3);
    }
}
