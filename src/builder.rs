//! [`HealthBuilder`]: what a [`Health`] starts with.

use crate::Health;
use crate::snapshot::{Component, ComponentKind, State};

/// Configures a [`Health`]. Created by [`Health::builder`].
///
/// ```
/// use tower_health::{Health, Probe, Status};
///
/// let health = Health::builder()
///     .component("queue-consumer")
///     .non_critical_component("report-cache")
///     .build();
/// health.mark_started();
/// health.set_up("queue-consumer");
/// // The non-critical component is still unknown: degraded, but ready.
/// assert_eq!(health.snapshot().status(Probe::Readiness), Status::Degraded);
/// ```
#[derive(Debug, Default)]
#[must_use]
pub struct HealthBuilder {
    state: State,
}

impl HealthBuilder {
    /// Register a critical manual component. It is `unknown` (failing readiness) until the
    /// application calls [`Health::set_up`].
    pub fn component(self, name: impl Into<String>) -> Self {
        self.manual(name.into(), true)
    }

    /// Register a non-critical manual component: while it is not up the status is
    /// `degraded`, but readiness still passes.
    pub fn non_critical_component(self, name: impl Into<String>) -> Self {
        self.manual(name.into(), false)
    }

    fn manual(mut self, name: String, critical: bool) -> Self {
        self.state
            .components
            .insert(name, Component::new(ComponentKind::Manual, critical));
        self
    }

    /// Build the handle.
    pub fn build(self) -> Health {
        Health::from_state(self.state)
    }
}
