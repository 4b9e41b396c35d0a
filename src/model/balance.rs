//! [`Standing`]: what a load balancer should make of this replica, and the weight it should
//! give it: pure rules over the state and the load, for the agent-check protocol.

use std::time::Duration;

use super::probe::Probe;
use super::state::State;
use super::target::Target;

/// What a load balancer should make of this replica, first rule that holds first:
/// draining, in maintenance, down (readiness fails), or up with a weight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Standing {
    /// Draining before shutdown: no new requests; those under way finish.
    Drain,
    /// In maintenance: out of service until lifted.
    Maint,
    /// Readiness fails: send nothing.
    Down,
    /// Ready, with a weight from 0 to 100 (per cent of the configured one).
    Up(u8),
}

/// What the weight is made of: requests in flight now against a capacity, and the p99
/// latency of the last traffic window against a budget. Either side is left out of the
/// weight while unset.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Load {
    pub(crate) in_flight: u64,
    pub(crate) capacity: Option<u64>,
    pub(crate) p99: Option<Duration>,
    pub(crate) budget: Option<Duration>,
}

impl Standing {
    /// The standing of a replica in `state` under `load`: drain > maint > down > up.
    pub(crate) fn of(state: &State, load: &Load) -> Standing {
        if state.lifecycle.draining {
            return Standing::Drain;
        }
        if state.lifecycle.maintenance.is_some() {
            return Standing::Maint;
        }
        let readiness = Target::Probe(Probe::Readiness);
        if !state.passes(readiness, state.status(Probe::Readiness)) {
            return Standing::Down;
        }
        Standing::Up(load.weight())
    }
}

impl Load {
    /// The weight: the lower of the capacity weight and the latency weight.
    pub(crate) fn weight(&self) -> u8 {
        let capacity = self
            .capacity
            .map_or(100, |capacity| capacity_weight(self.in_flight, capacity));
        let latency = match (self.p99, self.budget) {
            (Some(p99), Some(budget)) => latency_weight(p99, budget),
            _ => 100,
        };
        capacity.min(latency)
    }
}

/// `100 × (1 − in_flight / capacity)`, rounded up so that it reaches 0 only at capacity
/// (and beyond); 0 for a capacity of 0.
pub(crate) fn capacity_weight(in_flight: u64, capacity: u64) -> u8 {
    if in_flight >= capacity {
        return 0;
    }
    let free = u128::from(capacity - in_flight);
    let weight = (100 * free).div_ceil(u128::from(capacity));
    u8::try_from(weight.min(100)).unwrap_or(100)
}

/// 100 while `p99` stays within `budget`, else `100 × budget / p99` rounded, at least 1: a
/// slow replica gets less, never nothing (latency alone never takes it out).
pub(crate) fn latency_weight(p99: Duration, budget: Duration) -> u8 {
    if p99 <= budget {
        return 100;
    }
    let weight = (100 * budget.as_nanos() + p99.as_nanos() / 2) / p99.as_nanos();
    u8::try_from(weight.clamp(1, 100)).unwrap_or(100)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::component::{Component, ComponentKind};
    use crate::model::lifecycle::Maintenance;
    use crate::model::probe_set::ProbeSet;
    use crate::model::status::ComponentStatus;

    fn ms(millis: u64) -> Duration {
        Duration::from_millis(millis)
    }

    fn ready() -> State {
        let mut state = State::default();
        state.lifecycle.started = true;
        state
    }

    fn with(mut state: State, critical: bool, status: ComponentStatus) -> State {
        let mut component = Component::new(ComponentKind::Manual, critical);
        component.status = status;
        component.probes = ProbeSet::READINESS;
        state.components.insert("db".to_owned(), component);
        state
    }

    #[test]
    fn capacity_weight_falls_to_zero_at_capacity() {
        assert_eq!(capacity_weight(0, 10), 100);
        assert_eq!(capacity_weight(1, 10), 90);
        assert_eq!(capacity_weight(5, 10), 50);
        assert_eq!(capacity_weight(9, 10), 10);
        assert_eq!(capacity_weight(10, 10), 0);
        assert_eq!(capacity_weight(50, 10), 0);
        // Rounded up: under capacity is never 0, a single request of many barely counts.
        assert_eq!(capacity_weight(999, 1_000), 1);
        assert_eq!(capacity_weight(1, 1_000), 100);
        assert_eq!(capacity_weight(1, 3), 67);
        assert_eq!(capacity_weight(0, 0), 0);
        assert_eq!(capacity_weight(u64::MAX - 1, u64::MAX), 1);
    }

    #[test]
    fn latency_weight_falls_with_the_p99_past_the_budget() {
        assert_eq!(latency_weight(ms(50), ms(100)), 100);
        assert_eq!(latency_weight(ms(100), ms(100)), 100);
        assert_eq!(latency_weight(ms(200), ms(100)), 50);
        assert_eq!(latency_weight(ms(300), ms(100)), 33);
        assert_eq!(latency_weight(ms(150), ms(100)), 67);
        assert_eq!(
            latency_weight(Duration::from_secs(1_000), ms(100)),
            1,
            "never 0"
        );
        assert_eq!(latency_weight(ms(1), Duration::ZERO), 1);
    }

    #[test]
    fn the_weight_is_the_lower_of_the_two_and_unset_sides_do_not_weigh() {
        let mut load = Load::default();
        assert_eq!(load.weight(), 100);
        load.in_flight = 7;
        assert_eq!(load.weight(), 100, "no capacity: in flight does not weigh");
        load.capacity = Some(10);
        assert_eq!(load.weight(), 30);
        load.p99 = Some(ms(400));
        assert_eq!(load.weight(), 30, "no budget: latency does not weigh");
        load.budget = Some(ms(100));
        assert_eq!(load.weight(), 25);
        load.in_flight = 1;
        assert_eq!(load.weight(), 25);
        load.p99 = None;
        assert_eq!(load.weight(), 90, "no p99 yet: latency does not weigh");
    }

    #[test]
    fn drain_before_maint_before_down_before_up() {
        let load = Load {
            in_flight: 2,
            capacity: Some(4),
            ..Load::default()
        };
        assert_eq!(Standing::of(&ready(), &load), Standing::Up(50));
        assert_eq!(
            Standing::of(&State::default(), &load),
            Standing::Down,
            "not started"
        );
        let mut state = with(ready(), true, ComponentStatus::Down);
        assert_eq!(Standing::of(&state, &load), Standing::Down);
        state.lifecycle.maintenance = Some(Maintenance {
            reason: "upgrade".to_owned(),
            until: None,
        });
        assert_eq!(Standing::of(&state, &load), Standing::Maint);
        state.lifecycle.draining = true;
        assert_eq!(Standing::of(&state, &load), Standing::Drain);
    }

    #[test]
    fn degraded_is_up_unless_it_fails_readiness() {
        let mut state = with(ready(), false, ComponentStatus::Down);
        assert_eq!(Standing::of(&state, &Load::default()), Standing::Up(100));
        state.fail_when_degraded[Probe::Readiness.index()] = true;
        assert_eq!(Standing::of(&state, &Load::default()), Standing::Down);
        let state = with(ready(), true, ComponentStatus::Unknown);
        assert_eq!(
            Standing::of(&state, &Load::default()),
            Standing::Down,
            "no result yet"
        );
    }
}
