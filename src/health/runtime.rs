//! Checks added and removed while the service runs: through the state like every other
//! change, and through the engine's mailbox to start or stop the check's loop alone.

use super::change_error::{AddError, Holder, RemoveError};
use super::{Health, registry};
use crate::checks::NamedCheck;
use crate::model::component::ComponentKind;
use crate::model::probe::Probe;
use crate::model::state::State;

impl Health {
    /// Register a check on a built handle, running or not: the next snapshot lists it
    /// (`unknown` until its first result, so a critical readiness member fails readiness
    /// until then), and a running engine starts it at once, alone, with the same rules as
    /// the checks it started with: the builder's defaults for what the check leaves unset,
    /// its [initial jitter](NamedCheck::initial_jitter) before the first run, its interval
    /// and down interval with their jitter after. Before
    /// [`start_checks`](Health::start_checks) it simply joins the checks the engine will
    /// start.
    ///
    /// Bodies, groups that name it, gRPC statuses, metrics and the status page follow from
    /// the next snapshot; probes and forwarded requests pay nothing for the change.
    ///
    /// A name already taken, by a check, a component (the application's, the traffic
    /// component, the watchdog's) or a [group](crate::Group), is refused: nothing is ever
    /// replaced silently ([`remove`](Health::remove) it first). So is an invalid name, and a
    /// check counting for [`Probe::Startup`] once startup has passed (a latch a new member
    /// would undo).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use std::time::Duration;
    /// use tower_health::{Health, NamedCheck, Probe, Status};
    ///
    /// let health = Health::builder().build();
    /// health.mark_started();
    /// health.start_checks();
    ///
    /// let search = NamedCheck::new("search", || async { Ok::<(), String>(()) })
    ///     .initial_jitter(Duration::ZERO);
    /// health.add_check(search).unwrap();
    /// // Unknown until its first result: readiness waits for it.
    /// assert_eq!(health.snapshot().status(Probe::Readiness), Status::Down);
    /// let mut changes = health.subscribe();
    /// changes.wait_for(|s| s.status(Probe::Readiness) == Status::Ok).await.unwrap();
    ///
    /// // The name is taken.
    /// let again = NamedCheck::new("search", || async { Ok::<(), String>(()) });
    /// assert!(health.add_check(again).is_err());
    /// # }
    /// ```
    pub fn add_check(&self, check: NamedCheck) -> Result<(), AddError> {
        let name = check.name().to_owned();
        if let Some(reason) = registry::invalid_name(&check) {
            return Err(AddError::InvalidName { name, reason });
        }
        let gates_startup = check.probes.contains(Probe::Startup);
        let scheduled = self
            .inner
            .defaults
            .schedule(name.as_str().into(), &check, gates_startup);
        let mut outcome = Ok(());
        self.update(|state| {
            if let Some(by) = holder(state, &name) {
                outcome = Err(AddError::NameTaken {
                    name: name.clone(),
                    by,
                });
                return false;
            }
            if gates_startup && state.is_started() {
                outcome = Err(AddError::StartupPassed { name: name.clone() });
                return false;
            }
            let component = registry::component_of(&check);
            state.components.insert(name.clone(), component);
            self.shorten_refresh_margin(scheduled.interval);
            // Under the state's lock: an engine starting now takes it, or hears of it.
            self.registry().add(scheduled);
            true
        });
        outcome?;
        tracing::info!(name, "health: {name} added");
        Ok(())
    }

    /// Remove the check or manual component `name`: the next snapshot no longer has it,
    /// and for a check the running engine aborts its loop at once, dropping a run in
    /// flight (its future, so its connection closes); a result it was about to report is
    /// discarded. Nothing of it stays on the handle. Removing a check that has not started
    /// yet only takes it out of the set the engine will start.
    ///
    /// Bodies, gRPC statuses (its service name leaves `List`, `Check` answers `NOT_FOUND`) and
    /// the status page follow from the next snapshot. Its metric series are no longer written: an exporter
    /// drops them through its idle timeout (the `metrics` module, feature `metrics`, says how).
    /// A [group](crate::Group) that names it goes on without it, and its `?verbose` body
    /// says the member is not registered; adding a check by that name again brings it
    /// back into the group. A manual component comes back with the next
    /// [`mark_up`](Health::mark_up) or [`mark_down`](Health::mark_down) of its name.
    ///
    /// A component a part of tower-health keeps (the traffic component, the runtime
    /// watchdog's `runtime` and `overload`) is refused: that part would go on writing it.
    ///
    /// ```
    /// use tower_health::health::RemoveError;
    /// use tower_health::{Health, Probe, Status};
    ///
    /// let health = Health::builder()
    ///     .check("legacy-search", || async { Ok::<(), String>(()) })
    ///     .build();
    /// health.mark_started();
    /// assert_eq!(health.snapshot().status(Probe::Readiness), Status::Down); // unknown
    ///
    /// health.remove("legacy-search").unwrap();
    /// assert!(health.snapshot().component("legacy-search").is_none());
    /// assert_eq!(health.snapshot().status(Probe::Readiness), Status::Ok);
    /// assert_eq!(
    ///     health.remove("legacy-search"),
    ///     Err(RemoveError::Unknown { name: "legacy-search".into() })
    /// );
    /// ```
    pub fn remove(&self, name: &str) -> Result<(), RemoveError> {
        let mut outcome = Ok(());
        let mut groups = Vec::new();
        self.update(|state| {
            let Some(component) = state.components.get(name) else {
                let name = name.to_owned();
                outcome = Err(RemoveError::Unknown { name });
                return false;
            };
            if let Some(by) = component.owner {
                let name = name.to_owned();
                outcome = Err(RemoveError::Owned { name, by });
                return false;
            }
            if component.kind == ComponentKind::Check {
                // Under the state's lock: a result of it that waits for the lock is dropped.
                self.registry().remove(name);
            }
            state.components.remove(name);
            groups.extend(
                state
                    .groups
                    .iter()
                    .filter(|group| group.member_names().any(|member| member == name))
                    .map(|group| group.name().to_owned()),
            );
            true
        });
        outcome?;
        if groups.is_empty() {
            tracing::info!(name, "health: {name} removed");
        } else {
            let groups = groups.join(", ");
            tracing::info!(
                name,
                "health: {name} removed; groups {groups} go on without it"
            );
        }
        Ok(())
    }
}

/// What has `name`, if anything does.
fn holder(state: &State, name: &str) -> Option<Holder> {
    if let Some(component) = state.components.get(name) {
        return Some(match (component.owner, component.kind) {
            (Some(owner), _) => Holder::Owned(owner),
            (None, ComponentKind::Check) => Holder::Check,
            (None, _) => Holder::Component,
        });
    }
    let group = state.groups.iter().any(|group| group.name() == name);
    group.then_some(Holder::Group)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::model::group::Group;
    use crate::model::owner::Owner;
    use crate::model::status::{ComponentStatus, Status};
    use crate::model::traffic::Traffic;

    fn passing(name: &str) -> NamedCheck {
        NamedCheck::new(name, || async { Ok::<(), String>(()) })
    }

    fn taken(name: &str, by: Holder) -> Result<(), AddError> {
        let name = name.to_owned();
        Err(AddError::NameTaken { name, by })
    }

    #[test]
    fn a_check_added_before_the_engine_joins_the_set() {
        let health = Health::builder().add_check(passing("db")).build();
        health.add_check(passing("search").non_critical()).unwrap();
        let names: Vec<String> = health.checks().iter().map(|c| c.name.to_string()).collect();
        assert_eq!(names, ["db", "search"]);
        let snapshot = health.snapshot();
        let search = snapshot.component("search").unwrap();
        assert_eq!(search.kind(), ComponentKind::Check);
        assert_eq!(search.status(), ComponentStatus::Unknown);
        assert!(!search.is_critical());
        assert_eq!(snapshot.version(), 1, "one change, one snapshot");
    }

    #[test]
    fn a_taken_name_is_refused_and_nothing_changes() {
        let health = Health::builder()
            .add_check(passing("db"))
            .component("queue")
            .traffic(Traffic::new())
            .group(Group::new("lb", "/lbz").members(["db"]))
            .build();
        let version = health.snapshot().version();
        assert_eq!(health.add_check(passing("db")), taken("db", Holder::Check));
        assert_eq!(
            health.add_check(passing("queue")),
            taken("queue", Holder::Component)
        );
        assert_eq!(
            health.add_check(passing("traffic")),
            taken("traffic", Holder::Owned(Owner::Traffic))
        );
        assert_eq!(health.add_check(passing("lb")), taken("lb", Holder::Group));
        assert_eq!(health.snapshot().version(), version);
        assert_eq!(health.checks().len(), 1);
        let message = health.add_check(passing("db")).unwrap_err().to_string();
        assert_eq!(message, "\"db\" is taken by a check");
    }

    #[test]
    fn invalid_names_are_refused() {
        let health = Health::default();
        let error = health.add_check(passing("")).unwrap_err();
        assert!(matches!(error, AddError::InvalidName { .. }), "{error:?}");
        let error = health.add_check(passing("a b").shared()).unwrap_err();
        assert_eq!(
            error.to_string(),
            "the shared check \"a b\" must be usable in a path"
        );
        assert!(health.snapshot().components().next().is_none());
    }

    #[test]
    fn a_startup_member_is_refused_once_startup_has_passed() {
        let health = Health::default();
        let migrations = || passing("migrations").probes([Probe::Startup]);
        health.add_check(migrations()).unwrap();
        health.remove("migrations").unwrap();
        health.mark_started();
        assert_eq!(
            health.add_check(migrations()),
            Err(AddError::StartupPassed {
                name: "migrations".into()
            })
        );
        assert_eq!(health.snapshot().status(Probe::Startup), Status::Ok);
        health.add_check(passing("migrations")).unwrap();
    }

    #[test]
    fn removing_takes_the_check_out_of_the_state_and_the_set() {
        let health = Health::builder()
            .add_check(passing("db"))
            .add_check(passing("search"))
            .component("queue")
            .build();
        let search = health.checks()[1].clone();
        health.mark_started();
        health.mark_up("queue");
        health.remove("db").unwrap();
        health.remove("search").unwrap();
        assert!(search.is_retired(), "a result in flight is dropped");
        assert!(health.checks().is_empty());
        assert_eq!(health.snapshot().status(Probe::Readiness), Status::Ok);
        health.remove("queue").unwrap();
        assert!(health.snapshot().components().next().is_none());
        assert_eq!(
            health.remove("queue"),
            Err(RemoveError::Unknown {
                name: "queue".into()
            })
        );
        // A name freed is a name to take again.
        health.add_check(passing("db")).unwrap();
        assert_eq!(health.checks().len(), 1);
    }

    #[test]
    fn the_handle_s_own_components_are_not_removed() {
        let health = Health::builder().traffic(Traffic::new()).build();
        assert_eq!(
            health.remove("traffic"),
            Err(RemoveError::Owned {
                name: "traffic".into(),
                by: Owner::Traffic
            })
        );
        let runtime = crate::model::probe_set::ProbeSet::NONE.with(Probe::Liveness);
        health.ensure_component("runtime", runtime, Owner::Watchdog);
        let error = health.remove("runtime").unwrap_err();
        assert_eq!(
            error.to_string(),
            "\"runtime\" is kept by the runtime watchdog, not removed by hand"
        );
        assert!(health.snapshot().component("runtime").is_some());
    }

    #[test]
    fn a_group_goes_on_without_a_removed_member_and_takes_it_back() {
        let health = Health::builder()
            .add_check(passing("db"))
            .component("cache")
            .group(Group::new("lb", "/lbz").members(["db", "cache"]))
            .build();
        health.mark_started();
        health.mark_up("cache");
        assert_eq!(health.snapshot().group_status("lb"), Some(Status::Down));
        health.remove("db").unwrap();
        assert_eq!(health.snapshot().group_status("lb"), Some(Status::Ok));
        health.add_check(passing("db")).unwrap();
        assert_eq!(health.snapshot().group_status("lb"), Some(Status::Down));
    }

    #[test]
    fn an_added_check_shortens_the_refresh_margin() {
        let health = Health::default();
        assert_eq!(health.refresh_margin(), Duration::ZERO);
        let every = |name, secs| passing(name).interval(Duration::from_secs(secs));
        health.add_check(every("a", 10)).unwrap();
        assert_eq!(health.refresh_margin(), Duration::from_secs(10));
        health.add_check(every("b", 3)).unwrap();
        health.add_check(every("c", 7)).unwrap();
        assert_eq!(health.refresh_margin(), Duration::from_secs(3));
    }
}
