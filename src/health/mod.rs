//! The handle: the shared [`Health`] state that the application, the engine and the
//! servers all hold.
//!
//! The handle is where the flow meets: [`HealthBuilder`] configures it, it starts the
//! engine (which runs the checks) and takes its results, the application marks it (lifecycle and
//! manual components), a clock applies what time changes, and every change publishes a new
//! [`Snapshot`] (the state with its pre-rendered bodies) on a `tokio::sync::watch`. The
//! layer, the gRPC bridge and any listener read those snapshots; none of them runs a check.
//!
//! One file per job: [`builder`](HealthBuilder), `engine` (start, stop, results), `registry`
//! (the checks the engine runs), `runtime` (checks added and removed while running),
//! `demotion` (an operator's demotion of one to report-only), `lifecycle` and `components`
//! (the setters), `gates` (the [`StartupGate`]s start-up waits for), `clock` (and
//! `metrics_refresh`), `publish` (change → snapshot → subscribers), [`Snapshot`],
//! [`Details`] (who sees error texts: a [`ProbeRequest`], a [`PeerAddr`], a secret `token`
//! refused with a [`TokenError`]), `shutdown` and `lint`.

mod build_error;
mod builder;
mod change_error;
mod clock;
mod components;
mod composition;
mod defaults;
mod demotion;
mod details;
mod engine;
#[cfg(feature = "fleet")]
mod fleet;
mod gates;
mod history;
mod instance;
mod lifecycle;
mod lint;
mod metrics_refresh;
mod peer_addr;
mod probe_request;
mod publish;
mod registry;
mod runtime;
mod shutdown;
mod snapshot;
mod token;
mod token_error;
mod traffic;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::Duration;

use tokio::sync::{broadcast, watch};

pub use build_error::BuildError;
pub use builder::HealthBuilder;
pub use change_error::{AddError, DemoteError, Holder, RemoveError};
pub use details::Details;
pub use gates::StartupGate;
pub use peer_addr::PeerAddr;
pub(crate) use probe_request::PeerAddrReader;
pub use probe_request::ProbeRequest;
pub use snapshot::Snapshot;
pub use token_error::TokenError;
pub(crate) use traffic::Observed;

use crate::engine::{Fleet, Scheduled};
use crate::model::state::State;
use crate::model::transition::Transition;
use defaults::Defaults;
use registry::Registry;

/// A cheap, cloneable handle to the health state of a service.
///
/// Background tasks, the application and the handlers behind
/// [`HealthLayer`](crate::layer::HealthLayer) mark it; the layer answers probes from the
/// [`Snapshot`] it publishes. Every change re-renders the response bodies once, so answering
/// a probe never does more than clone bytes.
///
/// The setters say what the service now is, `mark_<state>`, each with its opposite where
/// there is a way back: [`mark_up`](Health::mark_up) / [`mark_down`](Health::mark_down)
/// (a manual component), [`mark_refusing_traffic`](Health::mark_refusing_traffic) /
/// [`mark_accepting_traffic`](Health::mark_accepting_traffic),
/// [`mark_in_maintenance`](Health::mark_in_maintenance) /
/// [`mark_out_of_maintenance`](Health::mark_out_of_maintenance),
/// [`mark_broken`](Health::mark_broken) / [`mark_alive`](Health::mark_alive);
/// [`mark_started`](Health::mark_started) and [`mark_draining`](Health::mark_draining) are
/// one-way; start-up also waits for every [`startup_gate`](Health::startup_gate) taken. The check engine is started and stopped:
/// [`start_checks`](Health::start_checks) / [`stop_checks`](Health::stop_checks)
/// ([`run_checks`](Health::run_checks) to drive it yourself); checks are added and removed
/// while it runs: [`add_check`](Health::add_check) / [`remove`](Health::remove), and an
/// operator demotes one to report-only for a while: [`demote`](Health::demote) /
/// [`restore`](Health::restore).
///
/// Handlers reach it as any shared value: a captured clone, axum state, or — with
/// [`HealthLayer::handle_in_extensions`](crate::layer::HealthLayer::handle_in_extensions) —
/// the request extensions (in axum: `Extension(health): Extension<Health>`).
///
/// ```
/// use tower_health::{Health, Probe, Status};
///
/// let health = Health::builder().component("queue-consumer").build();
/// assert_eq!(health.snapshot().status(Probe::Readiness), Status::Down);
///
/// health.mark_started();
/// health.mark_up("queue-consumer");
/// assert_eq!(health.snapshot().status(Probe::Readiness), Status::Ok);
///
/// health.mark_refusing_traffic("maintenance");
/// assert_eq!(health.snapshot().status(Probe::Readiness), Status::Down);
/// assert_eq!(health.snapshot().status(Probe::Liveness), Status::Ok);
///
/// health.mark_accepting_traffic();
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
    /// The registered checks, and the running engine's mailbox. Locked after `state` when
    /// both are.
    checks: Mutex<Registry>,
    /// The builder's settings, for a check added while running.
    defaults: Defaults,
    /// Republish when the published snapshot would turn stale within this long (in
    /// nanoseconds): the shortest interval of the checks registered so far, 0 before any.
    refresh_margin: AtomicU64,
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
    /// The peers the engine asks about a failing shared check, if any.
    fleet: Option<Arc<dyn Fleet>>,
    /// This replica's name among its peers (random, per handle).
    instance: Arc<str>,
    /// The traffic observation, when turned on.
    traffic: Option<Arc<traffic::Observed>>,
    /// How often the clock writes the metrics again while nothing changes.
    metrics_refresh: Duration,
}

/// A handle that does not keep the state alive: what the engine and the clock hold.
#[derive(Debug, Clone)]
struct WeakHealth(Weak<Inner>);

impl WeakHealth {
    fn upgrade(&self) -> Option<Health> {
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

    fn from_parts(
        state: State,
        checks: Vec<Scheduled>,
        defaults: Defaults,
        details: Details,
        fleet: Fleetwide,
        traffic: Option<traffic::Observed>,
        metrics_refresh: Duration,
    ) -> Self {
        let first = Arc::new(Snapshot::new(state.clone(), 0));
        #[cfg(feature = "metrics")]
        crate::metrics::record_state(&first.state);
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
                checks: Mutex::new(Registry::new(checks)),
                defaults,
                refresh_margin: AtomicU64::new(nanos(refresh_margin)),
                engine_started: AtomicBool::new(false),
                stop: watch::Sender::new(false),
                details,
                clock_started: AtomicBool::new(false),
                transitions: broadcast::Sender::new(64),
                fleet: fleet.fleet,
                instance: fleet.instance,
                traffic: traffic.map(Arc::new),
                metrics_refresh,
            }),
        }
    }

    /// The registered checks (see [`Registry`]).
    fn registry(&self) -> std::sync::MutexGuard<'_, Registry> {
        self.inner
            .checks
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// The registered checks as they are now.
    pub(super) fn checks(&self) -> Vec<Scheduled> {
        self.registry().checks()
    }

    /// Republish when the published snapshot would turn stale within this long.
    fn refresh_margin(&self) -> Duration {
        Duration::from_nanos(self.inner.refresh_margin.load(Ordering::Relaxed))
    }

    /// A check with this interval joins: the margin is the shortest interval there has been.
    fn shorten_refresh_margin(&self, interval: Duration) {
        let interval = nanos(interval);
        let _ = self.inner.refresh_margin.fetch_update(
            Ordering::Relaxed,
            Ordering::Relaxed,
            |margin| {
                Some(if margin == 0 {
                    interval
                } else {
                    margin.min(interval)
                })
            },
        );
    }

    fn downgrade(&self) -> WeakHealth {
        WeakHealth(Arc::downgrade(&self.inner))
    }

    /// Who sees error details in bodies.
    pub(crate) fn details(&self) -> &Details {
        &self.inner.details
    }

    /// This replica's name among its peers, sent with every per-check answer.
    pub(crate) fn instance(&self) -> &str {
        &self.inner.instance
    }
}

/// `duration` in nanoseconds, saturating.
fn nanos(duration: Duration) -> u64 {
    u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX)
}

/// The handle's place in a fleet: its instance name, and the peers it asks (if any).
#[derive(Debug)]
struct Fleetwide {
    instance: Arc<str>,
    fleet: Option<Arc<dyn Fleet>>,
}

impl Default for Fleetwide {
    fn default() -> Self {
        Fleetwide {
            instance: instance::new_instance(),
            fleet: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handle_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync + 'static>() {}
        assert_send_sync::<Health>();
    }
}
