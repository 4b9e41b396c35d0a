//! `examples/server.rs` with its probes also on a port of their own (`PROBE_ADDR`): they are
//! answered at once while the app port queues behind CPU-bound requests, and through the
//! drain until the process exits; the load routes `/api/work` and `/api/block` refuse what
//! they should; a probe address that cannot be used stops start-up.

use std::time::Duration;

use http::{Method, StatusCode};
use tokio::time::Instant;

use crate::common::NO_HANG;
use crate::common::client::{fetch, send, wait_for_status};
use crate::common::drain::probe_port_answers_until_exit;
use crate::common::examples::{Example, run_to_exit};
use crate::common::load::Load;

const TOKEN: &[(&str, &str)] = &[("authorization", "Bearer dev-token")];

/// The kubelet's default `timeoutSeconds`: a probe slower than this counts as failed.
const PROBE_BOUND: Duration = Duration::from_secs(1);

/// The median of some durations.
fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

/// `GET path` on a new connection, and how long the answer took.
async fn timed(addr: std::net::SocketAddr, path: &str) -> (StatusCode, Duration) {
    let start = Instant::now();
    let reply = fetch(addr, path).await;
    (reply.status, start.elapsed())
}

#[tokio::test]
async fn probe_port_answers_at_once_while_the_app_port_queues_behind_cpu_work() {
    let server = Example::start(
        "server",
        &[("PROBE_ADDR", "127.0.0.1:0"), ("TOKIO_WORKER_THREADS", "2")],
    );
    let (app, probes) = (server.addr, server.probe_addr());
    wait_for_status(probes, "/readyz", StatusCode::OK).await;

    // 48 clients, each keeping one request of 50 ms of CPU work in flight: the app's two
    // runtime workers never run out of work, and every other request on the app port queues.
    let load = Load::start(app, 48, "/api/work?ms=50", TOKEN);
    let deadline = Instant::now() + NO_HANG;
    while load.answered() < 20 {
        assert!(Instant::now() < deadline, "the app answered no CPU work");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // Meanwhile, a few liveness probes on the app port, one after another.
    let on_app_port = tokio::spawn(async move {
        let mut times = Vec::new();
        for _ in 0..5 {
            let (status, took) = timed(app, "/healthz").await;
            assert_eq!(status, StatusCode::OK, "liveness on the app port");
            times.push(took);
        }
        times
    });
    // And 20 on the probe port, each on a new connection as a kubelet sends them.
    let mut on_probe_port = Vec::new();
    for _ in 0..20 {
        let (status, took) = timed(probes, "/healthz").await;
        assert_eq!(status, StatusCode::OK, "liveness on the probe port");
        assert!(
            took < PROBE_BOUND,
            "a probe on the probe port took {took:?} while the app was saturated"
        );
        on_probe_port.push(took);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let on_app_port = on_app_port.await.expect("probes on the app port");
    let served = load.finish().await;

    println!("probe port: {on_probe_port:?}");
    println!("app port:   {on_app_port:?}");
    println!("CPU-bound requests answered: {served}");
    // The relation only, with a wide margin: the app port's probes queue behind the work,
    // the probe port's do not.
    let (probe_port, app_port) = (median(on_probe_port), median(on_app_port));
    assert!(
        app_port > probe_port * 5,
        "the app port's probes did not queue (median {app_port:?}) longer than the probe \
         port's (median {probe_port:?}): was the app saturated?"
    );
}

#[tokio::test]
async fn load_routes_take_the_token_and_a_bounded_ms() {
    let server = Example::start("server", &[]);
    let addr = server.addr;
    for route in ["/api/work", "/api/block"] {
        for query in [
            "",
            "?ms=",
            "?ms=soon",
            "?ms=-1",
            "?ms=1.5",
            "?ms=60001",
            "?ms=99999999999999999999",
            "?other=5",
        ] {
            let path = format!("{route}{query}");
            let refused = send(addr, Method::GET, &path, TOKEN).await;
            assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{path}");
            assert!(
                refused.header("content-type").starts_with("text/plain"),
                "{path}: {:?}",
                refused.headers
            );
            assert!(
                refused.text().starts_with("ms "),
                "{path}: {}",
                refused.text()
            );
        }
        let path = format!("{route}?ms=5");
        let denied = fetch(addr, &path).await;
        assert_eq!(denied.status, StatusCode::UNAUTHORIZED, "{path}");
        for ms in [0, 5] {
            let path = format!("{route}?ms={ms}");
            let done = send(addr, Method::GET, &path, TOKEN).await;
            assert_eq!(done.status, StatusCode::OK, "{path}: {}", done.text());
            assert!(
                done.text().ends_with(&format!(" {ms} ms\n")),
                "{path}: {}",
                done.text()
            );
        }
    }
}

#[tokio::test]
async fn probe_port_answers_through_the_drain_until_the_process_exits() {
    probe_port_answers_until_exit("server", "TERM", Duration::from_millis(1500)).await;
}

#[tokio::test]
async fn probe_port_serves_the_handle_and_metrics_only() {
    let server = Example::start("server", &[("PROBE_ADDR", "127.0.0.1:0")]);
    let probes = server.probe_addr();
    assert_ne!(probes, server.addr);
    assert!(
        server
            .output()
            .lines()
            .any(|line| line == "  PROBE_ADDR=127.0.0.1:0"),
        "{}",
        server.output()
    );
    // The same handle as the app port's layer: holding readiness out shows on both.
    wait_for_status(probes, "/readyz", StatusCode::OK).await;
    let held = send(server.addr, Method::POST, "/admin/unready", TOKEN).await;
    assert_eq!(held.status, StatusCode::NO_CONTENT);
    let ready = fetch(probes, "/readyz").await;
    assert_eq!(ready.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(ready.json()["reason"], "held out by /admin/unready");
    assert_eq!(fetch(probes, "/startupz").await.status, StatusCode::OK);
    assert_eq!(fetch(probes, "/healthz").await.status, StatusCode::OK);

    let metrics = fetch(probes, "/metrics").await;
    assert_eq!(metrics.status, StatusCode::OK);
    assert!(
        metrics.text().contains("health_probe_status"),
        "{}",
        metrics.text()
    );
    // Nothing of the app: not its routes, not its admin routes, token or not.
    for path in ["/", "/api/items", "/api/work?ms=5"] {
        let reply = send(probes, Method::GET, path, TOKEN).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{path}");
    }
    let admin = send(probes, Method::POST, "/admin/ready", TOKEN).await;
    assert_eq!(admin.status, StatusCode::NOT_FOUND);
}

#[test]
fn reference_server_refuses_a_probe_address_it_cannot_use() {
    // Not an address: a configuration error, like any setting that does not parse.
    let output = run_to_exit("server", &[("PROBE_ADDR", "localhost:9090")]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("PROBE_ADDR=\"localhost:9090\" is not valid"),
        "{stderr}"
    );

    // An address in use: serving fails, as for LISTEN_ADDR.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let output = run_to_exit("server", &[("PROBE_ADDR", &addr)]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!("error: cannot serve the probes on {addr}: "))
            && stderr.to_lowercase().contains("in use"),
        "{stderr}"
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(!stdout.contains("listening on"), "{stdout}");
}
