//! The layer on a tonic server: HTTP/1.1 probes and gRPC on one port, through a drain.

mod common;

use common::NO_HANG;
use common::client::{fetch, send};
use common::drain::DELAY;
use common::grpc::request;
use common::serve::{ephemeral_listener, serve_tonic};
use http::{Method, StatusCode};
use tokio::time::Instant;
use tonic::transport::Server;
use tonic::transport::server::TcpIncoming;
use tonic_health::pb::health_server::{Health as GrpcHealth, HealthServer};
use tonic_health::server::HealthReporter;
use tower_health::grpc::pb::health_check_response::ServingStatus;
use tower_health::{Health, HealthLayer};

/// tonic-health's own service, reporting `""` as SERVING, and its reporter (keep it alive
/// with the server).
async fn serving_grpc_health() -> (HealthReporter, HealthServer<impl GrpcHealth>) {
    let (reporter, grpc_health) = tonic_health::server::health_reporter();
    reporter
        .set_service_status("", tonic_health::ServingStatus::Serving)
        .await;
    (reporter, grpc_health)
}

#[tokio::test]
async fn http1_probes_on_a_grpc_port() {
    let health = Health::default();
    let (_reporter, grpc_health) = serving_grpc_health().await;
    let addr = serve_tonic(&health, grpc_health).await;

    assert_eq!(fetch(addr, "/healthz").await.status, StatusCode::OK);
    let ready = fetch(addr, "/readyz").await;
    assert_eq!(ready.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(ready.header("content-type"), "application/json");
    assert_eq!(ready.header("content-length"), ready.body.len().to_string());
    health.mark_started();
    assert_eq!(fetch(addr, "/readyz").await.json()["status"], "ok");
    assert_eq!(
        send(addr, Method::HEAD, "/startupz", &[]).await.status,
        StatusCode::OK
    );
    assert_eq!(
        send(addr, Method::POST, "/readyz", &[]).await.status,
        StatusCode::METHOD_NOT_ALLOWED
    );
}

#[tokio::test]
async fn grpc_calls_pass_through_the_layer() {
    let health = Health::default();
    let (_reporter, grpc_health) = serving_grpc_health().await;
    let addr = serve_tonic(&health, grpc_health).await;

    let mut client = common::grpc::connect(addr).await;
    let response = client.check(request("")).await.unwrap();
    assert_eq!(response.into_inner().status(), ServingStatus::Serving);

    let unknown = client.check(request("nope")).await.unwrap_err();
    assert_eq!(unknown.code(), tonic::Code::NotFound);
}

#[tokio::test]
async fn tonic_serves_grpc_through_a_manual_drain() {
    let health = Health::default();
    health.mark_started();
    let (_reporter, grpc_health) = tonic_health::server::health_reporter();
    let (listener, addr) = ephemeral_listener().await;
    let server = tokio::spawn(
        Server::builder()
            .accept_http1(true)
            .layer(HealthLayer::new(health.clone()))
            .add_service(grpc_health)
            .serve_with_incoming_shutdown(
                TcpIncoming::from(listener),
                health.shutdown_signal(DELAY),
            ),
    );
    let mut client = common::grpc::connect(addr).await;

    let drained = Instant::now();
    health.mark_draining();
    assert_eq!(
        fetch(addr, "/readyz").await.status,
        StatusCode::SERVICE_UNAVAILABLE
    );
    let mut calls = 0;
    while drained.elapsed() < DELAY / 2 {
        client
            .check(request(""))
            .await
            .expect("a gRPC call failed during the drain");
        calls += 1;
    }
    assert!(calls > 0);
    tokio::time::timeout(NO_HANG, server)
        .await
        .expect("the server did not stop after the drain")
        .unwrap()
        .unwrap();
    assert!(drained.elapsed() >= DELAY);
}
