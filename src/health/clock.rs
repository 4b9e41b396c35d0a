//! The clock: what time changes by itself (a check result turning stale, a maintenance
//! window ending, a demotion reaching its deadline, a flapping component settling), applied
//! when it happens.

use std::sync::atomic::Ordering;

use tokio::time::Instant;

use super::Health;
use super::metrics_refresh::Refresh;

impl Health {
    /// Apply what time has changed: checks whose last result is too old turn `down`, a
    /// maintenance window that is over lifts, a demotion whose deadline has come is
    /// restored, a flapping component that has settled is no longer flapping. A published
    /// snapshot that expired is replaced even when nothing did.
    pub(super) fn expire(&self) {
        self.update(|state| {
            let now = Instant::now();
            let mut changed = false;
            let rule = state.history;
            for (name, component) in &mut state.components {
                let from = component.status;
                if component.expire(now) {
                    self.announce(component.changed(name, from, now, rule));
                    changed = true;
                }
                if component.flapping.settle(now, rule.flap) {
                    tracing::info!(name, "health: {name} no longer flapping");
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
            changed |= self.restore_overdue(state, now);
            // Unchanged results are republished only near the published expiry, within the
            // shortest interval of it; a check whose runs are further apart (a hanging one, a
            // longer down interval) can miss that: the state is fresh while the published
            // snapshot says it expired. Republish it, so its expiry is the state's again and
            // neither the clock nor the probes keep waking up for it.
            changed || self.inner.snapshot.borrow().is_expired()
        });
    }

    /// Start, once and when inside a tokio runtime, the task that applies what time changes
    /// when it happens, so subscribers see it even when nothing reads the state, and (with
    /// the `metrics` feature) writes the metrics again every refresh period. It holds no
    /// strong handle and ends with the last one.
    pub(super) fn start_clock(&self) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        if self.inner.clock_started.swap(true, Ordering::SeqCst) {
            return;
        }
        let weak = self.downgrade();
        let mut changes = self.subscribe();
        let period = self.inner.metrics_refresh;
        runtime.spawn(async move {
            let mut refresh = Refresh::new(period);
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
                    () = refresh.tick() => match weak.upgrade() {
                        #[cfg(feature = "metrics")]
                        Some(health) => health.refresh_metrics(),
                        #[cfg(not(feature = "metrics"))]
                        Some(_) => {}
                        None => return,
                    },
                }
            }
        });
    }
}
