//! An app whose failures, latency and hangs are switched by the test, served by axum behind
//! `HealthLayer` with traffic observed; and a load generator that counts every status.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::routing::get;
use http::{Method, StatusCode};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tower_health::{Health, HealthLayer};

use super::NO_HANG;
use super::client::{fetch, send};

/// The switches of a [`flaky_app`]: the share of `/work` requests that fail, in tenths
/// (every request whose number modulo 10 is under it), and their latency in milliseconds.
#[derive(Debug, Clone, Default)]
pub struct Switches {
    pub failing_tenths: Arc<AtomicU64>,
    pub latency_ms: Arc<AtomicU64>,
    served: Arc<AtomicU64>,
}

impl Switches {
    pub fn fail_tenths(&self, tenths: u64) {
        self.failing_tenths.store(tenths, Ordering::SeqCst);
    }
    pub fn latency(&self, ms: u64) {
        self.latency_ms.store(ms, Ordering::SeqCst);
    }
}

/// `/work` (500 for the failing share, 200 otherwise, after the latency), `/missing`
/// (always 404), `/hang` (never answers).
pub fn flaky_app(switches: &Switches) -> Router {
    let work = switches.clone();
    Router::new()
        .route(
            "/work",
            get(move || {
                let switches = work.clone();
                async move {
                    let n = switches.served.fetch_add(1, Ordering::SeqCst);
                    let latency = switches.latency_ms.load(Ordering::SeqCst);
                    if latency > 0 {
                        tokio::time::sleep(Duration::from_millis(latency)).await;
                    }
                    if n % 10 < switches.failing_tenths.load(Ordering::SeqCst) {
                        (StatusCode::INTERNAL_SERVER_ERROR, "failed")
                    } else {
                        (StatusCode::OK, "done")
                    }
                }
            }),
        )
        .route("/missing", get(|| async { StatusCode::NOT_FOUND }))
        .route("/hang", get(std::future::pending::<&'static str>))
}

/// Serve a [`flaky_app`] behind `HealthLayer` over `health` on `listener`.
pub fn serve_flaky(listener: TcpListener, health: &Health, switches: &Switches) {
    let app = flaky_app(switches).layer(HealthLayer::new(health.clone()));
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
}

/// Requests looping on a path from several clients until stopped, every status counted.
pub struct Hammer {
    stop: Arc<AtomicBool>,
    statuses: Arc<Mutex<BTreeMap<u16, u64>>>,
    workers: Vec<JoinHandle<()>>,
}

impl Hammer {
    pub fn start(addr: SocketAddr, clients: usize, path: &'static str) -> Hammer {
        Hammer::start_with(addr, clients, path, &[])
    }

    /// [`start`](Hammer::start), each request with `headers` (a bearer token, say).
    pub fn start_with(
        addr: SocketAddr,
        clients: usize,
        path: &'static str,
        headers: &'static [(&'static str, &'static str)],
    ) -> Hammer {
        let stop = Arc::new(AtomicBool::new(false));
        let statuses: Arc<Mutex<BTreeMap<u16, u64>>> = Arc::default();
        let workers = (0..clients)
            .map(|_| {
                let (stop, statuses) = (stop.clone(), statuses.clone());
                tokio::spawn(async move {
                    while !stop.load(Ordering::SeqCst) {
                        let reply = send(addr, Method::GET, path, headers).await;
                        *statuses
                            .lock()
                            .unwrap()
                            .entry(reply.status.as_u16())
                            .or_default() += 1;
                    }
                })
            })
            .collect();
        Hammer {
            stop,
            statuses,
            workers,
        }
    }

    /// Stop, and return how many answers of each status came.
    pub async fn finish(self) -> BTreeMap<u16, u64> {
        self.stop.store(true, Ordering::SeqCst);
        for worker in self.workers {
            tokio::time::timeout(NO_HANG, worker)
                .await
                .expect("a load client hung")
                .expect("a load client failed");
        }
        self.statuses.lock().unwrap().clone()
    }
}

/// The `traffic` entry of `/health` (the handle must reveal details for its figures).
pub async fn traffic_entry(addr: SocketAddr) -> serde_json::Value {
    fetch(addr, "/health").await.json()["checks"]["traffic"].clone()
}

/// Ask `/health` until the `traffic` entry's status is `status`, for at most [`NO_HANG`];
/// returns the entry.
pub async fn wait_for_traffic(addr: SocketAddr, status: &str) -> serde_json::Value {
    let deadline = tokio::time::Instant::now() + NO_HANG;
    loop {
        let entry = traffic_entry(addr).await;
        if entry["status"] == status {
            return entry;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "traffic never {status}: {entry}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
