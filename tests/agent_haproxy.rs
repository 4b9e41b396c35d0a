//! The agent check read by a real HAProxy: the server's weight falls under load, it goes
//! to maintenance and down and comes back, then drains, while every request through
//! HAProxy is answered.

mod common;

use std::time::{Duration, Instant};

use axum::routing::get;
use common::haproxy::HaProxy;
use common::load::Load;
use common::serve::{Calls, counting_app, serve_axum};
use tower_health::{AgentCheck, Health, HealthLayer, ProbeServer, Traffic};

/// Requests in flight at which the agent's weight reaches 0 %.
const CAPACITY: u64 = 16;
/// Clients looping on the slow path through HAProxy: requests in flight at the app.
const CLIENTS: usize = 8;
/// How long the slow path takes.
const SLOW: Duration = Duration::from_millis(200);

/// The app under test: `/slow` sleeps, counting its calls, behind the layer over `health`.
fn app(health: &Health, calls: Calls) -> axum::Router {
    let slow = move || {
        calls.hit();
        async {
            tokio::time::sleep(SLOW).await;
            "slow"
        }
    };
    axum::Router::new()
        .route("/slow", get(slow))
        .layer(HealthLayer::new(health.clone()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agent_haproxy_weights_follow_load_and_states_and_drain_loses_nothing() {
    let health = Health::builder()
        .component("database")
        .traffic(Traffic::new())
        .build();
    health.mark_up("database");
    health.mark_started();
    let app_calls = Calls::default();
    let app_addr = serve_axum(app(&health, app_calls.clone())).await;
    let (spare, spare_calls) = counting_app();
    let spare_addr = serve_axum(spare).await;
    let probes = ProbeServer::bind(([127, 0, 0, 1], 0), health.clone())
        .agent(([127, 0, 0, 1], 0), AgentCheck::new().capacity(CAPACITY))
        .spawn()
        .expect("bind the probe server and its agent");
    let agent_port = probes.agent_addr().unwrap().port();
    let haproxy = HaProxy::start(&format!(
        "    balance roundrobin\n\
         \x20   server app {app_addr} weight 100 check inter 200ms agent-check agent-addr 127.0.0.1 agent-port {agent_port} agent-inter 200ms\n\
         \x20   server spare {spare_addr} backup"
    ))
    .await;
    let status_is =
        |wanted: &'static str| move |row: &common::haproxy::Row| row["status"].starts_with(wanted);
    let row = haproxy
        .wait_for("app", "UP at 100", |row| {
            row["status"] == "UP" && row["weight"] == "100" && row["agent_status"] == "L7OK"
        })
        .await;
    eprintln!(
        "idle: status {}, weight {}, agent {:?}",
        row["status"], row["weight"], row["agent_desc"]
    );

    // Load: the weight falls with the requests in flight, HAProxy's view following.
    let load = Load::start(haproxy.addr, CLIENTS, "/slow", &[]);
    let mut weights = Vec::new();
    let until = Instant::now() + Duration::from_secs(3);
    while Instant::now() < until {
        let row = haproxy.server("app").await;
        weights.push(row["weight"].parse::<u8>().expect("a weight"));
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    eprintln!("weights under {CLIENTS} slow clients, capacity {CAPACITY}: {weights:?}");
    let expected = (100 - 100 * CLIENTS as u64 / CAPACITY) as u8;
    assert!(
        weights.iter().any(|w| w.abs_diff(expected) <= 10),
        "the weight never came near {expected}: {weights:?}"
    );
    assert!(
        weights.iter().all(|w| *w > 0),
        "never at capacity: {weights:?}"
    );
    assert_eq!(
        spare_calls.count(),
        0,
        "the backup takes nothing while the app is up"
    );

    // Maintenance, then back: `ready` lifts HAProxy's MAINT.
    health.mark_in_maintenance("reindexing", None);
    let row = haproxy.wait_for("app", "MAINT", status_is("MAINT")).await;
    eprintln!("maintenance: status {}", row["status"]);
    health.mark_out_of_maintenance();
    let row = haproxy.wait_for("app", "UP", status_is("UP")).await;
    eprintln!(
        "out of maintenance: status {}, weight {}",
        row["status"], row["weight"]
    );

    // Readiness fails, then passes again.
    health.mark_down("database", "connect db.internal:5432: refused");
    let row = haproxy.wait_for("app", "DOWN", status_is("DOWN")).await;
    eprintln!(
        "database down: status {}, agent {:?}",
        row["status"], row["agent_desc"]
    );
    health.mark_up("database");
    let row = haproxy.wait_for("app", "UP", status_is("UP")).await;
    eprintln!(
        "database up: status {}, weight {}",
        row["status"], row["weight"]
    );

    // Drain: requests under way finish at the app, new ones go to the spare.
    health.mark_draining();
    let row = haproxy.wait_for("app", "DRAIN", status_is("DRAIN")).await;
    eprintln!(
        "draining: status {}, weight {}",
        row["status"], row["weight"]
    );
    let (app_then, spare_then) = (app_calls.count(), spare_calls.count());
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(
        app_calls.count(),
        app_then,
        "a draining app gets no new requests"
    );
    assert!(spare_calls.count() > spare_then, "the spare takes the load");
    let row = haproxy.server("app").await;
    assert!(
        row["status"].starts_with("DRAIN"),
        "still draining: {}",
        row["status"]
    );

    // Every request through HAProxy was answered 200 (finish panics otherwise).
    let answered = load.finish().await;
    eprintln!(
        "answered through haproxy: {answered} ({} at the app, {} at the spare), failed: 0",
        app_calls.count(),
        spare_calls.count()
    );
    assert!(answered > 0);
    drop(probes);
}
