//! [`Transition`]: one component changing status, for listeners.

use std::time::Duration;

use super::status::ComponentStatus;

/// A component changed status. Received from
/// [`Health::transitions`](crate::health::Health::transitions).
///
/// Every transition is also logged through `tracing`: `info` when a component comes up,
/// `warn` (with the error text) when it goes down, with `(flapping)` while it flaps.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Transition {
    /// The component's name.
    pub name: String,
    /// Its status before.
    pub from: ComponentStatus,
    /// Its status now.
    pub to: ComponentStatus,
    /// The error behind a failing status, if any (never shown in public bodies by default).
    pub error: Option<String>,
    /// How long the status before lasted.
    pub lasted: Duration,
    /// Whether the component is flapping (changing status too often) after this change.
    pub flapping: bool,
    /// Whether this change is the one that made it flapping.
    pub started_flapping: bool,
}
