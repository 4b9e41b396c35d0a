//! The agent check of the probe server, black-box: real TCP reads of its line as the
//! handle's lifecycle, its components and the requests in flight change.

mod common;

use std::io::Read;
use std::net::SocketAddr;
use std::time::Duration;

use common::NO_HANG;
use common::agent::{Gate, agent_line, app, wait_for_line, weight};
use common::client::fetch;
use common::serve::serve_axum;
use http::StatusCode;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tower_health::probe_server::ProbeServerHandle;
use tower_health::{AgentCheck, Health, HealthLayer, ProbeServer, Traffic};

fn localhost() -> SocketAddr {
    ([127, 0, 0, 1], 0).into()
}

/// A probe server for `health` with the agent check `agent`, both on free ports.
fn spawn(health: &Health, agent: AgentCheck) -> (ProbeServerHandle, SocketAddr) {
    let probes = ProbeServer::bind(localhost(), health.clone())
        .agent(localhost(), agent)
        .spawn()
        .expect("bind the probe server and its agent check");
    let addr = probes.agent_addr().expect("the agent's address");
    (probes, addr)
}

/// Stop `probes` from the test's runtime without blocking it.
async fn shutdown(probes: ProbeServerHandle) {
    tokio::task::spawn_blocking(move || probes.shutdown())
        .await
        .unwrap();
}

#[tokio::test]
async fn agent_says_up_down_maint_and_drain_from_the_handle() {
    let health = Health::builder().component("database").build();
    let (probes, agent) = spawn(&health, AgentCheck::new());
    assert_eq!(agent_line(agent).await, "down\n", "not started yet");
    health.mark_started();
    assert_eq!(
        agent_line(agent).await,
        "down\n",
        "no result for a critical component"
    );
    health.mark_up("database");
    assert_eq!(agent_line(agent).await, "up ready 100%\n", "idle");

    health.mark_down("database", "connect db.internal:5432: refused");
    assert_eq!(agent_line(agent).await, "down\n", "readiness fails");
    health.mark_in_maintenance("reindexing", None);
    assert_eq!(
        agent_line(agent).await,
        "maint\n",
        "maintenance before down"
    );
    health.mark_up("database");
    assert_eq!(agent_line(agent).await, "maint\n");
    health.mark_out_of_maintenance();
    assert_eq!(
        agent_line(agent).await,
        "up ready 100%\n",
        "back, with `ready`"
    );

    health.mark_in_maintenance("upgrade", None);
    health.mark_draining();
    assert_eq!(
        agent_line(agent).await,
        "drain\n",
        "draining before everything"
    );
    health.mark_out_of_maintenance();
    assert_eq!(agent_line(agent).await, "drain\n", "no way back");

    let probe_addr = probes.local_addr();
    shutdown(probes).await;
    assert!(
        TcpStream::connect(agent).await.is_err(),
        "agent port closed"
    );
    assert!(TcpStream::connect(probe_addr).await.is_err());
}

#[tokio::test]
async fn agent_maintenance_window_lifts_itself() {
    let health = Health::default();
    health.mark_started();
    let (_probes, agent) = spawn(&health, AgentCheck::new());
    health.mark_in_maintenance("short", Some(Duration::from_millis(200)));
    assert_eq!(agent_line(agent).await, "maint\n");
    wait_for_line(agent, |line| line == "up ready 100%\n").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agent_weight_falls_with_the_requests_in_flight() {
    const CAPACITY: u64 = 10;
    const HELD: u64 = 4;
    let health = Health::builder().traffic(Traffic::new()).build();
    health.mark_started();
    let gate = Gate::closed();
    let app = app(&gate, Duration::ZERO).layer(HealthLayer::new(health.clone()));
    let addr = serve_axum(app).await;
    let (_probes, agent) = spawn(&health, AgentCheck::new().capacity(CAPACITY));
    assert_eq!(agent_line(agent).await, "up ready 100%\n", "idle");

    let held: Vec<_> = (0..HELD)
        .map(|_| tokio::spawn(async move { fetch(addr, "/held").await }))
        .collect();
    let expected = 100 * (CAPACITY - HELD) / CAPACITY;
    let line = wait_for_line(agent, |line| weight(line) < 100).await;
    // The requests arrive one by one: wait for the last.
    let line = match weight(&line) as u64 == expected {
        true => line,
        false => wait_for_line(agent, |line| weight(line) as u64 == expected).await,
    };
    assert_eq!(line, format!("up ready {expected}%\n"));
    // Probes are no traffic: they leave the weight alone.
    assert_eq!(fetch(addr, "/readyz").await.status, StatusCode::OK);
    assert_eq!(agent_line(agent).await, line);

    gate.open();
    for request in held {
        let reply = tokio::time::timeout(NO_HANG, request)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(reply.text(), "held");
    }
    assert_eq!(agent_line(agent).await, "up ready 100%\n", "all answered");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agent_weight_falls_at_capacity_to_zero() {
    let health = Health::builder().traffic(Traffic::new()).build();
    health.mark_started();
    let gate = Gate::closed();
    let addr = serve_axum(app(&gate, Duration::ZERO).layer(HealthLayer::new(health.clone()))).await;
    let (_probes, agent) = spawn(&health, AgentCheck::new().capacity(2));
    let held: Vec<_> = (0..3)
        .map(|_| tokio::spawn(async move { fetch(addr, "/held").await }))
        .collect();
    wait_for_line(agent, |line| line == "up ready 0%\n").await;
    gate.open();
    for request in held {
        tokio::time::timeout(NO_HANG, request)
            .await
            .unwrap()
            .unwrap();
    }
    wait_for_line(agent, |line| line == "up ready 100%\n").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agent_weight_falls_with_the_p99_past_its_budget() {
    let traffic = Traffic::new()
        .window(Duration::from_secs(1))
        .p99_budget(Duration::from_millis(10));
    let health = Health::builder().traffic(traffic).build();
    health.mark_started();
    let gate = Gate::closed();
    let slow = Duration::from_millis(100);
    let addr = serve_axum(app(&gate, slow).layer(HealthLayer::new(health.clone()))).await;
    let (_probes, agent) = spawn(&health, AgentCheck::new());
    assert_eq!(agent_line(agent).await, "up ready 100%\n");
    for _ in 0..3 {
        assert_eq!(fetch(addr, "/slow").await.text(), "slow");
    }
    // The window is folded every 83 ms; the p99 is then about 100 ms, ten times the budget.
    let line = wait_for_line(agent, |line| weight(line) < 100).await;
    let weight = weight(&line);
    assert!((5..=10).contains(&weight), "{line:?}");
    // The window slides past the slow requests: the weight comes back.
    wait_for_line(agent, |line| line == "up ready 100%\n").await;
}

#[tokio::test]
async fn agent_answers_while_the_application_runtime_is_wedged() {
    let health = Health::default();
    health.mark_started();
    let (_probes, agent) = spawn(&health, AgentCheck::new());
    // A blocking read on the test's only runtime thread: nothing else runs on it meanwhile.
    let mut stream = std::net::TcpStream::connect(agent).unwrap();
    stream.set_read_timeout(Some(NO_HANG)).unwrap();
    let mut line = String::new();
    stream.read_to_string(&mut line).unwrap();
    assert_eq!(line, "up ready 100%\n");
}

#[tokio::test]
async fn agent_answers_a_peer_that_sends_first() {
    let health = Health::default();
    health.mark_draining();
    let (_probes, agent) = spawn(&health, AgentCheck::new());
    // HAProxy's `agent-send`: what the peer sends is read and dropped.
    let mut stream = TcpStream::connect(agent).await.unwrap();
    stream.write_all(b"backend/app1\n").await.unwrap();
    let mut line = String::new();
    let read = tokio::io::AsyncReadExt::read_to_string(&mut stream, &mut line);
    tokio::time::timeout(NO_HANG, read).await.unwrap().unwrap();
    assert_eq!(line, "drain\n");
}

#[test]
fn agent_settings_and_binding_errors_start_nothing() {
    let refused = |health: &Health, agent: AgentCheck| {
        ProbeServer::bind(localhost(), health.clone())
            .agent(localhost(), agent)
            .spawn()
            .expect_err("refused")
    };
    let plain = Health::default();
    let error = refused(&plain, AgentCheck::new().capacity(8));
    assert_eq!(error.kind(), std::io::ErrorKind::InvalidInput);
    assert!(
        error.to_string().contains("HealthBuilder::traffic"),
        "{error}"
    );
    let observed = Health::builder().traffic(Traffic::new()).build();
    let error = refused(&observed, AgentCheck::new().capacity(0));
    assert!(error.to_string().contains("at least 1"), "{error}");

    // The agent's address is taken: an error, and the probe address is free again.
    let taken = std::net::TcpListener::bind(localhost()).unwrap();
    let free = std::net::TcpListener::bind(localhost()).unwrap();
    let probe_addr = free.local_addr().unwrap();
    drop(free);
    let error = ProbeServer::bind(probe_addr, plain.clone())
        .agent(taken.local_addr().unwrap(), AgentCheck::new())
        .spawn()
        .expect_err("the agent's address is in use");
    assert_eq!(error.kind(), std::io::ErrorKind::AddrInUse);
    std::net::TcpListener::bind(probe_addr).expect("the probe address was released");

    // Without an agent, there is no agent address.
    let probes = ProbeServer::bind(localhost(), plain).spawn().unwrap();
    assert_eq!(probes.agent_addr(), None);
    probes.shutdown();
}
