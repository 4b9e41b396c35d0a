//! `examples/server.rs` with HAProxy's agent check (`AGENT_ADDR`, `AGENT_CAPACITY`): the
//! line a real TCP client reads, the weight falling with requests in flight, `drain` from
//! SIGTERM until the process exits 0, read by a real HAProxy that loses no request; settings
//! it cannot honour stop start-up with exit 2.

use std::net::SocketAddr;
use std::time::Duration;

use http::{Method, StatusCode};
use tokio::time::Instant;

use crate::common::agent;
use crate::common::client::{send, wait_for_status};
use crate::common::examples::{Example, run_to_exit};
use crate::common::haproxy::HaProxy;
use crate::common::load::Load;
use crate::common::serve::{counting_app, serve_axum};

const TOKEN: &[(&str, &str)] = &[("authorization", "Bearer dev-token")];

/// Ask the agent until it says exactly `expected`, for at most `NO_HANG`.
async fn wait_for_line(agent: SocketAddr, expected: &str) {
    agent::wait_for_line(agent, |line| line == expected).await;
}

#[tokio::test]
async fn the_weight_falls_with_requests_in_flight_and_sigterm_drains() {
    let mut server = Example::start(
        "server",
        &[
            ("PROBE_ADDR", "127.0.0.1:0"),
            ("AGENT_ADDR", "127.0.0.1:0"),
            ("AGENT_CAPACITY", "4"),
            ("SHUTDOWN_DELAY_MS", "1500"),
        ],
    );
    let (app, agent) = (server.addr, server.agent_addr());
    wait_for_status(app, "/readyz", StatusCode::OK).await;
    assert!(
        server.output().contains("  AGENT_CAPACITY=4"),
        "{}",
        server.output()
    );
    wait_for_line(agent, "up ready 100%\n").await;

    // Two of a capacity of four in flight: half the weight.
    let slow: Vec<_> = (0..2)
        .map(|_| tokio::spawn(send(app, Method::GET, "/api/slow?ms=3000", TOKEN)))
        .collect();
    wait_for_line(agent, "up ready 50%\n").await;
    for request in slow {
        assert_eq!(request.await.unwrap().status, StatusCode::OK);
    }
    wait_for_line(agent, "up ready 100%\n").await;

    server.signal("TERM");
    wait_for_line(agent, "drain\n").await;
    assert_eq!(server.exit_code().await, Some(0), "{}", server.output());
}

#[test]
fn settings_it_cannot_honour_stop_start_up() {
    for (env, names) in [
        (
            vec![("AGENT_ADDR", "127.0.0.1:0")],
            "AGENT_ADDR needs PROBE_ADDR",
        ),
        (
            vec![("PROBE_ADDR", "127.0.0.1:0"), ("AGENT_ADDR", "nowhere")],
            "AGENT_ADDR=\"nowhere\" is not valid",
        ),
        (
            vec![
                ("PROBE_ADDR", "127.0.0.1:0"),
                ("AGENT_ADDR", "127.0.0.1:0"),
                ("AGENT_CAPACITY", "0"),
            ],
            "AGENT_CAPACITY=0 is not valid",
        ),
        (
            vec![
                ("PROBE_ADDR", "127.0.0.1:0"),
                ("AGENT_ADDR", "127.0.0.1:0"),
                ("AGENT_CAPACITY", "8"),
                ("TRAFFIC", "off"),
            ],
            "AGENT_CAPACITY needs the traffic observed",
        ),
    ] {
        let output = run_to_exit("server", &env);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{env:?}: {stderr}");
        assert!(stderr.contains(names), "{env:?}: {stderr}");
    }
}

/// A real HAProxy in front of the reference server, reading its agent: under load the
/// weight falls; on SIGTERM the server turns `DRAIN` in HAProxy's stats at once, the
/// backup takes the new requests, the server finishes what it has and exits 0, and not one
/// request through HAProxy fails.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn haproxy_drains_the_server_on_sigterm_and_loses_no_request() {
    let mut server = Example::start(
        "server",
        &[
            ("PROBE_ADDR", "127.0.0.1:0"),
            ("AGENT_ADDR", "127.0.0.1:0"),
            ("AGENT_CAPACITY", "8"),
            ("SHUTDOWN_DELAY_MS", "2000"),
        ],
    );
    let (app, agent) = (server.addr, server.agent_addr());
    wait_for_status(app, "/readyz", StatusCode::OK).await;
    let (spare, spare_calls) = counting_app();
    let spare = serve_axum(spare).await;
    let haproxy = HaProxy::start(&format!(
        "    balance roundrobin\n\
         \x20   option httpchk GET /readyz\n\
         \x20   server app {app} weight 100 check inter 200ms agent-check agent-addr 127.0.0.1 agent-port {} agent-inter 200ms\n\
         \x20   server spare {spare} backup",
        agent.port()
    ))
    .await;
    haproxy
        .wait_for("app", "UP at 100", |row| {
            row["status"] == "UP" && row["weight"] == "100"
        })
        .await;

    // Four clients on 300 ms requests: about four in flight of a capacity of eight.
    let load = Load::start(haproxy.addr, 4, "/api/slow?ms=300", TOKEN);
    let row = haproxy
        .wait_for("app", "a weight under 100", |row| {
            row["status"] == "UP" && row["weight"].parse::<u8>().is_ok_and(|w| w < 100)
        })
        .await;
    eprintln!("under load: weight {}", row["weight"]);
    assert_eq!(
        spare_calls.count(),
        0,
        "the backup takes nothing while the app is up"
    );

    let terminated = Instant::now();
    server.signal("TERM");
    let row = haproxy
        .wait_for("app", "DRAIN", |row| row["status"].starts_with("DRAIN"))
        .await;
    eprintln!(
        "SIGTERM → {} after {:?}",
        row["status"],
        terminated.elapsed()
    );
    assert!(
        terminated.elapsed() < Duration::from_secs(2),
        "drained within the delay"
    );
    let spare_then = spare_calls.count();
    assert_eq!(server.exit_code().await, Some(0), "{}", server.output());
    assert!(
        spare_calls.count() > spare_then,
        "the backup took the new requests"
    );
    // Every request through HAProxy was answered 200 (finish panics otherwise).
    let answered = load.finish().await;
    eprintln!("answered through haproxy: {answered}, failed: 0");
}
