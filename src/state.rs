//! The shared [`Health`] handle: lifecycle, components and the published snapshot.

use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::watch;

use crate::builder::HealthBuilder;
use crate::render::Answer;
use crate::snapshot::{Component, ComponentKind, Snapshot, State};
use crate::{ComponentStatus, Probe};

/// A cheap, cloneable handle to the health state of a service.
///
/// Background tasks, the application and the handlers behind [`HealthLayer`](crate::HealthLayer)
/// flip it; the layer answers probes from the [`Snapshot`] it publishes. Every change
/// re-renders the response bodies once, so answering a probe never does more than clone bytes.
///
/// The layer puts a clone into each forwarded request's extensions, so a handler can reach
/// it without plumbing (in axum: `Extension(health): Extension<Health>`).
///
/// ```
/// use tower_health::{Health, Probe, Status};
///
/// let health = Health::builder().component("queue-consumer").build();
/// assert_eq!(health.snapshot().status(Probe::Readiness), Status::Down);
///
/// health.mark_started();
/// health.set_up("queue-consumer");
/// assert_eq!(health.snapshot().status(Probe::Readiness), Status::Ok);
///
/// health.refuse_traffic("maintenance");
/// assert_eq!(health.snapshot().status(Probe::Readiness), Status::Down);
/// assert_eq!(health.snapshot().status(Probe::Liveness), Status::Ok);
///
/// health.accept_traffic();
/// assert_eq!(health.snapshot().status(Probe::Readiness), Status::Ok);
/// ```
#[derive(Debug, Clone)]
pub struct Health {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    /// The writers' copy of the state; every change goes through it in order.
    state: Mutex<State>,
    /// The published snapshot. Probes borrow it, never waiting on a writer's work.
    snapshot: watch::Sender<Arc<Snapshot>>,
}

impl Default for Health {
    fn default() -> Self {
        Health::builder().build()
    }
}

impl Health {
    /// Start configuring a [`Health`].
    pub fn builder() -> HealthBuilder {
        HealthBuilder::default()
    }

    pub(crate) fn from_state(state: State) -> Self {
        let (snapshot, _) = watch::channel(Arc::new(Snapshot::new(state.clone(), 0)));
        Health {
            inner: Arc::new(Inner {
                state: Mutex::new(state),
                snapshot,
            }),
        }
    }

    /// Latch the service as started: the startup probe passes from now on, and readiness may.
    ///
    /// Call it once start-up work (migrations, cache warm-up, pool creation) is done.
    pub fn mark_started(&self) {
        self.update(|state| !std::mem::replace(&mut state.lifecycle.started, true));
    }

    /// Take the service out of traffic: readiness answers 503 with `reason` in the body until
    /// [`accept_traffic`](Health::accept_traffic). Liveness is unaffected.
    ///
    /// The reason is shown in public bodies; keep secrets out of it.
    pub fn refuse_traffic(&self, reason: impl Into<String>) {
        let reason = Some(reason.into());
        self.update(|state| replace_if_different(&mut state.lifecycle.refusing, reason));
    }

    /// Undo [`refuse_traffic`](Health::refuse_traffic).
    pub fn accept_traffic(&self) {
        self.update(|state| state.lifecycle.refusing.take().is_some());
    }

    /// Mark the process broken: liveness (and readiness) answer 503, so the orchestrator
    /// restarts it. The reason is logged, never shown in bodies.
    pub fn mark_broken(&self, reason: impl Into<String>) {
        let reason = reason.into();
        tracing::warn!(%reason, "health: marked broken");
        self.update(|state| replace_if_different(&mut state.lifecycle.broken, Some(reason)));
    }

    /// Undo [`mark_broken`](Health::mark_broken).
    pub fn mark_alive(&self) {
        self.update(|state| state.lifecycle.broken.take().is_some());
    }

    /// Start draining before shutdown: readiness answers 503 (`"shutting down"`) from now
    /// on; liveness stays 200. There is no way back.
    pub fn drain(&self) {
        self.update(|state| !std::mem::replace(&mut state.lifecycle.draining, true));
    }

    /// Set a manual component (e.g. `"queue-consumer"`) passing. A name not registered with
    /// [`HealthBuilder::component`] is added as a critical component.
    pub fn set_up(&self, name: &str) {
        self.set_component(name, ComponentStatus::Up, None);
    }

    /// Set a manual component failing. The reason is kept in the snapshot and logged, but
    /// not shown in public bodies.
    pub fn set_down(&self, name: &str, reason: impl Into<String>) {
        self.set_component(name, ComponentStatus::Down, Some(reason.into()));
    }

    fn set_component(&self, name: &str, status: ComponentStatus, error: Option<String>) {
        self.update(|state| {
            let component = match state.components.get_mut(name) {
                Some(component) => component,
                None => state
                    .components
                    .entry(name.to_owned())
                    .or_insert_with(|| Component::new(ComponentKind::Manual, true)),
            };
            let changed = component.status != status || component.error != error;
            component.status = status;
            component.error = error;
            changed
        });
    }

    /// The current snapshot.
    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.inner.snapshot.borrow().clone()
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

    /// The pre-rendered answer to `probe`, read without waiting on any writer's work.
    pub(crate) fn answer(&self, probe: Probe) -> Answer {
        self.inner.snapshot.borrow().rendered.answer(probe).clone()
    }

    /// Apply `change` to the state; when it reports a change, render and publish a new
    /// snapshot.
    pub(crate) fn update(&self, change: impl FnOnce(&mut State) -> bool) {
        let mut state = self
            .inner
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if change(&mut state) {
            let version = self.inner.snapshot.borrow().version + 1;
            let snapshot = Arc::new(Snapshot::new(state.clone(), version));
            self.inner.snapshot.send_replace(snapshot);
        }
    }
}

fn replace_if_different<T: PartialEq>(slot: &mut T, value: T) -> bool {
    if *slot == value {
        return false;
    }
    *slot = value;
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Status;

    #[test]
    fn only_changes_publish_a_new_version() {
        let health = Health::default();
        assert_eq!(health.snapshot().version(), 0);
        health.mark_started();
        health.mark_started();
        assert_eq!(health.snapshot().version(), 1);
        health.refuse_traffic("x");
        health.refuse_traffic("x");
        assert_eq!(health.snapshot().version(), 2);
        health.accept_traffic();
        health.accept_traffic();
        assert_eq!(health.snapshot().version(), 3);
    }

    #[test]
    fn startup_is_a_latch_and_drain_is_final() {
        let health = Health::default();
        health.mark_started();
        health.drain();
        let snapshot = health.snapshot();
        assert_eq!(snapshot.status(Probe::Startup), Status::Ok);
        assert_eq!(snapshot.status(Probe::Readiness), Status::Down);
        assert_eq!(snapshot.status(Probe::Liveness), Status::Ok);
        health.accept_traffic();
        assert_eq!(health.snapshot().status(Probe::Readiness), Status::Down);
    }

    #[test]
    fn manual_components_flip_readiness() {
        let health = Health::default();
        health.mark_started();
        health.set_down("consumer", "rebalancing");
        let snapshot = health.snapshot();
        assert_eq!(snapshot.status(Probe::Readiness), Status::Down);
        let component = snapshot.component("consumer").unwrap();
        assert_eq!(component.error(), Some("rebalancing"));
        assert_eq!(component.kind(), ComponentKind::Manual);
        health.set_up("consumer");
        assert_eq!(health.snapshot().status(Probe::Readiness), Status::Ok);
        assert_eq!(
            health.snapshot().component("consumer").unwrap().error(),
            None
        );
    }

    #[test]
    fn broken_fails_liveness_until_alive_again() {
        let health = Health::default();
        health.mark_started();
        health.mark_broken("deadlock");
        assert_eq!(health.snapshot().status(Probe::Liveness), Status::Down);
        assert_eq!(health.snapshot().broken_reason(), Some("deadlock"));
        health.mark_alive();
        assert_eq!(health.snapshot().status(Probe::Liveness), Status::Ok);
    }

    #[test]
    fn answers_follow_the_state() {
        let health = Health::default();
        assert_eq!(health.answer(Probe::Startup).status, 503);
        health.mark_started();
        assert_eq!(health.answer(Probe::Startup).status, 200);
    }

    #[test]
    fn handle_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync + 'static>() {}
        assert_send_sync::<Health>();
    }
}
