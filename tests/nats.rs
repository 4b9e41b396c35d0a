//! `checks::nats` over an async-nats client, against nats-server processes of the test's own
//! (with a user and password): up, down when the server stops, up again when it is back, on
//! the same client, without a connection per run.

mod common;

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use async_nats::{Client, ConnectOptions};
use common::brokers::{NATS_PASSWORD, NATS_USER, Nats};
use common::deps::free_port;
use common::health::becomes;
use tower_health::{Check, ComponentStatus, Health, checks};

/// The application's client: credentials in the options, reconnecting by itself (its
/// default), with a short reconnect delay so the test does not wait out the default's 4 s.
async fn client(nats: &Nats) -> Client {
    ConnectOptions::with_user_and_password(NATS_USER.into(), NATS_PASSWORD.into())
        .reconnect_delay_callback(|_| Duration::from_millis(100))
        .connect(nats.url())
        .await
        .expect("connect to the test's nats-server")
}

#[tokio::test]
async fn passes_on_the_apps_client_without_a_connection_per_run() {
    let nats = Nats::start();
    let client = client(&nats).await;
    let check = checks::nats(client.clone());
    let before = nats.total_connections();
    let started = Instant::now();
    for _ in 0..20 {
        check
            .check()
            .await
            .expect("nats check against a live server");
    }
    let per_run = started.elapsed() / 20;
    println!("a passing run: {per_run:?}");
    // Twenty round trips, no connection: the monitoring request itself is HTTP, not counted.
    assert_eq!(
        nats.total_connections(),
        before,
        "connections opened by the runs"
    );
    assert_eq!(client.statistics().connects.load(Ordering::Relaxed), 1);
    // A subject of the application's choosing: nobody answers it, the server does.
    let check = checks::nats(client.clone()).subject("health.ping");
    check.check().await.expect("a subject nobody subscribes to");
    assert!(!format!("{check:?}").contains(NATS_PASSWORD), "{check:?}");
}

#[tokio::test]
async fn down_when_the_server_stops_and_up_again_when_it_is_back() {
    let mut nats = Nats::start();
    let client = client(&nats).await;
    let health = Health::builder()
        .check("nats", checks::nats(client.clone()))
        .interval(Duration::from_millis(50))
        .failure_threshold(1)
        .initial_jitter(Duration::ZERO)
        .build();
    health.mark_started();
    health.start_checks();
    becomes(&health, "nats", ComponentStatus::Up, Duration::from_secs(5)).await;

    let stopped = Instant::now();
    nats.stop();
    let reason = becomes(
        &health,
        "nats",
        ComponentStatus::Down,
        Duration::from_secs(5),
    )
    .await
    .expect("a reason");
    println!(
        "down {:?} after the server stopped: {reason}",
        stopped.elapsed()
    );
    assert_eq!(reason, "nats: disconnected");
    assert!(!reason.contains(NATS_PASSWORD));
    // While it is away, every run fails at once from the client's state.
    let check = checks::nats(client.clone());
    let started = Instant::now();
    let error = check.check().await.expect_err("the server is stopped");
    let elapsed = started.elapsed();
    println!("a run while the server is stopped: {elapsed:?}");
    assert_eq!(error.message(), "nats: disconnected");
    assert!(elapsed < Duration::from_millis(100), "took {elapsed:?}");

    nats.restart();
    let back = Instant::now();
    becomes(
        &health,
        "nats",
        ComponentStatus::Up,
        Duration::from_secs(10),
    )
    .await;
    println!("up {:?} after the server was back", back.elapsed());
    // The same client, reconnected by itself: the application never restarted.
    assert_eq!(client.statistics().connects.load(Ordering::Relaxed), 2);
    check.check().await.expect("the server is back");
}

#[tokio::test]
async fn a_server_that_answers_nothing_is_not_passed() {
    let nats = Nats::start();
    let client = client(&nats).await;
    let check = checks::nats(client.clone());
    check.check().await.expect("a live server");
    nats.pause();
    // The client's `flush` passes (the bytes reach the socket); the check's round trip waits
    // for the frozen server until the engine's timeout ends it.
    tokio::time::timeout(Duration::from_secs(1), client.flush())
        .await
        .expect("flush does not wait for the server")
        .expect("flush");
    let waited = tokio::time::timeout(Duration::from_millis(500), check.check()).await;
    nats.resume();
    assert!(waited.is_err(), "passed without the server: {waited:?}");
    check.check().await.expect("the server answers again");
}

#[tokio::test]
async fn a_client_that_never_connected_fails_at_once() {
    // Nothing listens there: the client keeps trying in the background (an application
    // that starts before its server), and the check does not wait for it.
    let url = format!("nats://127.0.0.1:{}", free_port());
    let client = ConnectOptions::new()
        .retry_on_initial_connect()
        .connect(url)
        .await
        .expect("a client that connects later");
    let check = checks::nats(client);
    let started = Instant::now();
    let error = check.check().await.expect_err("nothing listens");
    let elapsed = started.elapsed();
    println!("a run against a refused port: {elapsed:?}");
    assert_eq!(error.message(), "nats: not connected yet");
    assert!(elapsed < Duration::from_millis(100), "took {elapsed:?}");
}
