//! The manual component setters: the application says a part of it is up or down.

use super::Health;
use crate::model::component::{Component, ComponentKind};
use crate::model::owner::Owner;
use crate::model::probe_set::ProbeSet;
use crate::model::status::ComponentStatus;
use tokio::time::Instant;

impl Health {
    /// Mark a manual component (e.g. `"queue-consumer"`) passing. A name not registered with
    /// [`HealthBuilder::component`](super::HealthBuilder::component) is added as a critical
    /// component.
    pub fn mark_up(&self, name: &str) {
        self.set_component(name, ComponentStatus::Up, None);
    }

    /// Mark a manual component failing. The reason is kept in the snapshot and logged, but
    /// not shown in public bodies.
    pub fn mark_down(&self, name: &str, reason: impl Into<String>) {
        self.set_component(name, ComponentStatus::Down, Some(reason.into()));
    }

    /// Register the critical manual component `name`, counting for `probes` and up, unless
    /// a component by that name is registered already (then it is left as configured): how
    /// a part of the crate that watches something itself (the runtime watchdog) adds its
    /// components to a handle that is already built. Either way `owner` writes it from now
    /// on, so the application cannot [remove](Health::remove) it.
    #[cfg_attr(
        not(feature = "probe-server"),
        allow(
            dead_code,
            reason = "only the watchdog adds components to a built handle"
        )
    )]
    pub(crate) fn ensure_component(&self, name: &str, probes: ProbeSet, owner: Owner) {
        self.update(|state| {
            if let Some(component) = state.components.get_mut(name) {
                component.owner = Some(owner);
                return false;
            }
            let mut component = Component::new(ComponentKind::Manual, true);
            component.owner = Some(owner);
            component.probes = probes;
            component.status = ComponentStatus::Up;
            component.ever_up = true;
            state.components.insert(name.to_owned(), component);
            true
        });
    }

    fn set_component(&self, name: &str, status: ComponentStatus, error: Option<String>) {
        let mut flapping = false;
        self.update(|state| {
            let component = match state.components.get_mut(name) {
                Some(component) if component.kind != ComponentKind::Manual => {
                    tracing::warn!(
                        name,
                        "health: {name} is judged by tower-health; its status is not set by hand"
                    );
                    return false;
                }
                Some(component) => component,
                None => state
                    .components
                    .entry(name.to_owned())
                    .or_insert_with(|| Component::new(ComponentKind::Manual, true)),
            };
            let from = component.status;
            let changed = from != status || component.error != error;
            component.ever_up |= status.is_passing();
            component.status = status;
            component.error = error;
            if from != status {
                let transition = component.changed(name, from, Instant::now(), state.history);
                flapping = transition.flapping;
                self.announce(transition);
            }
            changed
        });
        if flapping {
            // Settling is time's business: without a check engine, no clock runs yet.
            self.start_clock();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::probe::Probe;
    use crate::model::status::Status;

    #[test]
    fn manual_components_flip_readiness() {
        let health = Health::default();
        health.mark_started();
        health.mark_down("consumer", "rebalancing");
        let snapshot = health.snapshot();
        assert_eq!(snapshot.status(Probe::Readiness), Status::Down);
        let component = snapshot.component("consumer").unwrap();
        assert_eq!(component.error(), Some("rebalancing"));
        assert_eq!(component.kind(), ComponentKind::Manual);
        health.mark_up("consumer");
        assert_eq!(health.snapshot().status(Probe::Readiness), Status::Ok);
        assert_eq!(
            health.snapshot().component("consumer").unwrap().error(),
            None
        );
    }

    #[test]
    fn an_ensured_component_counts_for_its_probes_only_and_keeps_a_registered_one() {
        let health = Health::builder()
            .component_for("kept", [Probe::Readiness])
            .build();
        health.mark_started();
        health.ensure_component(
            "runtime",
            ProbeSet::NONE.with(Probe::Liveness),
            Owner::Watchdog,
        );
        health.ensure_component(
            "kept",
            ProbeSet::NONE.with(Probe::Liveness),
            Owner::Watchdog,
        );
        let snapshot = health.snapshot();
        assert_eq!(snapshot.status(Probe::Liveness), Status::Ok);
        let runtime = snapshot.component("runtime").unwrap();
        assert_eq!(runtime.status(), ComponentStatus::Up);
        assert_eq!(runtime.probes(), ProbeSet::NONE.with(Probe::Liveness));
        assert_eq!(
            snapshot.component("kept").unwrap().probes(),
            ProbeSet::READINESS
        );
        health.mark_up("kept");
        health.mark_down("runtime", "stalled");
        assert_eq!(health.snapshot().status(Probe::Liveness), Status::Down);
        assert_eq!(health.snapshot().status(Probe::Readiness), Status::Ok);
    }

    #[test]
    fn a_check_is_not_marked_by_hand() {
        let health = Health::builder()
            .check("db", || async { Ok::<(), String>(()) })
            .build();
        health.mark_up("db");
        let snapshot = health.snapshot();
        assert_eq!(snapshot.version(), 0);
        assert_eq!(
            snapshot.component("db").unwrap().status(),
            ComponentStatus::Unknown
        );
    }
}
