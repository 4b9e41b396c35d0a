//! [`ProbeSet`]: the built-in probes a component counts for.

use super::probe::Probe;

/// The built-in probes a check or manual component counts for: readiness by default;
/// liveness instead or as well, startup, or none at all (report-only: shown in `/health`,
/// verbose views, metrics, gRPC and transitions, never failing a probe).
///
/// [`Probe::Combined`] has the readiness verdict, so counting for it is counting for
/// readiness.
///
/// ```
/// use tower_health::Probe;
/// use tower_health::model::ProbeSet;
///
/// let set = ProbeSet::from_iter([Probe::Readiness, Probe::Liveness]);
/// assert!(set.contains(Probe::Liveness));
/// assert!(set.contains(Probe::Combined));
/// assert!(!set.contains(Probe::Startup));
/// assert!(ProbeSet::NONE.is_empty());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ProbeSet(u8);

impl ProbeSet {
    /// No probe: report-only.
    pub const NONE: ProbeSet = ProbeSet(0);
    /// Readiness (and so the combined probe): the default.
    pub const READINESS: ProbeSet = ProbeSet(1 << Probe::Readiness.index());

    const fn bit(probe: Probe) -> u8 {
        match probe {
            Probe::Combined => 1 << Probe::Readiness.index(),
            probe => 1 << probe.index(),
        }
    }

    /// This set with `probe` added.
    pub const fn with(self, probe: Probe) -> ProbeSet {
        ProbeSet(self.0 | Self::bit(probe))
    }

    /// Whether it counts for `probe`.
    pub const fn contains(self, probe: Probe) -> bool {
        self.0 & Self::bit(probe) != 0
    }

    /// Whether it counts for no probe (report-only).
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The probes in the set, in [`Probe::ALL`] order (without the combined probe, which
    /// follows readiness).
    pub fn iter(self) -> impl Iterator<Item = Probe> {
        [Probe::Liveness, Probe::Readiness, Probe::Startup]
            .into_iter()
            .filter(move |probe| self.contains(*probe))
    }
}

impl Default for ProbeSet {
    fn default() -> Self {
        ProbeSet::READINESS
    }
}

impl FromIterator<Probe> for ProbeSet {
    fn from_iter<I: IntoIterator<Item = Probe>>(probes: I) -> Self {
        probes.into_iter().fold(ProbeSet::NONE, ProbeSet::with)
    }
}

impl std::fmt::Debug for ProbeSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}
