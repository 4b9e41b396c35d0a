//! The builder's fleet: the peers asked about a shared check that fails here.

use std::sync::Arc;

use super::HealthBuilder;
use crate::fleet::{Asking, Peers};

impl HealthBuilder {
    /// Ask `peers`, the other replicas of the service, about every
    /// [shared](crate::checks::NamedCheck::shared) check that fails here: when most of those
    /// that answer see it down too, the outage is fleet-wide and readiness holds (status
    /// `degraded`, the check still down in the body); when they see it up, or none answers,
    /// readiness fails as it would without peers. Liveness is never affected. Each failing
    /// shared check asks up to k peers per run (k per check, not per replica). A held
    /// readiness is `degraded`, so
    /// [`fail_when_degraded(Probe::Readiness)`](HealthBuilder::fail_when_degraded) cancels
    /// the hold. The [`fleet`](crate::fleet) module has the whole story.
    ///
    /// ```
    /// use tower_health::fleet::Peers;
    /// use tower_health::{Health, NamedCheck};
    ///
    /// let database = || async { Ok::<(), String>(()) };
    /// let health = Health::builder()
    ///     .add_check(NamedCheck::new("database", database).shared())
    ///     .peers(Peers::new(["tower-health-peers:9090"]))
    ///     .build();
    /// ```
    pub fn peers(mut self, peers: Peers) -> Self {
        let asking = Asking::new(peers, self.fleetwide.instance.clone());
        self.fleetwide.fleet = Some(Arc::new(asking));
        self
    }
}
