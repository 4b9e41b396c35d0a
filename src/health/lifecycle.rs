//! The lifecycle setters: what the application says about the whole service.

use std::time::Duration;

use tokio::time::Instant;

use super::Health;
use super::publish::replace_if_different;
use crate::model::lifecycle::Maintenance;

impl Health {
    /// Latch the service as started: the startup probe passes from now on, and readiness may.
    ///
    /// Call it once start-up work (migrations, cache warm-up, pool creation) is done.
    pub fn mark_started(&self) {
        self.update(|state| !std::mem::replace(&mut state.lifecycle.started, true));
    }

    /// Take the service out of traffic: readiness answers 503 with `reason` in the body until
    /// [`mark_accepting_traffic`](Health::mark_accepting_traffic). Liveness is unaffected.
    ///
    /// The reason is shown in public bodies; keep secrets out of it.
    pub fn mark_refusing_traffic(&self, reason: impl Into<String>) {
        let reason = Some(reason.into());
        self.update(|state| replace_if_different(&mut state.lifecycle.refusing, reason));
    }

    /// Undo [`mark_refusing_traffic`](Health::mark_refusing_traffic).
    pub fn mark_accepting_traffic(&self) {
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
    pub fn mark_draining(&self) {
        self.update(|state| !std::mem::replace(&mut state.lifecycle.draining, true));
    }

    /// Take the service out of service for maintenance: readiness answers 503 with
    /// `reason` in the body (liveness stays 200) until
    /// [`mark_out_of_maintenance`](Health::mark_out_of_maintenance) or, with a `duration`,
    /// until it runs out: the window lifts itself.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// use std::time::Duration;
    /// use tower_health::{Health, Probe, Status};
    ///
    /// let health = Health::default();
    /// health.mark_started();
    /// health.mark_in_maintenance("reindexing", Some(Duration::from_secs(600)));
    /// assert_eq!(health.snapshot().status(Probe::Readiness), Status::Down);
    /// assert_eq!(health.snapshot().maintenance_reason(), Some("reindexing"));
    /// health.mark_out_of_maintenance();
    /// assert_eq!(health.snapshot().status(Probe::Readiness), Status::Ok);
    /// # }
    /// ```
    ///
    /// The reason is shown in public bodies. Inside a tokio runtime a timer lifts the window
    /// on time, for subscribers too; without one, the next probe or snapshot does.
    pub fn mark_in_maintenance(&self, reason: impl Into<String>, duration: Option<Duration>) {
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

    /// Lift a maintenance window now.
    pub fn mark_out_of_maintenance(&self) {
        self.update(|state| state.lifecycle.maintenance.take().is_some());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::probe::Probe;
    use crate::model::status::Status;

    #[test]
    fn startup_is_a_latch_and_drain_is_final() {
        let health = Health::default();
        health.mark_started();
        health.mark_draining();
        let snapshot = health.snapshot();
        assert_eq!(snapshot.status(Probe::Startup), Status::Ok);
        assert_eq!(snapshot.status(Probe::Readiness), Status::Down);
        assert_eq!(snapshot.status(Probe::Liveness), Status::Ok);
        health.mark_accepting_traffic();
        assert_eq!(health.snapshot().status(Probe::Readiness), Status::Down);
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

    #[tokio::test(start_paused = true)]
    async fn maintenance_lifts_itself() {
        let health = Health::default();
        health.mark_started();
        health.mark_refusing_traffic("held");
        health.mark_in_maintenance("upgrade", Some(Duration::from_secs(60)));
        let snapshot = health.snapshot();
        assert_eq!(snapshot.status(Probe::Readiness), Status::Down);
        assert_eq!(snapshot.status(Probe::Liveness), Status::Ok);
        assert_eq!(
            snapshot.state.lifecycle_reason().as_deref(),
            Some("upgrade")
        );
        let mut changes = health.subscribe();
        tokio::time::sleep(Duration::from_secs(61)).await;
        changes.changed().await.unwrap();
        assert_eq!(changes.borrow().maintenance_reason(), None);
        // The app's own hold is untouched by the window.
        assert_eq!(health.snapshot().refusing_reason(), Some("held"));
    }
}
