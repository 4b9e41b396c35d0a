//! Health from the traffic itself, over real HTTP: an axum app behind the layer under real
//! load, whose failures, latency and hangs the test switches; replicas sharing the signal;
//! a tonic service's errors.

mod common;

use std::time::Duration;

use common::client::{fetch, send};
use common::fleet::wait_for_body_status;
use common::serve::ephemeral_listener;
use common::traffic::{Hammer, Switches, serve_flaky, traffic_entry, wait_for_traffic};
use http::{Method, StatusCode};
use tokio::time::Instant;
use tower_health::fleet::Peers;
use tower_health::{Details, Health, HealthBuilder, Probe, Traffic};

/// A short window, so a test sees several: twelve buckets of 100 ms.
const WINDOW: Duration = Duration::from_millis(1_200);

fn observed(rules: Traffic) -> HealthBuilder {
    Health::builder()
        .details(Details::Always)
        .traffic(rules.window(WINDOW))
}

/// A started handle with `rules`, serving the flaky app; its address and switches.
async fn serve(rules: Traffic) -> (std::net::SocketAddr, Health, Switches) {
    let health = observed(rules).build();
    health.mark_started();
    let (listener, addr) = ephemeral_listener().await;
    let switches = Switches::default();
    serve_flaky(listener, &health, &switches);
    (addr, health, switches)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failing_requests_turn_report_only_traffic_down_while_readiness_stays_200() {
    let (addr, _health, switches) = serve(Traffic::new()).await;
    assert_eq!(traffic_entry(addr).await["status"], "ok");
    switches.fail_tenths(8);
    let started = Instant::now();
    let load = Hammer::start(addr, 4, "/work");
    let deadline = started + Duration::from_secs(10);
    let entry = loop {
        let ready = fetch(addr, "/readyz").await;
        assert_eq!(
            ready.status,
            StatusCode::OK,
            "report-only: {}",
            ready.text()
        );
        let entry = traffic_entry(addr).await;
        if entry["status"] == "down" {
            break entry;
        }
        assert!(Instant::now() < deadline, "traffic never down: {entry}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let took = started.elapsed();
    let statuses = load.finish().await;
    assert!(took < WINDOW * 3, "down after {took:?}, window {WINDOW:?}");
    let figures = &entry["traffic"];
    assert!(figures["requests"].as_u64().unwrap() >= 20, "{figures}");
    let ratio = figures["failure_ratio"].as_f64().unwrap();
    assert!((0.7..=0.9).contains(&ratio), "{figures}");
    assert_eq!(
        figures["responses"]["5xx"], figures["failures"],
        "{figures}"
    );
    assert!(figures["p99_ms"].as_f64().unwrap() > 0.0, "{figures}");
    assert!(statuses[&500] > statuses[&200], "{statuses:?}");
    let verbose = fetch(addr, "/health?verbose").await.text();
    let line = verbose
        .lines()
        .find(|line| line.starts_with("[-]traffic failed: "))
        .unwrap_or_else(|| panic!("{verbose}"));
    assert!(
        line.contains(" requests in ") && line.contains("% failed"),
        "{line}"
    );
    assert!(line.contains("(failure ratio 50% or more)"), "{line}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn traffic_counting_for_readiness_fails_it_and_brings_it_back() {
    let (addr, _health, switches) = serve(Traffic::new().probes([Probe::Readiness])).await;
    assert_eq!(fetch(addr, "/readyz").await.status, StatusCode::OK);
    switches.fail_tenths(8);
    let load = Hammer::start(addr, 4, "/work");
    let down =
        common::client::wait_for_status(addr, "/readyz", StatusCode::SERVICE_UNAVAILABLE).await;
    assert_eq!(down.json()["status"], "down", "{}", down.text());
    switches.fail_tenths(0);
    let stopped_failing = Instant::now();
    common::client::wait_for_status(addr, "/readyz", StatusCode::OK).await;
    let back = stopped_failing.elapsed();
    load.finish().await;
    assert!(back < WINDOW * 3, "back after {back:?}");
    let entry = traffic_entry(addr).await;
    assert_eq!(entry["status"], "ok", "{entry}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn too_little_traffic_and_client_errors_are_never_a_failure() {
    let (addr, _health, switches) = serve(Traffic::new().probes([Probe::Readiness])).await;
    // No traffic for two windows.
    for _ in 0..12 {
        assert_eq!(fetch(addr, "/readyz").await.status, StatusCode::OK);
        tokio::time::sleep(WINDOW / 6).await;
    }
    assert_eq!(traffic_entry(addr).await["traffic"]["requests"], 0);
    // Ten failures, under the minimum of twenty.
    switches.fail_tenths(10);
    for _ in 0..10 {
        let reply = send(addr, Method::GET, "/work", &[]).await;
        assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR);
    }
    tokio::time::sleep(WINDOW / 4).await;
    let entry = traffic_entry(addr).await;
    assert_eq!(entry["status"], "ok", "{entry}");
    assert_eq!(entry["traffic"]["failures"], 10, "{entry}");
    // 404s in any number: the clients' mistake.
    let load = Hammer::start(addr, 4, "/missing");
    tokio::time::sleep(WINDOW).await;
    let statuses = load.finish().await;
    assert!(statuses[&404] >= 20, "{statuses:?}");
    let entry = traffic_entry(addr).await;
    assert_eq!(entry["status"], "ok", "{entry}");
    assert!(
        entry["traffic"]["responses"]["4xx"].as_u64().unwrap() >= 20,
        "{entry}"
    );
    assert_eq!(fetch(addr, "/readyz").await.status, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn probes_flooding_the_service_do_not_count() {
    let (addr, _health, _switches) = serve(Traffic::new()).await;
    let probes: Vec<Hammer> = [
        "/readyz",
        "/healthz",
        "/health",
        "/readyz/traffic",
        "/startupz",
    ]
    .into_iter()
    .map(|path| Hammer::start(addr, 1, path))
    .collect();
    tokio::time::sleep(WINDOW * 2).await;
    let mut answered = 0;
    for hammer in probes {
        answered += hammer.finish().await.values().sum::<u64>();
    }
    assert!(answered > 100, "{answered} probes");
    tokio::time::sleep(WINDOW / 6).await;
    let figures = &traffic_entry(addr).await["traffic"];
    assert_eq!(figures["requests"], 0, "{figures}");
    assert_eq!(figures["in_flight"], 0, "{figures}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_latency_budget_turns_it_degraded() {
    let rules = Traffic::new()
        .p99_budget(Duration::from_millis(40))
        .probes([Probe::Readiness]);
    let (addr, _health, switches) = serve(rules).await;
    switches.latency(120);
    let load = Hammer::start(addr, 8, "/work");
    let entry = wait_for_traffic(addr, "degraded").await;
    let ready = fetch(addr, "/readyz").await;
    load.finish().await;
    assert_eq!(ready.status, StatusCode::OK, "degraded passes");
    assert_eq!(ready.json()["status"], "degraded", "{}", ready.text());
    assert!(
        entry["traffic"]["p99_ms"].as_f64().unwrap() >= 120.0,
        "{entry}"
    );
    let verbose = fetch(addr, "/readyz?verbose").await.text();
    assert!(verbose.contains("[+]traffic degraded: "), "{verbose}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_given_up_by_their_clients_are_abandoned_and_in_flight_until_then() {
    let (addr, _health, _switches) = serve(Traffic::new()).await;
    let hanging: Vec<_> = (0..5)
        .map(|_| tokio::spawn(async move { send(addr, Method::GET, "/hang", &[]).await }))
        .collect();
    // Folded at least once while they hang.
    let deadline = Instant::now() + common::NO_HANG;
    while traffic_entry(addr).await["traffic"]["in_flight"] != 5 {
        assert!(Instant::now() < deadline, "{}", traffic_entry(addr).await);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // The clients go away: their connections close, hyper drops the futures.
    for client in hanging {
        client.abort();
    }
    let deadline = Instant::now() + common::NO_HANG;
    loop {
        let figures = traffic_entry(addr).await["traffic"].clone();
        if figures["abandoned"] == 5 && figures["in_flight"] == 0 {
            assert_eq!(figures["requests"], 0, "none completed: {figures}");
            break;
        }
        assert!(Instant::now() < deadline, "{figures}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shared_traffic_holds_readiness_when_every_replica_fails_and_not_when_one_does() {
    let mut listeners = Vec::new();
    for _ in 0..3 {
        listeners.push(ephemeral_listener().await);
    }
    let addresses: Vec<String> = listeners.iter().map(|(_, a)| a.to_string()).collect();
    let mut replicas = Vec::new();
    for (listener, addr) in listeners {
        let rules = Traffic::new().probes([Probe::Readiness]).shared();
        let health = observed(rules).peers(Peers::new(addresses.clone())).build();
        health.mark_started();
        let switches = Switches::default();
        serve_flaky(listener, &health, &switches);
        replicas.push((addr, health, switches));
    }
    // A broken downstream: every replica fails 80 %.
    for (_, _, switches) in &replicas {
        switches.fail_tenths(8);
    }
    let loads: Vec<Hammer> = replicas
        .iter()
        .map(|(addr, ..)| Hammer::start(*addr, 2, "/work"))
        .collect();
    for (addr, ..) in &replicas {
        let held = wait_for_body_status(*addr, "degraded").await;
        assert_eq!(held.status, StatusCode::OK);
        let reason = held.json()["reason"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        assert!(
            reason.contains("traffic down across the fleet"),
            "{}",
            held.text()
        );
        assert_eq!(traffic_entry(*addr).await["status"], "down");
    }
    // The downstream recovers for two replicas; the third still fails alone.
    replicas[1].2.fail_tenths(0);
    replicas[2].2.fail_tenths(0);
    let alone = replicas[0].0;
    let left =
        common::client::wait_for_status(alone, "/readyz", StatusCode::SERVICE_UNAVAILABLE).await;
    assert_eq!(left.json()["status"], "down", "{}", left.text());
    for (addr, ..) in &replicas[1..] {
        wait_for_body_status(*addr, "ok").await;
    }
    for load in loads {
        load.finish().await;
    }
}
