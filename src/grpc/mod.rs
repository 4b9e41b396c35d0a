//! The standard gRPC health service (`grpc.health.v1.Health`, served by
//! [tonic-health](https://docs.rs/tonic-health)), driven by the same [`Health`] state as the
//! HTTP probes.
//!
//! A background task follows [`Health::subscribe`] and sets, on every new snapshot:
//!
//! | gRPC service name | `SERVING` when |
//! |---|---|
//! | `""` (the whole server) | readiness passes: started, not draining, not refusing traffic, every critical component up |
//! | each check or manual component, by its name | that component is up (`unknown` and `down` are `NOT_SERVING`), report-only ones included |
//! | each [group](crate::model::Group), by its name | the group passes, as its HTTP path answers 200 |
//!
//! While draining ([`Health::mark_draining`], or the signal behind [`Health::shutdown_signal`]) every
//! one of them answers `NOT_SERVING` at once. Any other name is `NOT_FOUND`.
//!
//! A check added while running ([`Health::add_check`]) gets its name on the next snapshot.
//! One [removed](Health::remove) turns `NOT_SERVING` (what its `Watch` streams see last),
//! then its name is cleared: `Check` answers `NOT_FOUND` and its `Watch` streams end.
//!
//! The task only reads snapshots: it never runs a check, and a `Check` call costs a map
//! look-up in tonic-health. It tells the reporter only what changed, so a `Watch` stream
//! sees one message per change. A check whose last result is too old to vouch for it (the
//! engine was stopped) turns `NOT_SERVING` when the state marks it stale.
//!
//! The task does not keep the state alive: once the last [`Health`] handle is dropped, every
//! name it set turns `NOT_SERVING` (nothing vouches for them any more) and the task ends.

/// The `grpc.health.v1` messages, server and client, generated from gRPC's
/// `proto/grpc/health/v1/health.proto` (with proposal A90's `List`) by tonic-prost-build, and
/// committed: building the crate needs no protoc.
#[rustfmt::skip]
#[allow(missing_docs, unreachable_pub, missing_debug_implementations, clippy::all)]
pub mod pb;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use tokio::sync::watch;
use tokio::task::JoinHandle;
use tonic_health::ServingStatus;
use tonic_health::pb::health_server::HealthServer;
use tonic_health::server::{HealthReporter, HealthService};

use crate::health::{Health, Snapshot};
use crate::model::probe::Probe;
use crate::model::scope::Scope;
use crate::model::state::State;
use crate::model::target::Target;

/// The gRPC health service for a tonic server, reporting `health`'s state.
///
/// It starts the background task that keeps the statuses up to date and returns once they
/// reflect the current snapshot, so the first `Check` already tells the truth. See the
/// [module documentation](self) for what each service name reports.
///
/// ```no_run
/// # async fn example() -> Result<(), Box<dyn std::error::Error>> {
/// use std::time::Duration;
/// use tonic::transport::Server;
/// use tower_health::{Health, HealthLayer};
///
/// let health = Health::builder().component("queue-consumer").build();
/// let grpc_health = tower_health::grpc::health_service(&health).await;
/// health.mark_started();
///
/// Server::builder()
///     .accept_http1(true) // kubelet HTTP probes on the gRPC port
///     .layer(HealthLayer::new(health.clone()))
///     .add_service(grpc_health)
///     .serve_with_shutdown(
///         "0.0.0.0:50051".parse()?,
///         health.shutdown_signal(Duration::from_secs(5)),
///     )
///     .await?;
/// # Ok(())
/// # }
/// ```
///
/// # Panics
///
/// When awaited outside a tokio runtime, like [`tokio::spawn`].
pub async fn health_service(health: &Health) -> HealthServer<HealthService> {
    let reporter = HealthReporter::new();
    let service = HealthService::from_health_reporter(reporter.clone());
    report(health, reporter).await;
    HealthServer::new(service)
}

/// Keep an existing tonic-health `reporter` up to date with `health`'s state, for a server
/// that reports services of its own through the same reporter.
///
/// The service name `""` and the names of `health`'s components belong to this task from now
/// on; other names stay the application's. It returns once the reporter reflects the current
/// snapshot, with the task's handle: the task ends after the last [`Health`] handle is
/// dropped, or when aborted.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use std::time::Duration;
/// use tonic::Request;
/// use tonic_health::pb::health_check_response::ServingStatus;
/// use tonic_health::pb::health_server::Health as _;
/// use tonic_health::pb::HealthCheckRequest;
/// use tonic_health::server::{HealthReporter, HealthService};
/// use tower_health::Health;
///
/// let health = Health::builder().component("queue-consumer").build();
/// let reporter = HealthReporter::new();
/// let service = HealthService::from_health_reporter(reporter.clone());
/// let task = tower_health::grpc::report(&health, reporter).await;
///
/// let check = |name: &str| {
///     let request = Request::new(HealthCheckRequest { service: name.into() });
///     let service = &service;
///     async move { service.check(request).await.unwrap().into_inner().status() }
/// };
/// assert_eq!(check("").await, ServingStatus::NotServing); // not started yet
/// assert_eq!(check("queue-consumer").await, ServingStatus::NotServing);
///
/// health.mark_started();
/// health.mark_up("queue-consumer");
/// tokio::time::sleep(Duration::from_millis(50)).await; // the task runs concurrently
/// assert_eq!(check("").await, ServingStatus::Serving);
/// assert_eq!(check("queue-consumer").await, ServingStatus::Serving);
///
/// drop(health); // the last handle: the task ends
/// task.await.unwrap();
/// assert_eq!(check("").await, ServingStatus::NotServing);
/// # }
/// ```
///
/// # Panics
///
/// When awaited outside a tokio runtime, like [`tokio::spawn`].
pub async fn report(health: &Health, mut reporter: HealthReporter) -> JoinHandle<()> {
    let mut changes = health.subscribe();
    let mut reported = Reported::default();
    let snapshot = changes.borrow_and_update().clone();
    reported.sync(&mut reporter, &snapshot).await;
    // Only the receiver moves into the task: it does not keep the state alive.
    tokio::spawn(follow(changes, reporter, reported))
}

/// Follow the snapshots until the last handle is gone.
async fn follow(
    mut changes: watch::Receiver<Arc<Snapshot>>,
    mut reporter: HealthReporter,
    mut reported: Reported,
) {
    while changes.changed().await.is_ok() {
        let snapshot = changes.borrow_and_update().clone();
        reported.sync(&mut reporter, &snapshot).await;
    }
    reported.close(&reporter).await;
}

/// What the reporter was last told, so it is told only changes: tonic-health notifies its
/// `Watch` streams on every call, changed or not.
#[derive(Debug, Default)]
struct Reported(HashMap<String, ServingStatus>);

impl Reported {
    /// Tell the reporter what changed in `snapshot`, clearing the names it no longer has
    /// (removed components), after a last `NOT_SERVING` for their watchers.
    async fn sync(&mut self, reporter: &mut HealthReporter, snapshot: &Snapshot) {
        let mut count = 0;
        for (name, status) in serving_statuses(&snapshot.state) {
            self.set(reporter, name, status).await;
            count += 1;
        }
        // Every name of the snapshot is now among those told: as many, none is gone.
        if count == self.0.len() {
            return;
        }
        let current: HashSet<&str> = serving_statuses(&snapshot.state)
            .map(|(name, _)| name)
            .collect();
        let gone: Vec<String> = (self.0.keys())
            .filter(|name| !current.contains(name.as_str()))
            .cloned()
            .collect();
        for name in gone {
            self.set(reporter, &name, ServingStatus::NotServing).await;
            reporter.clear_service_status(&name).await;
            self.0.remove(&name);
        }
    }

    /// Every name this task set turns `NOT_SERVING`.
    async fn close(&mut self, reporter: &HealthReporter) {
        let names: Vec<String> = self.0.keys().cloned().collect();
        for name in names {
            self.set(reporter, &name, ServingStatus::NotServing).await;
        }
    }

    async fn set(&mut self, reporter: &HealthReporter, name: &str, status: ServingStatus) {
        if self.0.get(name) == Some(&status) {
            return;
        }
        reporter.set_service_status(name, status).await;
        self.0.insert(name.to_owned(), status);
    }
}

/// The status of `""` (first), of every component, and of every group.
fn serving_statuses(state: &State) -> impl Iterator<Item = (&str, ServingStatus)> {
    let passes = |target: Target| state.passes(target, state.verdict(target, Scope::All));
    let overall = serving(passes(Target::Probe(Probe::Readiness)));
    let draining = state.lifecycle.draining;
    let components = state.components.iter().map(move |(name, component)| {
        (
            name.as_str(),
            serving(!draining && component.status.is_passing()),
        )
    });
    let groups = (0..state.groups.len()).map(Target::Group);
    let groups = groups.map(move |group| (state.name(group), serving(passes(group))));
    std::iter::once(("", overall))
        .chain(components)
        .chain(groups)
}

fn serving(yes: bool) -> ServingStatus {
    if yes {
        ServingStatus::Serving
    } else {
        ServingStatus::NotServing
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::component::{Component, ComponentKind};
    use crate::model::status::ComponentStatus;

    fn state(started: bool, draining: bool, components: &[(&str, ComponentStatus)]) -> State {
        let mut state = State::default();
        state.lifecycle.started = started;
        state.lifecycle.draining = draining;
        for &(name, status) in components {
            let mut component = Component::new(ComponentKind::Manual, true);
            component.status = status;
            state.components.insert(name.to_owned(), component);
        }
        state
    }

    fn statuses(state: &State) -> Vec<(&str, ServingStatus)> {
        serving_statuses(state).collect()
    }

    use ServingStatus::{NotServing, Serving};

    #[test]
    fn overall_follows_readiness_and_components_their_own_status() {
        let s = state(false, false, &[("db", ComponentStatus::Up)]);
        assert_eq!(statuses(&s), [("", NotServing), ("db", Serving)]);
        let s = state(
            true,
            false,
            &[("db", ComponentStatus::Up), ("q", ComponentStatus::Unknown)],
        );
        assert_eq!(
            statuses(&s),
            [("", NotServing), ("db", Serving), ("q", NotServing)]
        );
        let s = state(true, false, &[("db", ComponentStatus::Up)]);
        assert_eq!(statuses(&s), [("", Serving), ("db", Serving)]);
    }

    #[test]
    fn a_failing_non_critical_component_keeps_the_server_serving() {
        let mut s = state(true, false, &[]);
        let mut search = Component::new(ComponentKind::Manual, false);
        search.status = ComponentStatus::Down;
        s.components.insert("search".into(), search);
        assert_eq!(statuses(&s), [("", Serving), ("search", NotServing)]);
    }

    #[test]
    fn draining_turns_everything_not_serving() {
        let s = state(true, true, &[("db", ComponentStatus::Up)]);
        assert_eq!(statuses(&s), [("", NotServing), ("db", NotServing)]);
    }

    #[test]
    fn groups_are_service_names_and_report_only_components_too() {
        let mut s = state(true, false, &[("db", ComponentStatus::Up)]);
        let mut search = Component::new(ComponentKind::Check, true);
        search.status = ComponentStatus::Down;
        search.probes = crate::model::probe_set::ProbeSet::NONE;
        s.components.insert("search".into(), search);
        s.groups = vec![
            crate::model::group::Group::new("lb", "/lbz").members(["db"]),
            crate::model::group::Group::new("deep", "/deep").members(["db", "search"]),
        ]
        .into();
        assert_eq!(
            statuses(&s),
            [
                ("", Serving),
                ("db", Serving),
                ("search", NotServing),
                ("lb", Serving),
                ("deep", NotServing),
            ]
        );
    }

    #[tokio::test]
    async fn a_removed_name_is_cleared_after_a_last_not_serving() {
        use tonic::Request;
        use tonic_health::pb::HealthCheckRequest;
        use tonic_health::pb::health_check_response::ServingStatus as Answer;
        use tonic_health::pb::health_server::Health as _;

        let mut reporter = HealthReporter::new();
        let service = HealthService::from_health_reporter(reporter.clone());
        let check = |name: &str| {
            let request = Request::new(HealthCheckRequest {
                service: name.into(),
            });
            let service = &service;
            async move {
                service
                    .check(request)
                    .await
                    .map(|r| r.into_inner().status())
            }
        };
        let mut reported = Reported::default();
        let up = ComponentStatus::Up;
        let both = state(true, false, &[("db", up), ("q", up)]);
        reported.sync(&mut reporter, &Snapshot::new(both, 0)).await;
        assert_eq!(check("q").await.unwrap(), Answer::Serving);
        let one = state(true, false, &[("db", up)]);
        reported.sync(&mut reporter, &Snapshot::new(one, 1)).await;
        assert_eq!(check("db").await.unwrap(), Answer::Serving);
        let missing = check("q").await.unwrap_err();
        assert_eq!(missing.code(), tonic::Code::NotFound);
        let mut told: Vec<_> = reported.0.keys().cloned().collect();
        told.sort();
        assert_eq!(told, ["", "db"], "nothing kept of q");
    }
}
