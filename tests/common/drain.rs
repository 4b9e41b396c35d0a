//! The graceful drain every example program promises, checked on a process: on a signal,
//! readiness turns 503 at once, requests keep being served through the drain delay,
//! in-flight requests complete, and the process exits cleanly; a probe port, where there is
//! one, answers through it all until the process exits.

use std::time::Duration;

use http::{Method, StatusCode};
use tokio::time::Instant;

use super::NO_HANG;
use super::client::{fetch, send, try_send, wait_for_status};
use super::examples::Example;
use super::load::Load;

/// Generous: long enough that the load can stop well before the drain ends.
pub const DELAY: Duration = Duration::from_millis(3000);

/// Run the drain sequence against an example process and check every promise.
pub async fn drains_on_signal(
    name: &str,
    signal: &str,
    load_path: &'static str,
    slow_path: Option<&'static str>,
    headers: &'static [(&'static str, &'static str)],
) {
    let delay_ms = DELAY.as_millis().to_string();
    let mut server = Example::start(name, &[("SHUTDOWN_DELAY_MS", &delay_ms)]);
    let addr = server.addr;
    wait_for_status(addr, "/readyz", StatusCode::OK).await;

    let load = Load::start(addr, 4, load_path, headers);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let signalled = Instant::now();
    server.signal(signal);

    let ready = wait_for_status(addr, "/readyz", StatusCode::SERVICE_UNAVAILABLE).await;
    assert_eq!(ready.json()["reason"], "shutting down");
    assert!(
        signalled.elapsed() < DELAY,
        "readiness did not turn 503 during the drain"
    );
    assert_eq!(fetch(addr, "/healthz").await.status, StatusCode::OK);

    // Halfway through the drain: a request that will still be in flight when it ends.
    tokio::time::sleep_until(signalled + DELAY / 2).await;
    let slow = slow_path
        .map(|path| tokio::spawn(async move { send(addr, Method::GET, path, headers).await }));
    let served = load.finish().await;
    assert!(served > 0, "the load sent nothing");

    if let Some(slow) = slow {
        let reply = tokio::time::timeout(NO_HANG, slow)
            .await
            .expect("slow request hung")
            .unwrap();
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
        assert!(
            signalled.elapsed() >= DELAY,
            "the slow request ended before the drain did"
        );
    }
    assert_eq!(
        server.exit_code().await,
        Some(0),
        "{name} did not exit cleanly"
    );
    assert!(
        signalled.elapsed() >= DELAY,
        "{name} stopped before its drain delay"
    );
    assert!(server.output().contains("stopped"), "{}", server.output());
    assert!(
        tokio::net::TcpStream::connect(addr).await.is_err(),
        "{name} still accepts connections after exiting"
    );
}

/// Generous: how long a process may take to exit once its probe port has closed (it closes
/// it as the last thing before it exits).
const EXIT_AFTER_PROBES: Duration = Duration::from_secs(2);

/// Start example `name` with its probes also on a port of their own (`PROBE_ADDR`) and a
/// drain delay of `delay`, send `signal`, and check the probe port from then on until the
/// process exits: every round answers liveness `200` and readiness `503` ("shutting down"),
/// on a new connection each; it still answers once the delay is over; it closes with the
/// process, which exits 0.
pub async fn probe_port_answers_until_exit(name: &str, signal: &str, delay: Duration) {
    let delay_ms = delay.as_millis().to_string();
    let mut server = Example::start(
        name,
        &[
            ("PROBE_ADDR", "127.0.0.1:0"),
            ("SHUTDOWN_DELAY_MS", &delay_ms),
        ],
    );
    let probes = server.probe_addr();
    wait_for_status(probes, "/readyz", StatusCode::OK).await;
    let signalled = Instant::now();
    server.signal(signal);
    let ready = wait_for_status(probes, "/readyz", StatusCode::SERVICE_UNAVAILABLE).await;
    assert_eq!(ready.json()["reason"], "shutting down");

    let probe = |path| async move {
        tokio::time::timeout(NO_HANG, try_send(probes, Method::GET, path, &[]))
            .await
            .unwrap_or_else(|_| panic!("{path} on the probe port hung during the drain"))
    };
    let (mut rounds, mut last_answer) = (0, signalled);
    // A refused or cut connection ends the watch: the process is on its way out.
    while let (Ok(live), Ok(ready)) = (probe("/healthz").await, probe("/readyz").await) {
        assert_eq!(live.status, StatusCode::OK, "liveness: {}", live.text());
        assert_eq!(
            ready.status,
            StatusCode::SERVICE_UNAVAILABLE,
            "{}",
            ready.text()
        );
        assert_eq!(ready.json()["reason"], "shutting down");
        (rounds, last_answer) = (rounds + 1, Instant::now());
        assert!(
            signalled.elapsed() < NO_HANG,
            "{name}: the probe port still answers {NO_HANG:?} after the signal"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let closed = Instant::now();
    assert_eq!(server.exit_code().await, Some(0), "{}", server.output());
    assert!(
        closed.elapsed() < EXIT_AFTER_PROBES,
        "{name} lived on {:?} after its probe port closed",
        closed.elapsed()
    );
    // Answered every round from the signal on; the first round it did not was past the delay.
    assert!(
        closed >= signalled + delay,
        "{name}: the probe port stopped answering {:?} after the signal, before the drain \
         delay ({delay:?}) was over ({rounds} rounds, the last {:?} after the signal)",
        closed - signalled,
        last_answer - signalled
    );
    assert!(server.output().contains("stopped"), "{}", server.output());
    assert!(
        tokio::net::TcpStream::connect(probes).await.is_err(),
        "{name}'s probe port still accepts connections after it exited"
    );
}
