//! The gRPC health service (`tower_health::grpc`, feature `tonic`) over real sockets, read
//! with tonic-health's own client: in process, and through `examples/tonic.rs` with real
//! Redis and PostgreSQL.

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use common::deps::{Redis, database_url};
use common::{Example, NO_HANG, fetch, wait_for_status};
use http::StatusCode;
use tonic::transport::server::TcpIncoming;
use tonic::transport::{Channel, Server};
use tonic::{Code, Streaming};
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;
use tonic_health::pb::{HealthCheckRequest, HealthCheckResponse};
use tower_health::{ComponentStatus, Health, HealthLayer, NamedCheck};

use ServingStatus::{NotServing, Serving};

async fn connect(addr: SocketAddr) -> HealthClient<Channel> {
    common::grpc_health_client(addr).await
}

fn request(service: &str) -> HealthCheckRequest {
    HealthCheckRequest {
        service: service.into(),
    }
}

/// One `Check` call.
async fn check(client: &mut HealthClient<Channel>, service: &str) -> Result<ServingStatus, Code> {
    let call = client.check(request(service));
    match tokio::time::timeout(NO_HANG, call)
        .await
        .expect("Check hung")
    {
        Ok(response) => Ok(response.into_inner().status()),
        Err(status) => Err(status.code()),
    }
}

/// Poll `Check(service)` until it answers `expected`, for at most [`NO_HANG`].
async fn wait_for(client: &mut HealthClient<Channel>, service: &str, expected: ServingStatus) {
    let deadline = tokio::time::Instant::now() + NO_HANG;
    loop {
        let status = check(client, service).await;
        if status == Ok(expected) {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "Check({service:?}) never answered {expected:?}; last: {status:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn watch(
    client: &mut HealthClient<Channel>,
    service: &str,
) -> Streaming<HealthCheckResponse> {
    let call = client.watch(request(service));
    tokio::time::timeout(NO_HANG, call)
        .await
        .expect("Watch hung")
        .expect("Watch")
        .into_inner()
}

/// The next status on a `Watch` stream.
async fn next(stream: &mut Streaming<HealthCheckResponse>) -> ServingStatus {
    tokio::time::timeout(NO_HANG, stream.message())
        .await
        .expect("no message on the Watch stream")
        .expect("Watch stream failed")
        .expect("Watch stream ended")
        .status()
}

/// `health` behind the layer and its gRPC health service on an ephemeral port.
async fn serve(health: &Health) -> SocketAddr {
    let grpc_health = tower_health::grpc::health_service(health).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = Server::builder()
        .accept_http1(true)
        .layer(HealthLayer::new(health.clone()))
        .add_service(grpc_health)
        .serve_with_incoming(TcpIncoming::from(listener));
    tokio::spawn(async move { server.await.unwrap() });
    addr
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
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
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
async fn example_follows_redis_going_down_and_coming_back() {
    let mut redis = Redis::start();
    let redis_url = redis.url();
    let database = database_url();
    let server = Example::start(
        "tonic",
        &[
            ("REDIS_URL", redis_url.as_str()),
            ("DATABASE_URL", database.as_str()),
            ("CHECK_INTERVAL_MS", "100"),
            ("CHECK_TIMEOUT_MS", "500"),
        ],
    );
    let output = server.output();
    assert!(
        !output.contains(":pw@") && output.contains("password not shown"),
        "{output}"
    );
    let mut client = connect(server.addr).await;
    wait_for(&mut client, "", Serving).await;
    assert_eq!(check(&mut client, "redis").await, Ok(Serving));
    assert_eq!(check(&mut client, "database").await, Ok(Serving));
    let mut overall = watch(&mut client, "").await;
    assert_eq!(next(&mut overall).await, Serving);

    redis.stop();
    assert_eq!(next(&mut overall).await, NotServing);
    wait_for(&mut client, "redis", NotServing).await;
    assert_eq!(check(&mut client, "").await, Ok(NotServing));
    assert_eq!(check(&mut client, "database").await, Ok(Serving));
    // The HTTP probes on the same port tell the same story.
    let ready = fetch(server.addr, "/readyz").await;
    assert_eq!(ready.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(ready.json()["checks"]["redis"]["status"], "down");
    assert_eq!(fetch(server.addr, "/healthz").await.status, StatusCode::OK);

    // Back without a restart of the service.
    redis.restart();
    assert_eq!(next(&mut overall).await, Serving);
    wait_for(&mut client, "redis", Serving).await;
    assert_eq!(check(&mut client, "").await, Ok(Serving));
    wait_for_status(server.addr, "/readyz", StatusCode::OK).await;
}

#[tokio::test]
async fn example_answers_not_found_for_unknown_services() {
    let server = Example::start("tonic", &[]);
    let mut client = connect(server.addr).await;
    wait_for(&mut client, "", Serving).await;
    assert_eq!(check(&mut client, "nope").await, Err(Code::NotFound));
    // Without REDIS_URL there is no redis service either.
    assert_eq!(check(&mut client, "redis").await, Err(Code::NotFound));
    let watch = tokio::time::timeout(NO_HANG, client.watch(request("nope")))
        .await
        .expect("Watch hung");
    assert_eq!(watch.unwrap_err().code(), Code::NotFound);
}

#[tokio::test]
async fn example_goes_not_serving_at_once_on_sigterm_and_keeps_answering() {
    let mut server = Example::start("tonic", &[("SHUTDOWN_DELAY_MS", "3000")]);
    let mut client = connect(server.addr).await;
    wait_for(&mut client, "", Serving).await;
    let mut overall = watch(&mut client, "").await;
    assert_eq!(next(&mut overall).await, Serving);

    server.signal("TERM");
    let signalled = tokio::time::Instant::now();
    assert_eq!(next(&mut overall).await, NotServing);
    // During the drain: gRPC NOT_SERVING, HTTP liveness 200 and readiness 503, all answered.
    assert_eq!(check(&mut client, "").await, Ok(NotServing));
    assert_eq!(fetch(server.addr, "/healthz").await.status, StatusCode::OK);
    let ready = fetch(server.addr, "/readyz").await;
    assert_eq!(ready.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        signalled.elapsed() < Duration::from_millis(3000),
        "the drain checks took the whole delay: {:?}",
        signalled.elapsed()
    );
    assert_eq!(check(&mut client, "").await, Ok(NotServing));

    // The Watch stream stays open: a graceful stop waits for open calls, but not forever.
    assert_eq!(server.exit_code().await, Some(0));
    assert!(
        signalled.elapsed() >= Duration::from_millis(3000),
        "stopped before the drain delay: {:?}",
        signalled.elapsed()
    );
    let end = tokio::time::timeout(NO_HANG, overall.message())
        .await
        .expect("the Watch stream outlived the process");
    assert!(!matches!(end, Ok(Some(_))), "{end:?}");
    // Its output is read by another thread: give it the last line.
    let deadline = tokio::time::Instant::now() + NO_HANG;
    while !server.output().lines().any(|line| line == "stopped") {
        assert!(
            tokio::time::Instant::now() < deadline,
            "no 'stopped' line: {}",
            server.output()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        server.output().contains("calls still open"),
        "{}",
        server.output()
    );
}
