//! The dependency load under a probe flood: how many times the checks reach their
//! dependency while thousands of probes hit `/readyz` over loopback.
//!
//! The dependency is a real TCP listener that counts the connections the `tcp` check opens.
//!
//! ```text
//! cargo bench -p tower-health-benches --bench flood
//! ```

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::Request;
use http_body_util::{BodyExt, Empty};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use tower_health::{Health, HealthLayer, checks};

const CONNECTIONS: usize = 64;
const FLOOD: Duration = Duration::from_secs(5);
const INTERVAL: Duration = Duration::from_millis(500);

#[tokio::main]
async fn main() {
    // The dependency: counts every connection a check opens.
    let dependency = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let dependency_addr = dependency.local_addr().unwrap();
    let connections = Arc::new(AtomicUsize::new(0));
    let counted = connections.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = dependency.accept().await {
            counted.fetch_add(1, Ordering::Relaxed);
            drop(stream);
        }
    });

    let health = Health::builder()
        .check("dependency", checks::tcp(dependency_addr.to_string()))
        .interval(INTERVAL)
        .build();
    health.mark_started();
    health.start_checks();
    let app = axum::Router::new().layer(HealthLayer::new(health.clone()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let mut changes = health.subscribe();
    changes
        .wait_for(|s| s.status(tower_health::Probe::Readiness).is_passing())
        .await
        .unwrap();

    let client: Client<_, Empty<Bytes>> = Client::builder(TokioExecutor::new())
        .pool_max_idle_per_host(CONNECTIONS)
        .build_http();
    let before = connections.load(Ordering::Relaxed);
    let started = Instant::now();
    let probes = Arc::new(AtomicUsize::new(0));
    let workers: Vec<_> = (0..CONNECTIONS)
        .map(|_| {
            let client = client.clone();
            let probes = probes.clone();
            tokio::spawn(async move {
                while started.elapsed() < FLOOD {
                    let request = Request::get(format!("http://{addr}/readyz"))
                        .body(Empty::new())
                        .unwrap();
                    let response = client.request(request).await.unwrap();
                    assert!(response.status().is_success());
                    response.into_body().collect().await.unwrap();
                    probes.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    for worker in workers {
        worker.await.unwrap();
    }
    let elapsed = started.elapsed();
    let probes = probes.load(Ordering::Relaxed);
    let checks = connections.load(Ordering::Relaxed) - before;
    println!(
        "probe flood over loopback, {CONNECTIONS} keep-alive connections, check interval {INTERVAL:?}"
    );
    println!(
        "  probes answered      {probes} in {elapsed:.2?} ({:.0}/s)",
        probes as f64 / elapsed.as_secs_f64()
    );
    println!(
        "  dependency connections {checks} (elapsed / interval = {:.1})",
        elapsed.as_secs_f64() / INTERVAL.as_secs_f64()
    );
}
