//! [`FleetView`]: what the other replicas say about a shared check that fails here, and
//! the rule that tells a fleet-wide outage from a lone one.

use std::fmt;

use super::component::Component;
use super::probe::Probe;
use super::state::State;
use super::status::ComponentStatus;
use super::target::Target;

/// The header on a per-check answer (`/readyz/<check>`) that names the replica answering,
/// so one that asks its peers recognises itself among them.
pub(crate) const INSTANCE_HEADER: &str = "x-health-instance";

/// The header on a per-check answer that says whether the check is failing (`fail`: down,
/// or its last result failed), passing (`pass`) or has no result yet (`none`): a check on
/// its way down (failing, not yet past its failure threshold) still answers `200`, and this
/// tells a peer that it sees the outage too; a check that never ran (a pod fresh in a
/// rollout) answers `503` and this tells a peer it has seen nothing at all.
pub(crate) const LAST_RESULT_HEADER: &str = "x-health-last-result";

/// What a per-check answer says in [`LAST_RESULT_HEADER`] about `component`: `none` before
/// its first result, `fail` while it is down or its last result failed, `pass` otherwise.
pub(crate) fn last_result(component: &Component) -> &'static str {
    if component.status() == ComponentStatus::Unknown {
        "none"
    } else if !component.status().is_passing() || component.consecutive_failures() > 0 {
        "fail"
    } else {
        "pass"
    }
}

/// What the peers said about a shared check that fails on this replica: how many were
/// asked, how many answered, and how many of those see it down too.
///
/// The outage is **fleet-wide** when a majority of the peers that answered see the check
/// down as well: readiness then holds (status `degraded`), so a shared dependency's outage
/// does not take every replica out of the Service at once. When the peers see it up, this
/// replica alone is cut off and readiness fails; when no peer answers there is no evidence,
/// and readiness fails as it would without peers.
///
/// ```
/// use tower_health::model::FleetView;
///
/// let view = FleetView::new(3, 2, 2);
/// assert!(view.is_fleet_wide());
/// assert_eq!(view.to_string(), "down across the fleet (2/2 peers)");
/// assert!(!FleetView::new(3, 2, 1).is_fleet_wide()); // a tie is no majority
/// assert!(!FleetView::new(3, 0, 0).is_fleet_wide()); // no answer, no evidence
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FleetView {
    asked: u32,
    answered: u32,
    down: u32,
}

impl FleetView {
    /// A view from `asked` peers, of which `answered` answered and `down` see the check
    /// down (clamped: `down ≤ answered ≤ asked`).
    pub fn new(asked: u32, answered: u32, down: u32) -> Self {
        let answered = answered.min(asked);
        FleetView {
            asked,
            answered,
            down: down.min(answered),
        }
    }

    /// How many peers were asked.
    pub fn asked(&self) -> u32 {
        self.asked
    }

    /// How many peers answered (up or down); a peer that timed out, answered garbage,
    /// anything but `200`/`503`, an answer without `x-health-instance` or one whose check
    /// has no result yet did not.
    pub fn answered(&self) -> u32 {
        self.answered
    }

    /// How many of the peers that answered see the check down too.
    pub fn down(&self) -> u32 {
        self.down
    }

    /// Whether the outage is fleet-wide: a majority of the peers that answered see the
    /// check down too.
    pub fn is_fleet_wide(&self) -> bool {
        self.answered > 0 && self.down * 2 > self.answered
    }
}

/// `down across the fleet (2/2 peers)`, `down here only (0/2 peers see it down)`, or
/// `no peer answered (3 asked)`.
impl fmt::Display for FleetView {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let FleetView {
            asked,
            answered,
            down,
        } = *self;
        if answered == 0 {
            write!(f, "no peer answered ({asked} asked)")
        } else if self.is_fleet_wide() {
            write!(f, "down across the fleet ({down}/{answered} peers)")
        } else {
            write!(f, "down here only ({down}/{answered} peers see it down)")
        }
    }
}

/// The fleet's word in the verdicts.
impl State {
    /// Whether a failing critical member only degrades `target` because its outage is
    /// fleet-wide: every target but liveness, which the fleet never touches.
    pub(super) fn held_by_the_fleet(&self, target: Target, component: &Component) -> bool {
        target != Target::Probe(Probe::Liveness) && component.is_down_across_the_fleet()
    }

    /// The members of `target` that fail here but only degrade it, because the fleet
    /// sees them down too.
    pub(crate) fn held(&self, target: Target) -> impl Iterator<Item = (&str, &Component)> {
        self.components
            .iter()
            .filter(move |(name, component)| {
                component.critical
                    && self.judges(target, name, component)
                    && self.held_by_the_fleet(target, component)
            })
            .map(|(name, component)| (name.as_str(), component))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_strict_majority_of_the_answers_makes_it_fleet_wide() {
        assert!(FleetView::new(3, 1, 1).is_fleet_wide());
        assert!(FleetView::new(3, 3, 2).is_fleet_wide());
        assert!(!FleetView::new(3, 3, 1).is_fleet_wide());
        assert!(!FleetView::new(4, 4, 2).is_fleet_wide());
        assert!(!FleetView::new(3, 0, 0).is_fleet_wide());
    }

    #[test]
    fn the_last_result_says_none_before_the_first_run() {
        use crate::model::component::ComponentKind;
        let mut component = Component::new(ComponentKind::Check, true);
        assert_eq!(last_result(&component), "none", "no result yet");
        component.status = ComponentStatus::Up;
        assert_eq!(last_result(&component), "pass");
        component.consecutive_failures = 1;
        assert_eq!(last_result(&component), "fail", "on its way down");
        component.consecutive_failures = 0;
        component.status = ComponentStatus::Down;
        assert_eq!(last_result(&component), "fail");
    }

    #[test]
    fn counts_are_clamped_and_said() {
        let view = FleetView::new(2, 5, 9);
        assert_eq!((view.asked(), view.answered(), view.down()), (2, 2, 2));
        assert_eq!(
            FleetView::new(3, 2, 0).to_string(),
            "down here only (0/2 peers see it down)"
        );
        assert_eq!(
            FleetView::new(3, 0, 0).to_string(),
            "no peer answered (3 asked)"
        );
    }
}
