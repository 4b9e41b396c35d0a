//! [`Snapshot`]: the state at one moment, with the bodies rendered from it.

use tokio::time::Instant;

use crate::model::component::Component;
use crate::model::group::Group;
use crate::model::probe::Probe;
use crate::model::scope::Scope;
use crate::model::state::State;
use crate::model::status::Status;
use crate::model::target::Target;
use crate::render::Bodies;

/// An immutable picture of the service's health: lifecycle, every component, and the
/// response bodies rendered from them.
///
/// Obtained from [`Health::snapshot`](super::Health::snapshot) or, on every change, from
/// [`Health::subscribe`](super::Health::subscribe).
///
/// ```
/// use tower_health::{Health, Probe, Status};
///
/// let health = Health::builder().component("queue").build();
/// let snapshot = health.snapshot();
/// assert!(!snapshot.is_started());
/// assert_eq!(snapshot.status(Probe::Liveness), Status::Ok);
/// assert_eq!(snapshot.status(Probe::Readiness), Status::Down);
/// ```
#[derive(Debug)]
pub struct Snapshot {
    pub(crate) state: State,
    pub(crate) version: u64,
    pub(crate) bodies: Bodies,
    /// When something turns by itself: the oldest check result stops vouching for its
    /// check, a maintenance window ends, a demotion reaches its deadline, or a flapping
    /// component settles.
    pub(crate) expires_at: Option<Instant>,
}

impl Snapshot {
    pub(crate) fn new(state: State, version: u64) -> Self {
        let bodies = Bodies::new(&state);
        let maintenance_until = state.lifecycle.maintenance.as_ref().and_then(|m| m.until);
        let flap = state.history.flap;
        let expires_at = state
            .components
            .values()
            .flat_map(|component| {
                let demoted_until = component.demotion().and_then(|d| d.deadline());
                let settles = component.flapping.settles_at(flap);
                [component.fresh_until, settles, demoted_until]
            })
            .flatten()
            .chain(maintenance_until)
            .min();
        Snapshot {
            state,
            version,
            bodies,
            expires_at,
        }
    }

    /// Whether some check's last result is too old to vouch for it, or a maintenance window
    /// is over: the snapshot no longer tells the truth until refreshed.
    #[inline]
    pub(crate) fn is_expired(&self) -> bool {
        self.expires_at.is_some_and(|at| at <= Instant::now())
    }

    /// A number that grows by one with every change of the state.
    pub fn version(&self) -> u64 {
        self.version
    }

    /// Whether [`Health::mark_started`](super::Health::mark_started) has been called, every
    /// [start-up gate](super::Health::startup_gate) is released and every check
    /// [required for startup](super::HealthBuilder::require_for_startup) has passed once.
    pub fn is_started(&self) -> bool {
        self.state.is_started()
    }

    /// The start-up tasks still holding a [gate](super::Health::startup_gate), each name
    /// once, oldest first.
    pub fn closed_gates(&self) -> impl Iterator<Item = &str> {
        self.state.lifecycle.gates.closed()
    }

    /// The start-up tasks that panicked holding a [gate](super::Health::startup_gate): start-up
    /// has failed for good when there is one.
    pub fn panicked_gates(&self) -> impl Iterator<Item = &str> {
        self.state.lifecycle.gates.panicked()
    }

    /// Whether the service is draining before shutdown.
    pub fn is_draining(&self) -> bool {
        self.state.lifecycle.draining
    }

    /// The reason given to
    /// [`Health::mark_refusing_traffic`](super::Health::mark_refusing_traffic), while in
    /// force.
    pub fn refusing_reason(&self) -> Option<&str> {
        self.state.lifecycle.refusing.as_deref()
    }

    /// The reason given to
    /// [`Health::mark_in_maintenance`](super::Health::mark_in_maintenance), while in force.
    pub fn maintenance_reason(&self) -> Option<&str> {
        let maintenance = self.state.lifecycle.maintenance.as_ref();
        maintenance.map(|maintenance| maintenance.reason.as_str())
    }

    /// The reason given to [`Health::mark_broken`](super::Health::mark_broken), while in force.
    pub fn broken_reason(&self) -> Option<&str> {
        self.state.lifecycle.broken.as_deref()
    }

    /// Every component, by name in ascending order.
    pub fn components(&self) -> impl Iterator<Item = (&str, &Component)> {
        self.state
            .components
            .iter()
            .map(|(name, component)| (name.as_str(), component))
    }

    /// One component by name.
    pub fn component(&self, name: &str) -> Option<&Component> {
        self.state.components.get(name)
    }

    /// The verdict of a probe.
    pub fn status(&self, probe: Probe) -> Status {
        self.state.status(probe)
    }

    /// Whether a probe passes (answers 200): `ok`, or `degraded` unless the probe answers
    /// 503 when degraded ([`HealthBuilder::fail_when_degraded`](super::HealthBuilder::fail_when_degraded)).
    pub fn passes(&self, probe: Probe) -> bool {
        let target = Target::Probe(probe);
        self.state
            .passes(target, self.state.verdict(target, Scope::All))
    }

    /// The verdict of the [group](crate::model::Group) named `name`, if there is one.
    pub fn group_status(&self, name: &str) -> Option<Status> {
        let target = self.state.group(name)?;
        Some(self.state.verdict(target, Scope::All))
    }

    /// Whether the group named `name` passes (answers 200), if there is one.
    pub fn group_passes(&self, name: &str) -> Option<bool> {
        let target = self.state.group(name)?;
        Some(
            self.state
                .passes(target, self.state.verdict(target, Scope::All)),
        )
    }

    /// The groups, in the order they were registered.
    pub fn groups(&self) -> impl Iterator<Item = &Group> {
        self.state.groups.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::Variant;

    #[test]
    fn bodies_follow_the_state() {
        let mut state = State::default();
        let status = |snapshot: &Snapshot| {
            let startup = Probe::Startup.into();
            let body = snapshot
                .bodies
                .get(&snapshot.state, startup, Variant::DEFAULT);
            body.passing
        };
        assert!(!status(&Snapshot::new(state.clone(), 0)));
        state.lifecycle.started = true;
        assert!(status(&Snapshot::new(state, 1)));
    }
}
