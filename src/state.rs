//! The shared [`Health`] handle: lifecycle, components and the published snapshot.

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::Duration;

use tokio::sync::{broadcast, watch};
use tokio::time::Instant;

use crate::builder::HealthBuilder;
use crate::component::{Component, ComponentKind};
use crate::engine::{self, Scheduled};
use crate::snapshot::{Maintenance, Snapshot, State};
use crate::{CheckError, ComponentStatus, Details, Transition};

/// A cheap, cloneable handle to the health state of a service.
///
/// Background tasks, the application and the handlers behind [`HealthLayer`](crate::HealthLayer)
/// flip it; the layer answers probes from the [`Snapshot`] it publishes. Every change
/// re-renders the response bodies once, so answering a probe never does more than clone bytes.
///
/// Handlers reach it as any shared value: a captured clone, axum state, or — with
/// [`HealthLayer::handle_in_extensions`](crate::HealthLayer::handle_in_extensions) — the
/// request extensions (in axum: `Extension(health): Extension<Health>`).
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
    /// Who sees error details in bodies.
    details: Details,
    /// Set once the clock task (applying what time changes) has been started.
    clock_started: AtomicBool,
    /// Component status changes, for listeners.
    transitions: broadcast::Sender<Transition>,
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

    pub(crate) fn from_parts(state: State, checks: Vec<Scheduled>, details: Details) -> Self {
        let first = Arc::new(Snapshot::new(state.clone(), 0));
        #[cfg(feature = "metrics")]
        crate::metrics::record_snapshot(&first);
        let (snapshot, _) = watch::channel(first);
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
                details,
                clock_started: AtomicBool::new(false),
                transitions: broadcast::Sender::new(64),
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
        self.start_clock();
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
            if let Some(health) = weak.upgrade() {
                health.start_clock();
            }
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
                let transition = Transition::new(name, component.status, status, error.as_deref());
                self.announce(transition);
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
            let from = component.status;
            let change =
                component.record(result, took, check.thresholds, now + check.stale_after());
            #[cfg(feature = "metrics")]
            crate::metrics::record_result(&check.name, component);
            if change.status {
                let error = component.error.as_deref();
                self.announce(Transition::new(&check.name, from, component.status, error));
            }
            // Also republish before the published snapshot would turn stale, so a running
            // engine keeps it fresh without re-rendering on every unchanged result.
            let published = self.inner.snapshot.borrow().expires_at;
            change.visible || published.is_some_and(|until| until <= now + margin)
        });
    }

    /// Apply what time has changed: checks whose last result is too old turn `down`, a
    /// maintenance window that is over lifts.
    fn expire(&self) {
        self.update(|state| {
            let now = Instant::now();
            let mut changed = false;
            for (name, component) in &mut state.components {
                let from = component.status;
                if component.expire(now) {
                    let error = component.error.as_deref();
                    self.announce(Transition::new(name, from, component.status, error));
                    changed = true;
                }
            }
            let maintenance = &mut state.lifecycle.maintenance;
            if maintenance
                .as_ref()
                .and_then(|m| m.until)
                .is_some_and(|until| until <= now)
            {
                tracing::info!("health: maintenance window over");
                *maintenance = None;
                changed = true;
            }
            changed
        });
    }

    /// Take the service out of service for maintenance: readiness answers 503 with
    /// `reason` in the body (liveness stays 200) until [`end_maintenance`](Health::end_maintenance)
    /// or, with a `duration`, until it runs out: the window lifts itself.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// use std::time::Duration;
    /// use tower_health::{Health, Probe, Status};
    ///
    /// let health = Health::default();
    /// health.mark_started();
    /// health.maintenance("reindexing", Some(Duration::from_secs(600)));
    /// assert_eq!(health.snapshot().status(Probe::Readiness), Status::Down);
    /// assert_eq!(health.snapshot().maintenance_reason(), Some("reindexing"));
    /// health.end_maintenance();
    /// assert_eq!(health.snapshot().status(Probe::Readiness), Status::Ok);
    /// # }
    /// ```
    ///
    /// The reason is shown in public bodies. Inside a tokio runtime a timer lifts the window
    /// on time, for subscribers too; without one, the next probe or snapshot does.
    pub fn maintenance(&self, reason: impl Into<String>, duration: Option<Duration>) {
        let maintenance = Maintenance {
            reason: reason.into(),
            until: duration.map(|duration| Instant::now() + duration),
        };
        tracing::info!(reason = %maintenance.reason, ?duration, "health: maintenance");
        self.update(|state| {
            replace_if_different(&mut state.lifecycle.maintenance, Some(maintenance))
        });
        if duration.is_some() {
            self.start_clock();
        }
    }

    /// Start, once and when inside a tokio runtime, the task that applies what time changes
    /// (stale check results, the end of a maintenance window) when it happens, so
    /// subscribers see it even when nothing reads the state. It holds no strong handle and
    /// ends with the last one.
    fn start_clock(&self) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        if self.inner.clock_started.swap(true, Ordering::SeqCst) {
            return;
        }
        let weak = WeakHealth(Arc::downgrade(&self.inner));
        let mut changes = self.subscribe();
        runtime.spawn(async move {
            loop {
                let expires_at = changes.borrow_and_update().expires_at;
                let expired = async {
                    match expires_at {
                        Some(at) => tokio::time::sleep_until(at).await,
                        None => std::future::pending().await,
                    }
                };
                tokio::select! {
                    changed = changes.changed() => if changed.is_err() { return },
                    () = expired => match weak.upgrade() {
                        Some(health) => health.expire(),
                        None => return,
                    },
                }
            }
        });
    }

    /// Lift a maintenance window now.
    pub fn end_maintenance(&self) {
        self.update(|state| state.lifecycle.maintenance.take().is_some());
    }

    /// The current snapshot.
    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.with_snapshot(|snapshot| snapshot.clone())
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
    /// health.set_down("consumer", "rebalancing");
    /// let transition = transitions.recv().await.unwrap();
    /// assert_eq!(transition.name, "consumer");
    /// assert_eq!((transition.from, transition.to), (ComponentStatus::Unknown, ComponentStatus::Down));
    /// assert_eq!(transition.error.as_deref(), Some("rebalancing"));
    /// # }
    /// ```
    pub fn transitions(&self) -> broadcast::Receiver<Transition> {
        self.inner.transitions.subscribe()
    }

    /// Log a transition and tell the listeners.
    fn announce(&self, transition: Transition) {
        transition.log();
        // No listener is fine.
        let _ = self.inner.transitions.send(transition);
    }

    /// Who sees error details in bodies.
    pub(crate) fn details(&self) -> &Details {
        &self.inner.details
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
    use crate::render::Format;
    use crate::{Probe, Status};

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
        let status = |health: &Health| {
            let snapshot = health.snapshot();
            let rendered = &snapshot.rendered;
            rendered
                .answer(&snapshot.state, Probe::Startup, Format::Json, false)
                .response(false)
                .status()
        };
        assert_eq!(status(&health), 503);
        health.mark_started();
        assert_eq!(status(&health), 200);
    }

    #[tokio::test(start_paused = true)]
    async fn maintenance_lifts_itself() {
        let health = Health::default();
        health.mark_started();
        health.refuse_traffic("held");
        health.maintenance("upgrade", Some(Duration::from_secs(60)));
        let snapshot = health.snapshot();
        assert_eq!(snapshot.status(Probe::Readiness), Status::Down);
        assert_eq!(snapshot.status(Probe::Liveness), Status::Ok);
        assert_eq!(snapshot.state.lifecycle_reason(), Some("upgrade"));
        let mut changes = health.subscribe();
        tokio::time::sleep(Duration::from_secs(61)).await;
        changes.changed().await.unwrap();
        assert_eq!(changes.borrow().maintenance_reason(), None);
        // The app's own hold is untouched by the window.
        assert_eq!(health.snapshot().refusing_reason(), Some("held"));
    }

    #[test]
    fn handle_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync + 'static>() {}
        assert_send_sync::<Health>();
    }
}
