//! A soak: probes flooding two replicas for ten minutes while every status keeps changing,
//! with the process's resident memory, tokio tasks and open file descriptors read each
//! minute. Nothing here may grow with time: a leak in history, flapping, the fleet's asking,
//! the traffic window or the rendered bodies shows as a column that keeps climbing.
//!
//! Two replicas (A and B) run in this process, each an axum app behind `HealthLayer` on its
//! own port, peers of each other. On each, a shared check flips every 700 ms (so the
//! replicas ask each other over HTTP while it is down), a manual component every 1.1 s
//! (history fills, flapping sets), traffic is observed (half of `/api` answers 500), and a
//! group `lb` holds both. 32 clients cycle through the probes, the verbose, history and HTML
//! views, a per-check path, the group's path and `/api`, on both replicas.
//!
//! ```text
//! cargo bench -p tower-health-benches --bench soak              # ten minutes
//! SOAK_SECS=60 cargo bench -p tower-health-benches --bench soak # a shorter one
//! ```

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{Request, StatusCode, header};
use http_body_util::{BodyExt, Empty};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use tower_health::fleet::Peers;
use tower_health::{Details, Group, Health, HealthLayer, NamedCheck, Traffic};

const CLIENTS: usize = 32;
const PATHS: [(&str, Option<&str>); 9] = [
    ("/readyz", None),
    ("/healthz", None),
    ("/health?verbose", None),
    ("/health?history", None),
    ("/health", Some("text/html")),
    ("/readyz/flaky", None),
    ("/lb?verbose", None),
    ("/readyz?exclude=queue", None),
    ("/api", None),
];

/// Resident memory in MiB, from `/proc/self/statm` (4 KiB pages).
fn resident_mib() -> f64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap();
    let pages: u64 = statm.split(' ').nth(1).unwrap().parse().unwrap();
    (pages * 4096) as f64 / (1024.0 * 1024.0)
}

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

fn tasks() -> usize {
    tokio::runtime::Handle::current()
        .metrics()
        .num_alive_tasks()
}

/// One replica on `listener`, asking `peer` about its shared check.
fn replica(listener: std::net::TcpListener, peer: SocketAddr, flaky: Arc<AtomicBool>) -> Health {
    let health = Health::builder()
        .add_check(
            NamedCheck::new("flaky", move || {
                let ok = flaky.load(Ordering::Relaxed);
                async move { if ok { Ok(()) } else { Err("flipped off") } }
            })
            .interval(Duration::from_millis(100))
            .shared(),
        )
        .component("queue")
        .group(Group::new("lb", "/lb").members(["flaky", "queue"]))
        .traffic(Traffic::new().window(Duration::from_secs(10)))
        .peers(Peers::new([peer.to_string()]).timeout(Duration::from_millis(200)))
        .details(Details::Always)
        .failure_threshold(1)
        .success_threshold(1)
        .build();
    health.mark_started();
    health.start_checks();
    let served = Arc::new(AtomicU64::new(0));
    let app = axum::Router::new()
        .route(
            "/api",
            axum::routing::get(move || {
                let n = served.fetch_add(1, Ordering::Relaxed);
                async move {
                    if n.is_multiple_of(2) {
                        StatusCode::OK
                    } else {
                        StatusCode::INTERNAL_SERVER_ERROR
                    }
                }
            }),
        )
        .layer(HealthLayer::new(health.clone()));
    listener.set_nonblocking(true).unwrap();
    let listener = tokio::net::TcpListener::from_std(listener).unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    health
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let soak = Duration::from_secs(
        std::env::var("SOAK_SECS")
            .ok()
            .map(|secs| secs.parse().expect("SOAK_SECS: whole seconds"))
            .unwrap_or(600),
    );
    let listeners = [(); 2].map(|_| std::net::TcpListener::bind("127.0.0.1:0").unwrap());
    let addrs = [0, 1].map(|i| listeners[i].local_addr().unwrap());
    let flaky = Arc::new(AtomicBool::new(true));
    let [a, b] = listeners;
    let replicas = [
        replica(a, addrs[1], flaky.clone()),
        replica(b, addrs[0], flaky.clone()),
    ];

    // Statuses keep changing: the shared check on both replicas, the component on each.
    let flipping = flaky.clone();
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_millis(700)).await;
            flipping.fetch_xor(true, Ordering::Relaxed);
        }
    });
    let manual = replicas.clone();
    tokio::spawn(async move {
        for n in 0u64.. {
            tokio::time::sleep(Duration::from_millis(1100)).await;
            for health in &manual {
                if n.is_multiple_of(2) {
                    health.mark_down("queue", format!("rebalancing #{n}"));
                } else {
                    health.mark_up("queue");
                }
            }
        }
    });

    let client: Client<_, Empty<Bytes>> = Client::builder(TokioExecutor::new())
        .pool_max_idle_per_host(CLIENTS)
        .build_http();
    let requests = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let clients: Vec<_> = (0..CLIENTS)
        .map(|n| {
            let (client, requests) = (client.clone(), requests.clone());
            tokio::spawn(async move {
                let mut i = n;
                while started.elapsed() < soak {
                    let (path, accept) = PATHS[i % PATHS.len()];
                    let addr = addrs[i % 2];
                    i += 1;
                    let mut request = Request::get(format!("http://{addr}{path}"));
                    if let Some(accept) = accept {
                        request = request.header(header::ACCEPT, accept);
                    }
                    let response = client.request(request.body(Empty::new()).unwrap()).await;
                    let response = response.expect("a replica stopped answering");
                    response.into_body().collect().await.unwrap();
                    requests.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();

    println!("soak: {CLIENTS} clients on two replicas for {soak:?}, statuses flipping");
    println!(
        "  {:>6} {:>10} {:>8} {:>6} {:>6} {:>9}",
        "time", "requests", "RSS MiB", "tasks", "fds", "history"
    );
    let report = |at: Duration| {
        let snapshot = replicas[0].snapshot();
        let history: usize = snapshot
            .components()
            .map(|(_, c)| c.history().count())
            .sum();
        println!(
            "  {:>5}s {:>10} {:>8.1} {:>6} {:>6} {:>9}",
            at.as_secs(),
            requests.load(Ordering::Relaxed),
            resident_mib(),
            tasks(),
            open_fds(),
            history
        );
    };
    let mut next = Duration::ZERO;
    while next <= soak {
        tokio::time::sleep_until((started + next).into()).await;
        report(next);
        next += if next < Duration::from_secs(60) {
            Duration::from_secs(10)
        } else {
            Duration::from_secs(60)
        };
    }
    for client in clients {
        client.await.unwrap();
    }
    report(started.elapsed());
}
