//! An operator's demotion: a check or component made report-only while the service runs,
//! with a reason and perhaps a deadline, and restored.

use std::time::{Duration, SystemTime};

use tokio::time::Instant;

use super::Health;
use super::change_error::DemoteError;
use super::publish::whole_seconds;
use crate::model::demotion::{Deadline, Demotion};
use crate::model::state::State;

impl Health {
    /// Demote the check or component `name` to report-only, because `reason`, until
    /// [`restore`](Health::restore)d or, with a `duration`, until it runs out: the deadline
    /// restores it by itself (like a [maintenance window](Health::mark_in_maintenance)).
    ///
    /// While demoted it counts for no probe (liveness, readiness, startup, the combined
    /// probe), no [group](crate::Group) and not the gRPC overall status (`""`), whatever
    /// its status; the check keeps running and its own status goes on as before (down
    /// stays down: its `/<probe>/<name>` answer and gRPC service name still say so). Every
    /// view says it is demoted: `?verbose` lists `[+]redis demoted by operator until
    /// 03:40Z: flapping during failover`, the JSON bodies a `demoted` object, the status
    /// page a badge; its [history](crate::model::Component::history) records the
    /// demotion and the restoration, the `health_check_demoted` gauge is `1` (feature
    /// `metrics`), and [`lint`](Health::lint) warns while a critical check is demoted.
    /// A critical check whose deadline restores it is logged at warn level.
    ///
    /// Demoting it again replaces the demotion in force (reason and deadline). A
    /// report-only component may be demoted too: a group may still count it. The
    /// components tower-health keeps (the traffic component, the watchdog's) may be: their
    /// owner writes their status, the operator says whether it counts.
    ///
    /// Refused, with nothing changed: an unknown name, a blank reason or one with a control
    /// character such as a line break (a demotion says why, on one line; the reason is shown
    /// in public bodies, so keep secrets out of it, and cut at 256 bytes), a zero duration,
    /// or one ending past what the clocks can hold.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// use std::time::Duration;
    /// use tower_health::{ComponentStatus, Health, Probe, Status};
    ///
    /// let health = Health::builder().component("redis").build();
    /// health.mark_started();
    /// health.mark_down("redis", "connection refused");
    /// assert_eq!(health.snapshot().status(Probe::Readiness), Status::Down);
    ///
    /// let half_an_hour = Some(Duration::from_secs(1800));
    /// health.demote("redis", "flapping during failover", half_an_hour).unwrap();
    /// let snapshot = health.snapshot();
    /// assert_eq!(snapshot.status(Probe::Readiness), Status::Ok);
    /// let redis = snapshot.component("redis").unwrap();
    /// assert_eq!(redis.status(), ComponentStatus::Down, "down stays down");
    /// assert_eq!(redis.demotion().unwrap().reason(), "flapping during failover");
    ///
    /// // The deadline restores it.
    /// tokio::time::sleep(Duration::from_secs(1800)).await;
    /// assert!(!health.snapshot().component("redis").unwrap().is_demoted());
    /// assert_eq!(health.snapshot().status(Probe::Readiness), Status::Down);
    /// # }
    /// ```
    pub fn demote(
        &self,
        name: &str,
        reason: impl Into<String>,
        duration: Option<Duration>,
    ) -> Result<(), DemoteError> {
        let reason = reason.into();
        if reason.trim().is_empty() || reason.chars().any(char::is_control) {
            let name = name.to_owned();
            return Err(DemoteError::InvalidReason { name });
        }
        let (now, wall) = (Instant::now(), SystemTime::now());
        let until = match duration {
            None => None,
            Some(duration) => Some(Deadline::after(duration, now, wall).ok_or_else(|| {
                let name = name.to_owned();
                DemoteError::Deadline { name, duration }
            })?),
        };
        let demotion = Demotion::new(&reason, until, now, wall);
        let line = demotion.to_string();
        let mut outcome = Err(DemoteError::Unknown {
            name: name.to_owned(),
        });
        self.update(|state| {
            let rule = state.history;
            let Some(component) = state.components.get_mut(name) else {
                return false;
            };
            outcome = Ok(component.is_critical());
            component.demote(demotion, now, rule);
            true
        });
        match outcome? {
            true => tracing::warn!(
                name,
                "health: {name} {line}; it fails no probe until restored"
            ),
            false => tracing::info!(
                name,
                "health: {name} {line}; it fails no probe until restored"
            ),
        }
        if duration.is_some() {
            self.start_clock();
        }
        Ok(())
    }

    /// End the demotion of `name` now: it counts for its probes and groups again (a
    /// critical check that is down fails readiness again), and its history records the
    /// restoration. Refused, with nothing changed, for an unknown name or one that is not
    /// demoted.
    ///
    /// ```
    /// use tower_health::health::DemoteError;
    /// use tower_health::{Health, Probe, Status};
    ///
    /// let health = Health::builder().component("redis").build();
    /// health.mark_started();
    /// health.mark_down("redis", "connection refused");
    /// health.demote("redis", "failover", None).unwrap();
    /// assert_eq!(health.snapshot().status(Probe::Readiness), Status::Ok);
    ///
    /// health.restore("redis").unwrap();
    /// assert_eq!(health.snapshot().status(Probe::Readiness), Status::Down);
    /// assert_eq!(
    ///     health.restore("redis"),
    ///     Err(DemoteError::NotDemoted { name: "redis".into() })
    /// );
    /// ```
    pub fn restore(&self, name: &str) -> Result<(), DemoteError> {
        let (now, wall) = (Instant::now(), SystemTime::now());
        let name_owned = || name.to_owned();
        let mut outcome = Err(DemoteError::Unknown { name: name_owned() });
        self.update(|state| {
            if !state.components.contains_key(name) {
                return false;
            }
            let restored = state.restore(name, now, wall, false);
            outcome = restored.ok_or(DemoteError::NotDemoted { name: name_owned() });
            outcome.is_ok()
        });
        let demotion = outcome?;
        let lasted = humantime::format_duration(whole_seconds(now - demotion.began));
        tracing::info!(
            name,
            "health: {name} restored by operator (demoted for {lasted}); it counts for its probes again"
        );
        Ok(())
    }

    /// Restore every component whose demotion's deadline has come at `now`, saying so in
    /// the log (at warn level for a critical one: it stayed demoted until its deadline).
    /// Returns whether any was.
    pub(super) fn restore_overdue(&self, state: &mut State, now: Instant) -> bool {
        let overdue = state.overdue(now);
        let wall = SystemTime::now();
        for name in &overdue {
            let Some(demotion) = state.restore(name, now, wall, true) else {
                continue;
            };
            let critical = state.components.get(name).is_some_and(|c| c.is_critical());
            let until = demotion.until_text().unwrap_or_default();
            if critical {
                tracing::warn!(
                    name,
                    reason = demotion.reason(),
                    "health: critical check {name} stayed demoted until its deadline \
                     ({until}) and was restored: it counts for its probes again"
                );
            } else {
                tracing::info!(
                    name,
                    "health: {name} demoted until {until}: restored, it counts for its probes again"
                );
            }
        }
        !overdue.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::history::HistoryEvent;
    use crate::model::probe::Probe;
    use crate::model::status::Status;
    use crate::model::traffic::Traffic;

    fn down_redis() -> Health {
        let health = Health::builder().component("redis").build();
        health.mark_started();
        health.mark_down("redis", "connection refused");
        health
    }

    #[test]
    fn refusals_change_nothing() {
        let health = down_redis();
        let version = health.snapshot().version();
        let name = || "redis".to_owned();
        assert_eq!(
            health.demote("nope", "x", None),
            Err(DemoteError::Unknown {
                name: "nope".into()
            })
        );
        for reason in ["", " \t", "fine\n[+]forged ok"] {
            assert_eq!(
                health.demote("redis", reason, None),
                Err(DemoteError::InvalidReason { name: name() })
            );
        }
        for duration in [Duration::ZERO, Duration::MAX] {
            assert_eq!(
                health.demote("redis", "x", Some(duration)),
                Err(DemoteError::Deadline {
                    name: name(),
                    duration
                })
            );
        }
        assert_eq!(
            health.restore("redis"),
            Err(DemoteError::NotDemoted { name: name() })
        );
        assert_eq!(
            health.restore("nope"),
            Err(DemoteError::Unknown {
                name: "nope".into()
            })
        );
        assert_eq!(health.snapshot().version(), version);
    }

    #[test]
    fn demoting_again_replaces_and_the_history_says_each() {
        let health = down_redis();
        health.demote("redis", "failover", None).unwrap();
        let hour = Some(Duration::from_secs(3600));
        health.demote("redis", "failover, longer", hour).unwrap();
        let snapshot = health.snapshot();
        let redis = snapshot.component("redis").unwrap();
        let demotion = redis.demotion().unwrap();
        assert_eq!(demotion.reason(), "failover, longer");
        assert!(demotion.until().is_some());
        health.restore("redis").unwrap();
        let snapshot = health.snapshot();
        let events: Vec<&HistoryEvent> = (snapshot.component("redis").unwrap().history())
            .map(|entry| &entry.event)
            .collect();
        assert_eq!(events.len(), 4, "down, demoted twice, restored: {events:?}");
        assert!(matches!(
            events[1],
            HistoryEvent::Demoted { until: None, .. }
        ));
        assert!(matches!(
            events[2],
            HistoryEvent::Demoted { until: Some(_), .. }
        ));
        assert_eq!(*events[3], HistoryEvent::Restored { by_deadline: false });
        assert_eq!(snapshot.status(Probe::Readiness), Status::Down);
    }

    #[test]
    fn a_component_tower_health_keeps_may_be_demoted() {
        let health = Health::builder()
            .traffic(Traffic::new().probes([Probe::Readiness]))
            .build();
        health
            .demote("traffic", "a downstream is down", None)
            .unwrap();
        assert!(health.snapshot().component("traffic").unwrap().is_demoted());
    }

    #[tokio::test(start_paused = true)]
    async fn the_deadline_restores_it_for_subscribers_too() {
        let health = down_redis();
        let minute = Duration::from_secs(60);
        health.demote("redis", "failover", Some(minute)).unwrap();
        let mut changes = health.subscribe();
        assert_eq!(
            changes.borrow_and_update().status(Probe::Readiness),
            Status::Ok
        );
        tokio::time::sleep(minute).await;
        changes.changed().await.unwrap();
        let snapshot = changes.borrow().clone();
        assert_eq!(snapshot.status(Probe::Readiness), Status::Down);
        let redis = snapshot.component("redis").unwrap();
        assert!(!redis.is_demoted());
        let last = redis.history().last().unwrap();
        assert_eq!(last.event, HistoryEvent::Restored { by_deadline: true });
        assert_eq!(last.lasted, minute);
    }
}
