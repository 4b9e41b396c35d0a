//! `examples/server.rs` with its runtime watchdog (`PROBE_ADDR`, `STALL_AFTER_MS`,
//! `OVERLOAD_AFTER_MS`): blocking every runtime worker fails liveness on the probe port with
//! the stall reason and it comes back; CPU saturation never fails liveness, but fails and
//! clears readiness as overloaded.

use std::time::Duration;

use http::{Method, StatusCode};
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

#[tokio::test]
async fn blocking_every_worker_fails_liveness_on_the_probe_port_and_it_recovers() {
    let stall_after = Duration::from_secs(2);
    // The heartbeat alone (with PROBE_ADDR, the traffic is observed unless TRAFFIC=off).
    let server = start(&[("STALL_AFTER_MS", "2000"), ("TRAFFIC", "off")]);
    let (app, probes) = (server.addr, server.probe_addr());
    wait_for_status(probes, "/readyz", StatusCode::OK).await;
    assert!(
        server.output().contains("STALL_AFTER_MS=2000"),
        "{}",
        server.output()
    );

    // One blocking request per runtime worker, each on a connection of its own.
    let blocked = Instant::now();
    let blocks: Vec<_> = (0..WORKERS)
        .map(|_| tokio::spawn(send(app, Method::GET, "/api/block?ms=5000", TOKEN)))
        .collect();
    let within = stall_after + Duration::from_secs(1);
    wait_for_status_within(probes, "/healthz", StatusCode::SERVICE_UNAVAILABLE, within).await;
    println!(
        "liveness failed {:?} after the blocking requests were sent",
        blocked.elapsed()
    );
    let reason = error_of(probes, "runtime").await;
    assert!(
        reason.starts_with("runtime stalled: no heartbeat for "),
        "{reason}"
    );
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
