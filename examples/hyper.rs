//! `HealthLayer` on a plain hyper 1.x server through hyper-util, no framework.
//!
//! ```text
//! LISTEN_ADDR=127.0.0.1:3000 cargo run --example hyper
//! curl -i localhost:3000/healthz
//! ```

use std::convert::Infallible;
mod common;

use std::net::SocketAddr;

use bytes::Bytes;
use http::{Request, Response};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::service::TowerToHyperService;
use tower::ServiceBuilder;
use tower_health::{Health, HealthLayer};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let addr = common::env_or("LISTEN_ADDR", SocketAddr::from(([127, 0, 0, 1], 3000)))?;

    let health = Health::default();
    health.mark_started();

    let service = ServiceBuilder::new()
        .layer(HealthLayer::new(health))
        .service_fn(|request: Request<Incoming>| async move {
            let body = format!("hello from hyper at {}\n", request.uri().path());
            Ok::<_, Infallible>(Response::new(Full::new(Bytes::from(body))))
        });

    let listener = tokio::net::TcpListener::bind(addr).await?;
    println!("listening on {}", listener.local_addr()?);
    loop {
        let (stream, _) = listener.accept().await?;
        let service = TowerToHyperService::new(service.clone());
        tokio::spawn(async move {
            let connection = auto::Builder::new(TokioExecutor::new())
                .serve_connection(TokioIo::new(stream), service)
                .await;
            if let Err(error) = connection {
                tracing::debug!(%error, "connection ended with an error");
            }
        });
    }
}
