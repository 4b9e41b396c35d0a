//! `HealthLayer` on a tonic gRPC server: gRPC and HTTP/1.1 probes on one port.
//!
//! The server also serves the standard gRPC health service (tonic-health), so both
//! kubelet-style HTTP probes and gRPC probes work:
//!
//! ```text
//! LISTEN_ADDR=127.0.0.1:50051 cargo run --example tonic
//! curl -i localhost:50051/readyz
//! ```

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use tonic::transport::Server;
use tonic::transport::server::TcpIncoming;
use tower_health::{Health, HealthLayer};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt().init();
    let addr = common::env_or("LISTEN_ADDR", SocketAddr::from(([127, 0, 0, 1], 50051)))?;
    let delay = Duration::from_millis(common::env_or("SHUTDOWN_DELAY_MS", 5000u64)?);

    let health = Health::default();
    let (reporter, grpc_health) = tonic_health::server::health_reporter();
    reporter
        .set_service_status("", tonic_health::ServingStatus::Serving)
        .await;
    health.mark_started();

    let listener = tokio::net::TcpListener::bind(addr).await?;
    println!("listening on {}", listener.local_addr()?);
    Server::builder()
        .accept_http1(true)
        .layer(HealthLayer::new(health.clone()))
        .add_service(grpc_health)
        .serve_with_incoming_shutdown(TcpIncoming::from(listener), health.shutdown_signal(delay))
        .await?;
    println!("stopped");
    Ok(())
}
