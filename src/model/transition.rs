//! [`Transition`]: one component changing status, for listeners.

use super::status::ComponentStatus;

/// A component changed status. Received from
/// [`Health::transitions`](crate::health::Health::transitions).
///
/// Every transition is also logged through `tracing`: `info` when a component comes up,
/// `warn` (with the error text) when it goes down.
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
}

impl Transition {
    pub(crate) fn new(
        name: &str,
        from: ComponentStatus,
        to: ComponentStatus,
        error: Option<&str>,
    ) -> Self {
        Transition {
            name: name.to_owned(),
            from,
            to,
            error: error.map(str::to_owned),
        }
    }
}
