//! The shared [`Health`] handle: lifecycle, components and the published snapshot.

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::{Duration, Instant};

use tokio::sync::watch;

use crate::builder::HealthBuilder;
use crate::component::{Component, ComponentKind};
use crate::engine::{self, Scheduled};
use crate::render::Answer;
use crate::snapshot::{Snapshot, State};
use crate::{CheckError, ComponentStatus, Probe};

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
    /// The registered checks, for the engine.
    checks: Arc<[Scheduled]>,
    /// Republish when the published snapshot would turn stale within this long.
    refresh_margin: Duration,
    /// Set once an engine has been started.
    engine_started: AtomicBool,
    /// `true` asks the engine to stop; dropped with the last handle, which stops it too.
    stop: watch::Sender<bool>,
}

/// A handle that does not keep the state alive: what the engine holds.
#[derive(Debug, Clone)]
pub(crate) struct WeakHealth(Weak<Inner>);

impl WeakHealth {
    pub(crate) fn upgrade(&self) -> Option<Health> {
        self.0.upgrade().map(|inner| Health { inner })
    }
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

    pub(crate) fn from_parts(state: State, checks: Vec<Scheduled>) -> Self {
        let (snapshot, _) = watch::channel(Arc::new(Snapshot::new(state.clone(), 0)));
        let refresh_margin = checks
            .iter()
            .map(|check| check.interval)
            .min()
            .unwrap_or_default();
        Health {
            inner: Arc::new(Inner {
                state: Mutex::new(state),
                snapshot,
                checks: checks.into(),
                refresh_margin,
                engine_started: AtomicBool::new(false),
                stop: watch::Sender::new(false),
            }),
        }
    }

    /// Start the background engine on the current tokio runtime: every registered check
    /// runs on its interval from now on, concurrently.
    ///
    /// The engine stops on [`stop_checks`](Health::stop_checks), when the last handle is
    /// dropped, or when the returned task is aborted. Only the first call starts an
    /// engine; later calls return a task that ends at once.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use tower_health::{Health, Probe, Status};
    ///
    /// let health = Health::builder()
    ///     .check("always", || async { Ok::<(), String>(()) })
    ///     .build();
    /// health.mark_started();
    /// let engine = health.spawn();
    ///
    /// let mut changes = health.subscribe();
    /// changes.wait_for(|s| s.status(Probe::Readiness) == Status::Ok).await.unwrap();
    ///
    /// health.stop_checks();
    /// engine.await.unwrap();
    /// # }
    /// ```
    ///
    /// # Panics
    ///
    /// When called outside a tokio runtime. Use [`run_checks`](Health::run_checks) to drive
    /// the engine yourself.
    pub fn spawn(&self) -> tokio::task::JoinHandle<()> {
        tokio::spawn(self.run_checks())
    }

    /// The background engine as a future to drive yourself (see [`spawn`](Health::spawn)).
    /// It needs a tokio runtime with a timer when polled.
    pub fn run_checks(&self) -> impl Future<Output = ()> + Send + 'static {
        let first = !self.inner.engine_started.swap(true, Ordering::SeqCst);
        let checks = self.inner.checks.clone();
        let weak = WeakHealth(Arc::downgrade(&self.inner));
        let stop = self.inner.stop.subscribe();
        async move {
            if first {
                engine::run(checks, weak, stop).await;
            } else {
                tracing::warn!("health: check engine already started; not starting another");
            }
        }
    }

    /// The registered checks.
    pub(crate) fn checks(&self) -> &[Scheduled] {
        &self.inner.checks
    }

    /// Whether `name` must pass once before the service counts as started.
    pub(crate) fn startup_requires(&self, name: &str) -> bool {
        let state = self
            .inner
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        state
            .startup_requires
            .iter()
            .any(|required| required == name)
    }

    /// Stop the background engine: no check runs after this returns to the runtime. The
    /// checks' last results turn stale after three intervals, failing readiness.
    pub fn stop_checks(&self) {
        self.inner.stop.send_replace(true);
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
                Some(component) if component.kind == ComponentKind::Check => {
                    tracing::warn!(
                        name,
                        "health: {name} is a check; its status is not set by hand"
                    );
                    return false;
                }
                Some(component) => component,
                None => state
                    .components
                    .entry(name.to_owned())
                    .or_insert_with(|| Component::new(ComponentKind::Manual, true)),
            };
            if component.status != status {
                log_transition(name, status, error.as_deref());
            }
            let changed = component.status != status || component.error != error;
            component.ever_up |= status.is_up();
            component.status = status;
            component.error = error;
            changed
        });
    }

    /// Write one check result from the engine.
    pub(crate) fn record(&self, check: &Scheduled, result: Result<(), CheckError>, took: Duration) {
        let margin = self.inner.refresh_margin;
        self.update(|state| {
            let Some(component) = state.components.get_mut(&*check.name) else {
                return false;
            };
            let now = Instant::now();
            let change =
                component.record(result, took, check.thresholds, now + check.stale_after());
            #[cfg(feature = "metrics")]
            crate::metrics::record_result(&check.name, component);
            if change.status {
                log_transition(&check.name, component.status, component.error.as_deref());
            }
            // Also republish before the published snapshot would turn stale, so a running
            // engine keeps it fresh without re-rendering on every unchanged result.
            let published = self.inner.snapshot.borrow().fresh_until;
            change.visible || published.is_some_and(|until| until <= now + margin)
        });
    }

    /// Turn checks whose last result is too old `down`.
    fn expire_stale(&self) {
        self.update(|state| {
            let now = Instant::now();
            let mut changed = false;
            for (name, component) in &mut state.components {
                if component.expire(now) {
                    log_transition(name, component.status, component.error.as_deref());
                    changed = true;
                }
            }
            changed
        });
    }

    /// The current snapshot.
    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.expire_if_stale();
        self.inner.snapshot.borrow().clone()
    }

    fn expire_if_stale(&self) {
        let stale = self.inner.snapshot.borrow().is_stale();
        if stale {
            self.expire_stale();
        }
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
    ///
    /// Only when the engine has stopped vouching for its checks (their results are older
    /// than three intervals) does a probe first mark them stale, once.
    pub(crate) fn answer(&self, probe: Probe) -> Answer {
        {
            let snapshot = self.inner.snapshot.borrow();
            if !snapshot.is_stale() {
                return snapshot.rendered.answer(probe).clone();
            }
        }
        self.expire_stale();
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
            #[cfg(feature = "metrics")]
            crate::metrics::record_snapshot(&snapshot);
            self.inner.snapshot.send_replace(snapshot);
        }
    }
}

fn log_transition(name: &str, status: ComponentStatus, error: Option<&str>) {
    match status {
        ComponentStatus::Up => tracing::info!(name, "health: {name} is up"),
        _ => tracing::warn!(
            name,
            error = error.unwrap_or(""),
            "health: {name} is {status}"
        ),
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
