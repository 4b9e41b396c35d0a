//! The layer on a tonic server: HTTP/1.1 probes and gRPC on one port.

mod common;

use std::net::SocketAddr;

use common::{fetch, send};
use http::{Method, StatusCode};
use tonic::transport::Server;
use tonic::transport::server::TcpIncoming;
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tower_health::{Health, HealthLayer};

async fn serve(health: Health) -> SocketAddr {
    let (reporter, grpc_health) = tonic_health::server::health_reporter();
    reporter
        .set_service_status("", tonic_health::ServingStatus::Serving)
        .await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        // Keep the reporter alive with the server.
        let _reporter = reporter;
        Server::builder()
            .accept_http1(true)
            .layer(HealthLayer::new(health))
            .add_service(grpc_health)
            .serve_with_incoming(TcpIncoming::from(listener))
            .await
            .unwrap();
    });
    addr
}

#[tokio::test]
async fn http1_probes_on_a_grpc_port() {
    let health = Health::default();
    let addr = serve(health.clone()).await;

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
    let addr = serve(health.clone()).await;

    let mut client = common::grpc_health_client(addr).await;
    let response = client
        .check(HealthCheckRequest {
            service: String::new(),
        })
        .await
        .unwrap();
    assert_eq!(response.into_inner().status(), ServingStatus::Serving);

    let unknown = client
        .check(HealthCheckRequest {
            service: "nope".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(unknown.code(), tonic::Code::NotFound);
}
