//! [`Target`]: what a verdict and a body are for: a built-in probe or a group.

use super::probe::Probe;

/// What a verdict and a body are for: one of the built-in probes, or a group by its
/// position in the state's groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Target {
    Probe(Probe),
    Group(usize),
}

impl Target {
    /// Position among every target: the built-in probes first, then the groups.
    pub(crate) const fn index(self) -> usize {
        match self {
            Target::Probe(probe) => probe.index(),
            Target::Group(group) => Probe::ALL.len() + group,
        }
    }

    /// The built-in probe, if it is one.
    pub(crate) const fn probe(self) -> Option<Probe> {
        match self {
            Target::Probe(probe) => Some(probe),
            Target::Group(_) => None,
        }
    }
}

impl From<Probe> for Target {
    fn from(probe: Probe) -> Self {
        Target::Probe(probe)
    }
}
