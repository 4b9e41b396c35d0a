//! `HealthLayer` on a plain hyper 1.x server through hyper-util, no framework, with a
//! graceful shutdown that drains first.
//!
//! ```text
//! LISTEN_ADDR=127.0.0.1:3000 SHUTDOWN_DELAY_MS=5000 cargo run --example hyper
//! curl -i localhost:3000/healthz
//! curl -i 'localhost:3000/slow?ms=2000'   # a slow request, finished even across a shutdown
//! ```

mod common;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tower::ServiceBuilder;
use tower_health::{Health, HealthLayer};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt().init();
    let addr = common::env_or("LISTEN_ADDR", SocketAddr::from(([127, 0, 0, 1], 3000)))?;
    let delay = Duration::from_millis(common::env_or("SHUTDOWN_DELAY_MS", 5000u64)?);

    let health = Health::default();
    health.mark_started();

    let service = ServiceBuilder::new()
        .layer(HealthLayer::new(health.clone()))
        .service_fn(app);

    let listener = tokio::net::TcpListener::bind(addr).await?;
    println!("listening on {}", listener.local_addr()?);
    let server = auto::Builder::new(TokioExecutor::new());
    let graceful = GracefulShutdown::new();
    let shutdown = health.shutdown_signal(delay);
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, _) = accepted?;
                let connection = server
                    .serve_connection_with_upgrades(
                        TokioIo::new(stream),
                        TowerToHyperService::new(service.clone()),
                    )
                    .into_owned();
                let connection = graceful.watch(connection);
                tokio::spawn(async move {
                    if let Err(error) = connection.await {
                        tracing::debug!(%error, "connection ended with an error");
                    }
                });
            }
            () = &mut shutdown => break,
        }
    }
    // Stop accepting, then let in-flight requests finish.
    drop(listener);
    graceful.shutdown().await;
    println!("stopped");
    Ok(())
}

/// The inner service: `/slow?ms=N` answers after N milliseconds (at most 10 s), anything
/// else at once.
async fn app(request: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    if request.uri().path() == "/slow" {
        let ms = request
            .uri()
            .query()
            .and_then(|query| query.strip_prefix("ms="))
            .and_then(|ms| ms.parse::<u64>().ok())
            .unwrap_or(1000)
            .min(10_000);
        tokio::time::sleep(Duration::from_millis(ms)).await;
        return Ok(Response::new(Full::new(Bytes::from(format!(
            "slept {ms} ms\n"
        )))));
    }
    let body = format!("hello from hyper at {}\n", request.uri().path());
    Ok(Response::new(Full::new(Bytes::from(body))))
}
