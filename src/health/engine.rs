//! Starting and stopping the [engine](crate::engine), and taking its results into the state.

use std::future::Future;
use std::sync::atomic::Ordering;

use tokio::time::Instant;

use super::{Health, WeakHealth};
use crate::engine::{self, Next, Outcome, Report, Scheduled};
use crate::model::component::Component;
use crate::model::result::CheckResult;
use crate::model::status::ComponentStatus;

impl Health {
    /// Start the background engine on the current tokio runtime: every registered check
    /// runs on its interval from now on, concurrently, its first run after a random part of
    /// it (see [`NamedCheck::initial_jitter`](crate::checks::NamedCheck::initial_jitter)).
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
    /// let engine = health.start_checks();
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
    pub fn start_checks(&self) -> tokio::task::JoinHandle<()> {
        self.start_clock();
        tokio::spawn(self.run_checks())
    }

    /// The background engine as a future to drive yourself (see
    /// [`start_checks`](Health::start_checks)). It needs a tokio runtime with a timer when
    /// polled.
    pub fn run_checks(&self) -> impl Future<Output = ()> + Send + 'static {
        let first = !self.inner.engine_started.swap(true, Ordering::SeqCst);
        // From here on, a check added or removed is the engine's news (see `add_check`).
        let start = first.then(|| {
            let (mailbox, commands) = engine::mailbox();
            (self.registry().start(mailbox), commands)
        });
        let weak = self.downgrade();
        let stop = self.inner.stop.subscribe();
        let fleet = self.inner.fleet.clone();
        async move {
            if let Some(health) = weak.upgrade() {
                health.start_clock();
                health.start_traffic();
            }
            if let Some((checks, commands)) = start {
                engine::run(checks, weak, fleet, stop, commands).await;
            } else {
                tracing::warn!("health: check engine already started; not starting another");
            }
        }
    }

    /// Stop the background engine: no check runs after this returns to the runtime. The
    /// checks' last results turn stale after three intervals, failing readiness.
    pub fn stop_checks(&self) {
        self.inner.stop.send_replace(true);
    }

    /// Write one check result from the engine, and say whether the check is now down.
    fn record(&self, check: &Scheduled, outcome: Outcome) -> bool {
        let Outcome {
            result,
            took,
            fleet,
        } = outcome;
        let margin = self.refresh_margin();
        let mut down = false;
        self.update(|state| {
            // Removed (under this lock): the result of its last run goes nowhere.
            if check.is_retired() {
                return false;
            }
            let Some(component) = state.components.get_mut(&*check.name) else {
                return false;
            };
            let now = Instant::now();
            let from = component.status;
            let result = match result {
                Ok(()) => CheckResult::Passed,
                Err(error) if error.is_degraded() => CheckResult::Degraded(error.into_message()),
                Err(error) => CheckResult::Failed(error.into_message()),
            };
            let fresh_until = now + check.stale_after();
            let held_before = component.is_down_across_the_fleet();
            let change = component.record(result, took, check.thresholds, now, fresh_until);
            // Recovering (passing again, still down until enough successes): the peers'
            // last word stands, or every replica would fail readiness at once on the way
            // back up. It goes once the check is up (or its results turn stale).
            let recovering = !component.status.is_passing() && component.consecutive_failures == 0;
            let fleet = fleet.or(if recovering { component.fleet } else { None });
            let fleet_changed = component.fleet != fleet;
            component.fleet = fleet;
            if held_before != component.is_down_across_the_fleet() {
                say_fleet(&check.name, component);
            }
            down = component.status == ComponentStatus::Down;
            #[cfg(feature = "metrics")]
            crate::metrics::record_result(&check.name, component);
            if change.status {
                self.announce(component.changed(&check.name, from, now, state.history));
            } else if component.status.is_passing() && component.consecutive_failures == 1 {
                // A streak of failures below the threshold: said once, when it begins; the
                // transition says the rest if it reaches the threshold.
                let name = &*check.name;
                let error = component.error.as_deref().unwrap_or("");
                match check.thresholds.down_after {
                    Some(down_after) => tracing::warn!(
                        name,
                        error,
                        "health: {name} failing (down after {down_after:?}): {error}"
                    ),
                    None => {
                        let threshold = check.thresholds.failures;
                        tracing::warn!(
                            name,
                            error,
                            "health: {name} failing (1/{threshold}): {error}"
                        );
                    }
                }
            }
            // Also republish before the published snapshot would turn stale, so a running
            // engine keeps it fresh without re-rendering on every unchanged result.
            let published = self.inner.snapshot.borrow().expires_at;
            change.visible || fleet_changed || published.is_some_and(|until| until <= now + margin)
        });
        down
    }
}

/// Log a shared check's outage turning fleet-wide (readiness holds) or back to this
/// replica's own (readiness fails, or the check is up again).
pub(super) fn say_fleet(name: &str, component: &Component) {
    match component.fleet {
        Some(fleet) if component.is_down_across_the_fleet() => tracing::warn!(
            name,
            "health: {name} {fleet}: readiness holds (degraded) while the fleet shares the outage"
        ),
        Some(fleet) if component.critical => tracing::warn!(
            name,
            "health: {name} {fleet}: readiness fails on this replica"
        ),
        _ => tracing::info!(name, "health: {name} no longer down across the fleet"),
    }
}

/// The engine reports to a handle that does not keep the state alive: once the last
/// [`Health`] is gone, its results have nowhere to go and each check's loop ends. A check
/// that is down runs next on its down interval.
impl Report for WeakHealth {
    fn report(&self, check: &Scheduled, outcome: Outcome) -> Next {
        match self.upgrade() {
            Some(health) => {
                let down = health.record(check, outcome);
                // Removed: its loop ends here, should the engine's abort not have come first.
                if check.is_retired() {
                    return Next::Stop;
                }
                Next::Continue { down }
            }
            None => Next::Stop,
        }
    }
}
