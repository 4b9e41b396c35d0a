//! `examples/server.rs` with its runtime watchdog (`PROBE_ADDR`, `STALL_AFTER_MS`,
//! `OVERLOAD_AFTER_MS`): blocking every runtime worker fails liveness on the probe port with
//! the stall reason and it comes back, its traffic observed or not; CPU saturation never
//! fails liveness, a queue of CPU-bound requests longer than the stall threshold included
//! (its traffic observed, as by default with the watchdog), but fails and clears readiness
//! as overloaded.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use bytes::Bytes;
use http::{Method, Request, StatusCode};
use http_body_util::{BodyExt, Empty};
use hyper_util::rt::TokioIo;
use tokio::time::Instant;

use crate::common::NO_HANG;
use crate::common::client::{fetch, send, wait_for_status, wait_for_status_within};
use crate::common::examples::Example;
use crate::common::load::Load;

const TOKEN: &[(&str, &str)] = &[("authorization", "Bearer dev-token")];
const DETAILS: &[(&str, &str)] = &[("x-health-token", "ops")];
const WORKERS: usize = 2;

fn start(env: &[(&str, &str)]) -> Example {
    let mut all = vec![
        ("PROBE_ADDR", "127.0.0.1:0"),
        ("TOKIO_WORKER_THREADS", "2"),
        ("HEALTH_DETAILS_TOKEN", "ops"),
    ];
    all.extend_from_slice(env);
    Example::start("server", &all)
}

/// The error text of `component` in the combined body, details revealed.
async fn error_of(probes: std::net::SocketAddr, component: &str) -> String {
    let body = send(probes, Method::GET, "/health", DETAILS).await.json();
    body["checks"][component]["error"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// Block each runtime worker of the server at `app` with a request of its own to `path`, and
/// see liveness fail on `probes` within a second of `stall_after`, for the reason
/// `runtime stalled: <stalled>…`; the blocking requests, still running.
async fn block_every_worker(
    app: std::net::SocketAddr,
    probes: std::net::SocketAddr,
    stall_after: Duration,
    path: &'static str,
    stalled: &str,
) -> Vec<tokio::task::JoinHandle<crate::common::client::Reply>> {
    let blocked = Instant::now();
    let blocks = (0..WORKERS)
        .map(|_| tokio::spawn(send(app, Method::GET, path, TOKEN)))
        .collect();
    let within = stall_after + Duration::from_secs(1);
    wait_for_status_within(probes, "/healthz", StatusCode::SERVICE_UNAVAILABLE, within).await;
    println!(
        "liveness failed {:?} after the blocking requests were sent",
        blocked.elapsed()
    );
    let reason = error_of(probes, "runtime").await;
    let expected = format!("runtime stalled: {stalled}");
    assert!(reason.starts_with(&expected), "{reason}");
    blocks
}

#[tokio::test]
async fn blocking_every_worker_fails_liveness_on_the_probe_port_and_it_recovers() {
    let stall_after = Duration::from_secs(2);
    // The heartbeat alone (the watchdog observes the traffic by default: see below).
    let server = start(&[("STALL_AFTER_MS", "2000"), ("TRAFFIC", "off")]);
    let (app, probes) = (server.addr, server.probe_addr());
    wait_for_status(probes, "/readyz", StatusCode::OK).await;
    assert!(
        server.output().contains("STALL_AFTER_MS=2000"),
        "{}",
        server.output()
    );

    // One blocking request per runtime worker, each on a connection of its own.
    let blocks = block_every_worker(
        app,
        probes,
        stall_after,
        "/api/block?ms=5000",
        "no heartbeat for ",
    )
    .await;
    // Readiness fails with it: a wedged runtime serves nothing.
    assert_eq!(
        fetch(probes, "/readyz").await.status,
        StatusCode::SERVICE_UNAVAILABLE
    );

    for block in blocks {
        let answer = block.await.expect("a blocking request");
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    }
    wait_for_status(probes, "/healthz", StatusCode::OK).await;
    wait_for_status(probes, "/readyz", StatusCode::OK).await;
    assert_eq!(error_of(probes, "runtime").await, "");
}

#[tokio::test]
async fn cpu_saturation_never_fails_liveness_but_overload_fails_and_clears_readiness() {
    let server = start(&[("STALL_AFTER_MS", "10000"), ("OVERLOAD_AFTER_MS", "200")]);
    let (app, probes) = (server.addr, server.probe_addr());
    wait_for_status(probes, "/readyz", StatusCode::OK).await;

    // 48 clients keeping 50 ms of CPU work each in flight on the app's two workers: a task
    // that becomes due waits about a second for a worker.
    let load = Load::start(app, 48, "/api/work?ms=50", TOKEN);
    let mut overloaded = None;
    let deadline = Instant::now() + NO_HANG;
    while Instant::now() < deadline && (overloaded.is_none() || load.answered() < 100) {
        let live = fetch(probes, "/healthz").await;
        assert_eq!(
            live.status,
            StatusCode::OK,
            "busy is not wedged: {}",
            live.text()
        );
        let ready = fetch(probes, "/readyz").await;
        if ready.status == StatusCode::SERVICE_UNAVAILABLE && overloaded.is_none() {
            overloaded = Some(error_of(probes, "overload").await);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let served = load.finish().await;
    let reason = overloaded.expect("readiness never failed while the app was saturated");
    println!("{reason}; {served} CPU-bound requests served");
    assert!(reason.starts_with("overloaded: "), "{reason}");

    wait_for_status(probes, "/readyz", StatusCode::OK).await;
    assert_eq!(fetch(probes, "/healthz").await.status, StatusCode::OK);
    assert_eq!(error_of(probes, "overload").await, "");
}

/// 128 clients, each on a keep-alive connection of its own, sending 50 ms of CPU work (a
/// worker never yields during one) one request after another: a run queue of 128 × 50 ms
/// on the app's two workers, 3.2 s, longer than a 2 s stall threshold, for [`LOAD_FOR`].
const QUEUED: usize = 128;
const QUEUED_PATH: &str = "/api/work?ms=50";
const LOAD_FOR: Duration = Duration::from_secs(6);

/// What liveness on the probe port answered while the queue ran.
struct Queue {
    /// Liveness every 100 ms from the first request sent to the last answered: when, what.
    samples: Vec<(Duration, StatusCode)>,
    /// From the first request sent to the last answered.
    drained_in: Duration,
    /// Requests answered.
    answered: u64,
}

impl Queue {
    /// The samples that were not 200.
    fn failed(&self) -> Vec<(Duration, StatusCode)> {
        let failed = |(_, status): &&(Duration, StatusCode)| *status != StatusCode::OK;
        self.samples.iter().filter(failed).copied().collect()
    }

    /// How long liveness failed in all: each failing sample counts until the next sample.
    fn failed_for(&self) -> Duration {
        let ends = self.samples.iter().skip(1).map(|(at, _)| *at);
        self.samples
            .iter()
            .zip(ends.chain([self.drained_in]))
            .filter(|((_, status), _)| *status != StatusCode::OK)
            .map(|((at, _), next)| next - *at)
            .sum()
    }
}

/// Send `QUEUED_PATH` over one keep-alive connection until `stop`; how many were answered
/// (each `200`).
async fn keep_sending(app: std::net::SocketAddr, stop: Arc<AtomicBool>) -> u64 {
    let stream = tokio::net::TcpStream::connect(app).await.expect("connect");
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .expect("handshake");
    tokio::spawn(connection);
    let mut answered = 0;
    while !stop.load(Ordering::SeqCst) {
        let request = Request::get(QUEUED_PATH)
            .header("host", app.to_string())
            .header(TOKEN[0].0, TOKEN[0].1)
            .body(Empty::<Bytes>::new())
            .unwrap();
        let response = sender
            .send_request(request)
            .await
            .expect("a CPU-bound request");
        assert_eq!(response.status(), StatusCode::OK);
        response.into_body().collect().await.expect("its body");
        answered += 1;
    }
    answered
}

/// Keep [`QUEUED`] CPU-bound requests queued for [`LOAD_FOR`], and ask liveness on the
/// probe port every 100 ms until the last of them is answered.
async fn queue_of_cpu_work(app: std::net::SocketAddr, probes: std::net::SocketAddr) -> Queue {
    let stop = Arc::new(AtomicBool::new(false));
    let began = Instant::now();
    let clients: Vec<_> = (0..QUEUED)
        .map(|_| tokio::spawn(keep_sending(app, stop.clone())))
        .collect();
    let mut samples = Vec::new();
    while !clients.iter().all(|client| client.is_finished()) {
        if began.elapsed() >= LOAD_FOR {
            stop.store(true, Ordering::SeqCst);
        }
        assert!(
            began.elapsed() < LOAD_FOR + NO_HANG,
            "the queue never drained"
        );
        let live = fetch(probes, "/healthz").await;
        samples.push((began.elapsed(), live.status));
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let drained_in = began.elapsed();
    let mut answered = 0;
    for client in clients {
        answered += client.await.expect("a client of the queue");
    }
    Queue {
        samples,
        drained_in,
        answered,
    }
}

#[tokio::test]
async fn a_queue_of_cpu_work_longer_than_the_stall_threshold_never_fails_liveness() {
    let stall_after = Duration::from_secs(2);
    // TRAFFIC unset: observed for the watchdog, so completed requests are progress.
    let server = start(&[("STALL_AFTER_MS", "2000")]);
    let (app, probes) = (server.addr, server.probe_addr());
    wait_for_status(probes, "/readyz", StatusCode::OK).await;
    assert!(
        server
            .output()
            .contains("  traffic: observed for the watchdog's progress"),
        "{}",
        server.output()
    );

    let queue = queue_of_cpu_work(app, probes).await;
    println!(
        "traffic observed: {QUEUED} clients × {QUEUED_PATH} for {LOAD_FOR:?}: {} answered, \
         drained in {:?}; liveness failed {} of {} samples, for {:?}",
        queue.answered,
        queue.drained_in,
        queue.failed().len(),
        queue.samples.len(),
        queue.failed_for()
    );
    // Two workers answer 40 a second: the queue ran, ~3.2 s long, the whole time.
    assert!(
        queue.answered > 150,
        "{} answered: the load never ran",
        queue.answered
    );
    assert!(
        queue.failed().is_empty(),
        "busy is not wedged: liveness failed at {:?}",
        queue.failed()
    );

    // Blocked is wedged, traffic observed or not: no heartbeat and no request completing.
    let blocks = block_every_worker(
        app,
        probes,
        stall_after,
        "/api/block?ms=4000",
        "no heartbeat and no completed request for ",
    )
    .await;
    for block in blocks {
        assert_eq!(
            block.await.expect("a blocking request").status,
            StatusCode::OK
        );
    }
    wait_for_status(probes, "/healthz", StatusCode::OK).await;
}
