//! [`Owner`]: a part of the crate that keeps a component of its own on the handle.

/// A part of tower-health that registers a component itself and keeps writing it: such a
/// component is not the application's to remove
/// ([`Health::remove`](crate::health::Health::remove) refuses it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Owner {
    /// The traffic observation ([`HealthBuilder::traffic`](crate::health::HealthBuilder::traffic)):
    /// its component (`traffic` unless named otherwise) is judged from every forwarded request.
    Traffic,
    /// The probe server's runtime watchdog (`runtime`, and `overload` when it watches
    /// the lag), which marks its components from its own thread.
    Watchdog,
}

impl std::fmt::Display for Owner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Owner::Traffic => "the traffic observation",
            Owner::Watchdog => "the runtime watchdog",
        })
    }
}
