//! Busy is never wedged, whatever the queue: with traffic observed, requests completing
//! are progress, so a run queue longer than the stall threshold keeps liveness 200 while a
//! blocked runtime still fails it. Without traffic observed, the same queue fails liveness
//! (the heartbeat rule alone), which shows the test exercises the case.
//!
//! The app runs on one worker: a busy worker polls the timer driver only every 61 tasks
//! (tokio's event interval), about 3 s at 50 ms a task, so the heartbeat certainly waits
//! past the 2 s threshold. On two workers the wait is about half that, close to the
//! threshold, and whether the heartbeat alone stalls depends on the scheduler's timing.

mod common;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::routing::get;
use bytes::Bytes;
use common::NO_HANG;
use common::client::fetch;
use http::{Request, StatusCode};
use http_body_util::{BodyExt, Empty};
use hyper_util::rt::TokioIo;
use tokio::runtime::Runtime;
use tower_health::probe_server::ProbeServerHandle;
use tower_health::{Details, Health, HealthBuilder, HealthLayer, ProbeServer, Traffic, Watchdog};

const STALL_AFTER: Duration = Duration::from_secs(2);
const REQUESTS: usize = 128;
const LOAD_FOR: Duration = Duration::from_secs(6);

fn runtime(workers: usize) -> Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()
        .unwrap()
}

/// 50 ms of CPU on the worker, never yielding.
async fn work() -> &'static str {
    let start = Instant::now();
    while start.elapsed() < Duration::from_millis(50) {
        std::hint::black_box(start.elapsed());
    }
    "worked"
}

/// An app on `app` (one worker) behind the layer, and the probe port with its watchdog.
fn serve(app: &Runtime, builder: HealthBuilder) -> (SocketAddr, ProbeServerHandle) {
    let health: Health = builder.details(Details::Always).build();
    health.mark_started();
    app.block_on(async {
        let router = Router::new()
            .route("/work", get(work))
            .route(
                "/block",
                get(|| async {
                    std::thread::sleep(Duration::from_secs(4));
                    "blocked"
                }),
            )
            .layer(HealthLayer::new(health.clone()));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        let probes = ProbeServer::bind(([127, 0, 0, 1], 0), health.clone())
            .watchdog(Watchdog::new().stall_after(STALL_AFTER))
            .spawn()
            .unwrap();
        (addr, probes)
    })
}

/// `REQUESTS` clients, each looping on `/work` over one keep-alive connection for
/// `LOAD_FOR` (a run queue of about 128 tasks × 50 ms on one worker: 6.4 s, longer than
/// the stall threshold), while liveness on the probe port is sampled every 100 ms; the
/// samples taken and how many failed, and the requests answered.
fn sample_under_load(addr: SocketAddr, probes: &ProbeServerHandle) -> (usize, usize, u64) {
    let client = runtime(1);
    let stop = Arc::new(AtomicBool::new(false));
    let answered = Arc::new(AtomicU64::new(0));
    let loops: Vec<_> = (0..REQUESTS)
        .map(|_| {
            let (stop, answered) = (stop.clone(), answered.clone());
            client.spawn(async move {
                let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
                let (mut sender, connection) =
                    hyper::client::conn::http1::handshake(TokioIo::new(stream))
                        .await
                        .unwrap();
                tokio::spawn(connection);
                while !stop.load(Ordering::SeqCst) {
                    let request = Request::get("/work")
                        .header("host", "app")
                        .body(Empty::<Bytes>::new())
                        .unwrap();
                    let response = sender.send_request(request).await.unwrap();
                    assert_eq!(response.status(), StatusCode::OK);
                    response.into_body().collect().await.unwrap();
                    answered.fetch_add(1, Ordering::SeqCst);
                }
            })
        })
        .collect();
    let (mut samples, mut failed) = (0, 0);
    let until = Instant::now() + LOAD_FOR;
    while Instant::now() < until {
        let live = client.block_on(fetch(probes.local_addr(), "/healthz"));
        samples += 1;
        if live.status != StatusCode::OK {
            failed += 1;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    stop.store(true, Ordering::SeqCst);
    for client_loop in loops {
        client
            .block_on(async { tokio::time::timeout(NO_HANG, client_loop).await })
            .expect("a client hung")
            .expect("a client failed");
    }
    (samples, failed, answered.load(Ordering::SeqCst))
}

#[test]
fn a_queue_longer_than_the_stall_threshold_completing_requests_keeps_liveness() {
    let app = runtime(1);
    let (addr, probes) = serve(&app, Health::builder().traffic(Traffic::new()));
    let (samples, failed, answered) = sample_under_load(addr, &probes);
    println!(
        "traffic observed: liveness failed {failed} of {samples} samples (100 ms apart), \
         {answered} requests answered"
    );
    assert!(answered > 100, "{answered} requests: the load never ran");
    assert_eq!(failed, 0, "busy is not wedged");

    // A blocked runtime: no heartbeat and no request completing.
    let client = runtime(1);
    let blocks = [client.spawn(async move { fetch(addr, "/block").await.status })];
    let mut failed = 0;
    while !blocks.iter().all(|b| b.is_finished()) {
        let live = client.block_on(fetch(probes.local_addr(), "/healthz"));
        failed += usize::from(live.status == StatusCode::SERVICE_UNAVAILABLE);
        std::thread::sleep(Duration::from_millis(100));
    }
    println!("blocked 4 s: liveness failed {failed} samples");
    assert!(failed >= 5, "a wedged runtime still fails liveness");
    for block in blocks {
        assert_eq!(client.block_on(block).unwrap(), StatusCode::OK);
    }
    let deadline = Instant::now() + NO_HANG;
    while client
        .block_on(fetch(probes.local_addr(), "/healthz"))
        .status
        != StatusCode::OK
    {
        assert!(Instant::now() < deadline, "liveness never recovered");
        std::thread::sleep(Duration::from_millis(50));
    }
    probes.shutdown();
}

#[test]
fn without_traffic_observed_the_same_queue_looks_like_a_stall() {
    let app = runtime(1);
    let (addr, probes) = serve(&app, Health::builder());
    let (samples, failed, answered) = sample_under_load(addr, &probes);
    println!(
        "heartbeat only: liveness failed {failed} of {samples} samples (100 ms apart), \
         {answered} requests answered"
    );
    assert!(
        failed > 0,
        "the heartbeat rule alone sees the long queue as a stall"
    );
    probes.shutdown();
}
