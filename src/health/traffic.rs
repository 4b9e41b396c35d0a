//! Traffic on the handle's clock: the counters the layer writes, folded into the window
//! every bucket period and judged into the traffic component.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::time::{Instant, MissedTickBehavior};

use super::engine::say_fleet;
use super::{Health, HealthBuilder};
use crate::model::component::{Component, ComponentKind};
use crate::model::fleet::FleetView;
use crate::model::owner::Owner;
use crate::model::state::State;
use crate::model::status::ComponentStatus;
use crate::model::traffic::TrafficFigures;
use crate::model::traffic::counters::Counters;
use crate::model::traffic::rules::{BUCKETS_PER_WINDOW, Traffic};
use crate::model::traffic::window::Window;

/// A handle's traffic observation: the rules, and the counters every layer over the handle
/// writes.
#[derive(Debug)]
pub(crate) struct Observed {
    pub(crate) rules: Traffic,
    pub(crate) counters: Counters,
    /// Set once the folding task has been started.
    folding: AtomicBool,
}

impl Observed {
    /// Observation by `rules`, after registering its component in `state`; an error names
    /// what is wrong with the rules or a name already taken.
    pub(super) fn register(rules: Traffic, state: &mut State) -> Result<Observed, String> {
        if let Some(problem) = rules.problem() {
            return Err(problem);
        }
        let mut component = Component::new(ComponentKind::Traffic, true);
        component.probes = rules.probes;
        component.shared = rules.shared;
        component.component_type = "system".to_owned();
        component.owner = Some(Owner::Traffic);
        // No traffic yet is no failure.
        component.status = ComponentStatus::Up;
        component.ever_up = true;
        if state
            .components
            .insert(rules.name.clone(), component)
            .is_some()
        {
            return Err(format!(
                "two checks or components are named {:?}",
                rules.name
            ));
        }
        Ok(Observed {
            counters: Counters::new(&rules.classifier),
            rules,
            folding: AtomicBool::new(false),
        })
    }
}

impl HealthBuilder {
    /// Observe the service's own traffic: every [`HealthLayer`](crate::HealthLayer) over
    /// the handle records its forwarded requests, and a component (`traffic` unless
    /// [named](Traffic::name) otherwise) is judged from them by `rules` (see [`Traffic`]).
    /// Off by default: a forwarded request then pays nothing for it.
    ///
    /// The folding runs on the tokio runtime a layer over the handle is made in (or
    /// [`start_checks`](Health::start_checks) is called from).
    /// Latencies are read from the CPU's time-stamp counter (through `quanta`); the first
    /// handle observing traffic in a process calibrates it against the system clock, once,
    /// for up to 200 ms, in `build`.
    ///
    /// ```
    /// use tower_health::{Health, Traffic};
    ///
    /// let health = Health::builder().traffic(Traffic::new()).build();
    /// assert!(health.snapshot().component("traffic").is_some());
    /// ```
    pub fn traffic(mut self, rules: Traffic) -> Self {
        self.traffic = Some(rules);
        self
    }
}

impl Health {
    /// The traffic observation, when the handle has one.
    pub(crate) fn observed(&self) -> Option<&Arc<Observed>> {
        self.inner.traffic.as_ref()
    }

    /// Requests completed since the start, when traffic is observed: the runtime
    /// watchdog's proof of progress.
    #[cfg_attr(
        not(feature = "probe-server"),
        allow(
            dead_code,
            reason = "read by the probe server's watchdog and agent check"
        )
    )]
    pub(crate) fn completed_requests(&self) -> Option<u64> {
        self.observed()
            .map(|observed| observed.counters.completed())
    }

    /// Start, once and when inside a tokio runtime, the task that folds the traffic into
    /// its window every bucket period. It holds no strong handle and ends with the last
    /// one.
    pub(crate) fn start_traffic(&self) {
        let Some(observed) = self.observed().cloned() else {
            return;
        };
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        if observed.folding.swap(true, Ordering::SeqCst) {
            return;
        }
        let weak = self.downgrade();
        runtime.spawn(async move {
            let mut window = Window::new(observed.rules.window, BUCKETS_PER_WINDOW as usize);
            let period = window.period();
            let mut last = observed.counters.totals();
            let mut every = tokio::time::interval_at(Instant::now() + period, period);
            every.set_missed_tick_behavior(MissedTickBehavior::Delay);
            loop {
                every.tick().await;
                let Some(health) = weak.upgrade() else {
                    return;
                };
                let totals = observed.counters.totals();
                window.push(totals.since(&last));
                let figures = window.figures(totals.in_flight());
                last = totals;
                let (status, reason) = observed.rules.judge(&figures);
                let fleet = match &health.inner.fleet {
                    Some(fleet) if observed.rules.shared && status == ComponentStatus::Down => {
                        Some(fleet.view(&observed.rules.name).await)
                    }
                    _ => None,
                };
                let judged = Judged {
                    figures,
                    status,
                    reason,
                    fleet,
                };
                health.fold_traffic(&observed.rules.name, judged);
            }
        });
    }

    /// Write one folded window into the traffic component `name`.
    fn fold_traffic(&self, name: &str, judged: Judged) {
        let Judged {
            figures,
            status,
            reason,
            fleet,
        } = judged;
        self.update(|state| {
            let Some(component) = state.components.get_mut(name) else {
                return false;
            };
            let from = component.status;
            let held_before = component.is_down_across_the_fleet();
            let visible = from != status
                || component.error != reason
                || component.fleet != fleet
                || component.traffic.as_deref() != Some(&figures);
            if status == ComponentStatus::Down {
                component.consecutive_failures = component.consecutive_failures.saturating_add(1);
                component.consecutive_successes = 0;
            } else {
                component.consecutive_successes = component.consecutive_successes.saturating_add(1);
                component.consecutive_failures = 0;
            }
            component.status = status;
            component.error = reason;
            component.fleet = fleet;
            #[cfg(feature = "metrics")]
            crate::metrics::record_traffic(name, &figures);
            component.traffic = Some(Arc::new(figures));
            if held_before != component.is_down_across_the_fleet() {
                say_fleet(name, component);
            }
            if from != status {
                self.announce(component.changed(name, from, Instant::now(), state.history));
            }
            visible
        });
    }
}

/// One folded window and what the rules and the fleet made of it.
struct Judged {
    figures: TrafficFigures,
    status: ComponentStatus,
    reason: Option<String>,
    fleet: Option<FleetView>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::group::Group;
    use crate::model::probe::Probe;
    use crate::model::status::Status;

    #[test]
    fn bad_rules_and_a_taken_name_are_refused_when_built() {
        let error = Health::builder()
            .traffic(Traffic::new().failure_ratio(2.0))
            .try_build()
            .unwrap_err();
        assert!(error.message().contains("failure ratio"), "{error}");
        let error = Health::builder()
            .component("traffic")
            .traffic(Traffic::new())
            .try_build()
            .unwrap_err();
        assert!(error.message().contains("\"traffic\""), "{error}");
    }

    #[test]
    fn it_starts_up_and_report_only_may_join_a_group_and_is_not_set_by_hand() {
        let health = Health::builder()
            .traffic(Traffic::new().name("requests"))
            .group(Group::new("lb", "/lbz").members(["requests"]))
            .build();
        health.mark_started();
        let snapshot = health.snapshot();
        let component = snapshot.component("requests").unwrap();
        assert_eq!(component.kind(), ComponentKind::Traffic);
        assert!(component.is_report_only());
        assert_eq!(component.status(), ComponentStatus::Up);
        assert_eq!(snapshot.status(Probe::Readiness), Status::Ok);
        health.mark_down("requests", "by hand");
        assert_eq!(health.snapshot().version(), snapshot.version());
    }

    #[test]
    fn a_folded_window_moves_the_component_through_history() {
        let health = Health::builder()
            .traffic(Traffic::new().probes([Probe::Readiness]))
            .build();
        health.mark_started();
        let mut transitions = health.transitions();
        let figures = |requests, failures| {
            let counts = crate::model::traffic::counts::Counts {
                requests,
                classes: [0, requests - failures, 0, 0, failures],
                failures,
                ..Default::default()
            };
            TrafficFigures::new(&counts, std::time::Duration::from_secs(60), 0)
        };
        let rules = Traffic::new();
        for (requests, failures) in [(100, 80), (100, 0)] {
            let figures = figures(requests, failures);
            let (status, reason) = rules.judge(&figures);
            let judged = Judged {
                figures,
                status,
                reason,
                fleet: None,
            };
            health.fold_traffic("traffic", judged);
            let ready = health.snapshot().status(Probe::Readiness);
            assert_eq!(ready == Status::Down, failures > 0);
        }
        let down = transitions.try_recv().unwrap();
        assert_eq!(
            (down.from, down.to),
            (ComponentStatus::Up, ComponentStatus::Down)
        );
        assert!(down.error.unwrap().contains("80.0% failed"));
        let up = transitions.try_recv().unwrap();
        assert_eq!(up.to, ComponentStatus::Up);
        let snapshot = health.snapshot();
        let component = snapshot.component("traffic").unwrap();
        assert_eq!(component.history().len(), 2);
        assert_eq!(component.traffic().unwrap().requests(), 100);
    }
}
