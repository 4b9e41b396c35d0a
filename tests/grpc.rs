//! The gRPC health service (`tower_health::grpc`, feature `grpc`) over real sockets, read
//! with the crate's own client and with tonic-health's. (`List`: tests/grpc_list.rs; through
//! `examples/tonic.rs`: tests/examples/tonic.rs.)

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use common::NO_HANG;
use common::client::fetch;
use common::grpc::{check, connect, next, wait_for, watch};
use common::serve::{ephemeral_listener, serve_tonic};
use http::StatusCode;
use tonic::Code;
use tonic::transport::Server;
use tonic::transport::server::TcpIncoming;
use tower_health::grpc::pb::health_check_response::ServingStatus;
use tower_health::{ComponentStatus, Health, NamedCheck};

use ServingStatus::{NotServing, Serving};

/// `health` behind the layer, with its gRPC health service, on one port.
async fn serve(health: &Health) -> SocketAddr {
    serve_tonic(health, tower_health::grpc::health_service(health).await).await
}

#[tokio::test]
async fn manual_components_lifecycle_and_drain_drive_the_grpc_statuses() {
    let health = Health::builder().component("queue").build();
    let addr = serve(&health).await;
    let mut client = connect(addr).await;

    // The first call already tells the truth: not started, the queue has not reported.
    assert_eq!(check(&mut client, "").await, Ok(NotServing));
    assert_eq!(check(&mut client, "queue").await, Ok(NotServing));
    let mut overall = watch(&mut client, "").await;
    let mut queue = watch(&mut client, "queue").await;
    assert_eq!(next(&mut overall).await, NotServing);
    assert_eq!(next(&mut queue).await, NotServing);

    // A component has a status of its own; the server is not ready before it started.
    health.mark_up("queue");
    assert_eq!(next(&mut queue).await, Serving);
    wait_for(&mut client, "queue", Serving).await;
    assert_eq!(check(&mut client, "").await, Ok(NotServing));

    // Only changes reach the watchers: had the unchanged "" been re-sent on the queue's
    // change, this would read NOT_SERVING again.
    health.mark_started();
    assert_eq!(next(&mut overall).await, Serving);
    wait_for(&mut client, "", Serving).await;
    assert_eq!(fetch(addr, "/readyz").await.status, StatusCode::OK);

    // A critical component down takes the server out; back up brings it back.
    health.mark_down("queue", "consumer lag");
    assert_eq!(next(&mut queue).await, NotServing);
    assert_eq!(next(&mut overall).await, NotServing);
    health.mark_up("queue");
    assert_eq!(next(&mut queue).await, Serving);
    assert_eq!(next(&mut overall).await, Serving);

    // Draining: everything NOT_SERVING at once; liveness over HTTP unaffected.
    health.mark_draining();
    assert_eq!(next(&mut overall).await, NotServing);
    assert_eq!(next(&mut queue).await, NotServing);
    assert_eq!(check(&mut client, "").await, Ok(NotServing));
    assert_eq!(check(&mut client, "queue").await, Ok(NotServing));
    assert_eq!(fetch(addr, "/healthz").await.status, StatusCode::OK);
    assert_eq!(
        fetch(addr, "/readyz").await.status,
        StatusCode::SERVICE_UNAVAILABLE
    );

    // Names that are neither "" nor a component are not registered.
    assert_eq!(check(&mut client, "nope").await, Err(Code::NotFound));
}

#[tokio::test]
async fn a_failing_non_critical_check_is_not_serving_while_the_server_is() {
    let health = Health::builder()
        .add_check(
            NamedCheck::new("search", || async { Err::<(), _>("index offline") }).non_critical(),
        )
        .initial_jitter(Duration::ZERO)
        .build();
    health.mark_started();
    health.start_checks();
    let addr = serve(&health).await;
    let mut client = connect(addr).await;

    // Unknown until its first result: not ready. Then down, but only non-critical:
    // readiness passes (degraded), so the server is SERVING and the check alone is not.
    health
        .subscribe()
        .wait_for(|s| s.component("search").unwrap().status() == ComponentStatus::Down)
        .await
        .unwrap();
    wait_for(&mut client, "", Serving).await;
    assert_eq!(check(&mut client, "search").await, Ok(NotServing));
    assert_eq!(fetch(addr, "/readyz").await.json()["status"], "degraded");
}

#[tokio::test]
async fn checks_turn_not_serving_when_their_results_go_stale() {
    let health = Health::builder()
        .check("cache", || async { Ok::<(), String>(()) })
        .interval(Duration::from_millis(50))
        .timeout(Duration::from_millis(50))
        .build();
    health.mark_started();
    health.start_checks();
    let addr = serve(&health).await;
    let mut client = connect(addr).await;
    wait_for(&mut client, "cache", Serving).await;
    assert_eq!(check(&mut client, "").await, Ok(Serving));

    // Nothing publishes once the engine stops, and nothing here reads the state through the
    // handle (no HTTP probe): the bridge itself notices the last result is too old.
    health.stop_checks();
    wait_for(&mut client, "cache", NotServing).await;
    assert_eq!(check(&mut client, "").await, Ok(NotServing));
}

#[tokio::test]
async fn the_reporter_task_does_not_keep_the_state_alive() {
    let health = Health::builder().component("queue").build();
    health.mark_started();
    health.mark_up("queue");
    let reporter = tonic_health::server::HealthReporter::new();
    let service = tonic_health::server::HealthService::from_health_reporter(reporter.clone());
    let task = tower_health::grpc::report(&health, reporter).await;
    let (listener, addr) = ephemeral_listener().await;
    tokio::spawn(
        Server::builder()
            .add_service(tonic_health::pb::health_server::HealthServer::new(service))
            .serve_with_incoming(TcpIncoming::from(listener)),
    );
    let mut client = connect(addr).await;
    assert_eq!(check(&mut client, "").await, Ok(Serving));
    assert_eq!(check(&mut client, "queue").await, Ok(Serving));

    // The task holds no handle: dropping the last one ends it (a handle held by the task
    // would hang here).
    drop(health);
    tokio::time::timeout(NO_HANG, task)
        .await
        .expect("the reporter task outlived the last handle")
        .unwrap();
    // Nothing vouches for the statuses any more.
    assert_eq!(check(&mut client, "").await, Ok(NotServing));
    assert_eq!(check(&mut client, "queue").await, Ok(NotServing));
}

#[tokio::test]
async fn groups_and_report_only_components_are_grpc_service_names() {
    let health = Health::builder()
        .component("database")
        .component_for("search", [])
        .group(tower_health::Group::new("lb", "/lbz").members(["database"]))
        .build();
    health.mark_started();
    let addr = serve(&health).await;
    let mut client = connect(addr).await;
    assert_eq!(check(&mut client, "lb").await, Ok(NotServing));

    health.mark_up("database");
    health.mark_down("search", "index offline");
    wait_for(&mut client, "lb", Serving).await;
    assert_eq!(
        check(&mut client, "").await,
        Ok(Serving),
        "search is report-only"
    );
    assert_eq!(check(&mut client, "search").await, Ok(NotServing));
    assert_eq!(fetch(addr, "/lbz").await.status, StatusCode::OK);

    health.mark_draining();
    wait_for(&mut client, "lb", NotServing).await;
}

#[tokio::test]
async fn tonic_health_clients_read_the_crates_own_service() {
    use tonic_health::pb::HealthCheckRequest;
    use tonic_health::pb::health_check_response::ServingStatus as Theirs;
    use tonic_health::pb::health_client::HealthClient;

    let health = Health::builder().component("queue").build();
    health.mark_started();
    let addr = serve(&health).await;
    let endpoint = tonic::transport::Endpoint::from_shared(format!("http://{addr}")).unwrap();
    let mut client = HealthClient::new(endpoint.connect().await.unwrap());
    let request = |name: &str| HealthCheckRequest {
        service: name.into(),
    };
    let answer = client.check(request("queue")).await.unwrap().into_inner();
    assert_eq!(answer.status(), Theirs::NotServing);
    let mut queue = client.watch(request("queue")).await.unwrap().into_inner();
    let first = queue.message().await.unwrap().unwrap();
    assert_eq!(first.status(), Theirs::NotServing);
    health.mark_up("queue");
    let next = tokio::time::timeout(NO_HANG, queue.message())
        .await
        .unwrap();
    assert_eq!(next.unwrap().unwrap().status(), Theirs::Serving);
    let unknown = client.check(request("nope")).await.unwrap_err();
    assert_eq!(unknown.code(), Code::NotFound);
}
