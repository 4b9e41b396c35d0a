//! Replicas of a service with a shared `redis` check that can be switched to fail, served
//! by axum behind `HealthLayer` on 127.0.0.1 and asking each other as peers.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use http::StatusCode;
use tokio::net::TcpListener;
use tokio::time::Instant;
use tower::util::MapRequestLayer;
use tower_health::fleet::Peers;
use tower_health::{Health, HealthBuilder, HealthLayer, NamedCheck};

use super::NO_HANG;
use super::client::{Reply, fetch, wait_for_status};
use super::serve::{Calls, counting_app, ephemeral_listener};

/// How often the replicas' checks run.
pub const INTERVAL: Duration = Duration::from_millis(100);

/// One replica: its handle, address, the switch failing its shared `redis` check, how many
/// times that check ran while failing, and how many per-check questions it was asked.
pub struct Replica {
    pub addr: SocketAddr,
    pub failing: Arc<AtomicBool>,
    pub failed_runs: Arc<AtomicUsize>,
    pub asked: Calls,
    pub health: Health,
}

impl Replica {
    pub fn fail(&self, failing: bool) {
        self.failing.store(failing, Ordering::SeqCst);
    }
}

/// Start a replica on `listener` with a shared `redis` check asking `peers`.
pub fn replica(listener: TcpListener, peers: Peers) -> Replica {
    replica_with(listener, peers, |builder| builder)
}

/// [`replica`] with its builder tuned by `tune` (thresholds, say).
pub fn replica_with(
    listener: TcpListener,
    peers: Peers,
    tune: impl FnOnce(HealthBuilder) -> HealthBuilder,
) -> Replica {
    let addr = listener.local_addr().unwrap();
    let failing = Arc::new(AtomicBool::new(false));
    let failed_runs = Arc::new(AtomicUsize::new(0));
    let (flag, runs) = (failing.clone(), failed_runs.clone());
    let check = move || {
        let failing = flag.load(Ordering::SeqCst);
        if failing {
            runs.fetch_add(1, Ordering::SeqCst);
        }
        async move {
            match failing {
                true => Err("connection refused"),
                false => Ok(()),
            }
        }
    };
    let builder = Health::builder()
        .add_check(NamedCheck::new("redis", check).shared())
        .interval(INTERVAL)
        .initial_jitter(Duration::ZERO)
        .peers(peers);
    let health = tune(builder).build();
    health.mark_started();
    health.start_checks();
    let asked = Calls::default();
    let counter = asked.clone();
    let (app, _) = counting_app();
    let count = move |request: http::Request<axum::body::Body>| {
        if request.uri().path().starts_with("/readyz/") {
            counter.hit();
        }
        request
    };
    let app = app
        .layer(HealthLayer::new(health.clone()))
        .layer(MapRequestLayer::new(count));
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Replica {
        addr,
        failing,
        failed_runs,
        asked,
        health,
    }
}

/// `n` replicas, each with every replica (itself included) as its peers.
pub async fn fleet(n: usize, configure: impl Fn(Peers) -> Peers) -> Vec<Replica> {
    fleet_with(n, configure, |builder| builder).await
}

/// [`fleet`] whose builders are tuned by `tune`.
pub async fn fleet_with(
    n: usize,
    configure: impl Fn(Peers) -> Peers,
    tune: impl Fn(HealthBuilder) -> HealthBuilder,
) -> Vec<Replica> {
    let mut listeners = Vec::new();
    for _ in 0..n {
        listeners.push(ephemeral_listener().await);
    }
    let addresses: Vec<String> = listeners.iter().map(|(_, addr)| addr.to_string()).collect();
    let replicas: Vec<Replica> = listeners
        .into_iter()
        .map(|(listener, _)| {
            let peers = configure(Peers::new(addresses.clone()));
            replica_with(listener, peers, &tune)
        })
        .collect();
    for replica in &replicas {
        wait_for_status(replica.addr, "/readyz", StatusCode::OK).await;
    }
    replicas
}

/// Ask `/readyz` until its body says `status`, for at most [`NO_HANG`].
pub async fn wait_for_body_status(addr: SocketAddr, status: &str) -> Reply {
    let deadline = Instant::now() + NO_HANG;
    loop {
        let reply = fetch(addr, "/readyz").await;
        if reply.json()["status"] == status {
            return reply;
        }
        assert!(
            Instant::now() < deadline,
            "never {status}: {}",
            reply.text()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Ask `/health` until the `redis` check's fleet view says `view`, for at most [`NO_HANG`].
pub async fn wait_for_view(addr: SocketAddr, view: &str) {
    let deadline = Instant::now() + NO_HANG;
    loop {
        let combined = fetch(addr, "/health").await.json();
        if combined["checks"]["redis"]["fleet"] == view {
            return;
        }
        assert!(Instant::now() < deadline, "never {view}: {combined}");
        tokio::time::sleep(INTERVAL).await;
    }
}

/// `/readyz` of `addr` answers 503 for `runs` intervals in a row.
pub async fn stays_unready(addr: SocketAddr, runs: u32) {
    for _ in 0..runs {
        let ready = fetch(addr, "/readyz").await;
        assert_eq!(
            ready.status,
            StatusCode::SERVICE_UNAVAILABLE,
            "held on no evidence: {}",
            ready.text()
        );
        tokio::time::sleep(INTERVAL).await;
    }
}
