//! `checks::rabbitmq` over lapin connections, against rabbitmq-server processes of the test's
//! own: up, down when the broker stops or crashes, up again when it is back, on a connection
//! lapin recovers and on one the application replaces, without a connection per run.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::brokers::{RABBITMQ_PASSWORD, Rabbitmq};
use common::deps::free_port;
use common::health::becomes;
use lapin::{Connection, ConnectionProperties};
use tokio::sync::watch;
use tower_health::{Check, ComponentStatus, Health, checks};

/// A handle running `check` every 50 ms, down on the first failure.
fn engine(check: impl Check) -> Health {
    let health = Health::builder()
        .check("rabbitmq", check)
        .interval(Duration::from_millis(50))
        .failure_threshold(1)
        .initial_jitter(Duration::ZERO)
        .build();
    health.mark_started();
    health.start_checks();
    health
}

/// The broker stops (`how`), the check turns down: how long it took, with the reason; then a
/// run on its own fails at once.
async fn goes_down(health: &Health, check: &impl Check, how: impl FnOnce()) -> String {
    let stopping = Instant::now();
    how();
    let gone = Instant::now();
    let reason = becomes(
        health,
        "rabbitmq",
        ComponentStatus::Down,
        Duration::from_secs(10),
    )
    .await
    .expect("a reason");
    println!(
        "the broker took {:?} to stop; down {:?} after it was gone: {reason}",
        gone - stopping,
        gone.elapsed()
    );
    assert!(!reason.contains(RABBITMQ_PASSWORD), "{reason}");
    let started = Instant::now();
    let error = check.check().await.expect_err("the broker is away");
    let elapsed = started.elapsed();
    println!("a run while the broker is away: {elapsed:?} ({error})");
    assert!(elapsed < Duration::from_millis(100), "took {elapsed:?}");
    assert!(!error.message().contains(RABBITMQ_PASSWORD), "{error}");
    reason
}

/// The broker starts again; the check turns up: how long after the broker answered.
async fn comes_back(health: &Health, rabbitmq: &mut Rabbitmq) {
    rabbitmq.restart();
    let back = Instant::now();
    becomes(
        health,
        "rabbitmq",
        ComponentStatus::Up,
        Duration::from_secs(20),
    )
    .await;
    println!("up {:?} after the broker was back", back.elapsed());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn follows_a_connection_lapin_recovers() {
    let mut rabbitmq = Rabbitmq::start();
    // As the check's docs show: auto-recovery, retrying for as long as it takes (here every
    // 100 to 500 ms, so the test does not wait out longer delays).
    let properties = ConnectionProperties::default()
        .enable_auto_recover()
        .configure_backoff(|backoff| {
            backoff
                .with_min_delay(Duration::from_millis(100))
                .with_max_delay(Duration::from_millis(500))
                .without_max_times()
        });
    let connection = Arc::new(
        Connection::connect(&rabbitmq.url(), properties)
            .await
            .expect("connect to the test's rabbitmq-server"),
    );
    let check = checks::rabbitmq(connection.clone());

    // A run is a channel opened and closed on the application's connection: no connection.
    let before = rabbitmq.churn();
    let started = Instant::now();
    for _ in 0..20 {
        check
            .check()
            .await
            .expect("rabbitmq check against a live broker");
    }
    println!("a passing run: {:?}", started.elapsed() / 20);
    let after = rabbitmq.churn();
    println!("20 runs: {before:?} -> {after:?}");
    assert_eq!(after.connections_opened, before.connections_opened);
    assert_eq!(after.connections_closed, before.connections_closed);
    assert_eq!(after.channels_opened, before.channels_opened + 20);
    assert_eq!(after.channels_closed, before.channels_closed + 20);
    assert_eq!(rabbitmq.connections(), 1);

    let health = engine(check.clone());
    becomes(
        &health,
        "rabbitmq",
        ComponentStatus::Up,
        Duration::from_secs(5),
    )
    .await;

    // Stopped as a service manager stops it: the broker closes the connection.
    let reason = goes_down(&health, &check, || rabbitmq.stop()).await;
    assert_eq!(reason, "rabbitmq: disconnected, reconnecting");
    comes_back(&health, &mut rabbitmq).await;

    // Crashed: the connection is reset without a word.
    let reason = goes_down(&health, &check, || rabbitmq.kill()).await;
    assert_eq!(reason, "rabbitmq: disconnected, reconnecting");
    comes_back(&health, &mut rabbitmq).await;

    // The same connection throughout: recovered by lapin, the application never restarted.
    assert!(connection.status().connected());
    check.check().await.expect("recovered");
    assert_eq!(rabbitmq.connections(), 1);
    // Closed before the broker goes: lapin would go on recovering it past the runtime's end.
    connection.close(200, "OK".into()).await.expect("close");
}

/// The application's reconnect task, as the check's docs show it: `current` holds a live
/// connection to `url`, `None` between a broken one and the next.
async fn keep_connected(url: String, current: watch::Sender<Option<Arc<Connection>>>) {
    loop {
        match Connection::connect(&url, ConnectionProperties::default()).await {
            Ok(connection) => {
                let connection = Arc::new(connection);
                current.send_replace(Some(connection.clone()));
                while connection.status().connected() {
                    tokio::time::sleep(Duration::from_millis(250)).await;
                }
                current.send_replace(None);
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(250)).await,
        }
        if current.is_closed() {
            return;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn follows_the_connection_the_application_replaces() {
    let mut rabbitmq = Rabbitmq::start();
    let (current, connection) = watch::channel(None);
    let task = tokio::spawn(keep_connected(rabbitmq.url(), current));
    let check = checks::rabbitmq(connection.clone());
    let health = engine(check.clone());
    becomes(
        &health,
        "rabbitmq",
        ComponentStatus::Up,
        Duration::from_secs(5),
    )
    .await;
    let first = connection.borrow().clone().expect("a connection");

    // Without auto-recovery the connection breaks for good; the task notices and drops it.
    let reason = goes_down(&health, &check, || rabbitmq.stop()).await;
    assert!(
        ["rabbitmq: disconnected", "rabbitmq: not connected"].contains(&reason.as_str()),
        "{reason}"
    );
    comes_back(&health, &mut rabbitmq).await;

    // A new connection, which the check found where the application put it.
    let second = connection.borrow().clone().expect("a connection");
    assert!(!Arc::ptr_eq(&first, &second));
    assert!(first.status().errored(), "{:?}", first.status());
    assert_eq!(rabbitmq.connections(), 1);
    task.abort();
}

#[tokio::test]
async fn no_connection_fails_at_once() {
    // The broker refuses connections: the application's task keeps failing to connect, and
    // the check does not wait for it.
    let (current, connection) = watch::channel(None);
    let url = format!(
        "amqp://app:{RABBITMQ_PASSWORD}@127.0.0.1:{}/%2f",
        free_port()
    );
    let task = tokio::spawn(keep_connected(url, current));
    let check = checks::rabbitmq(connection);
    tokio::time::sleep(Duration::from_millis(100)).await;
    let started = Instant::now();
    let error = check.check().await.expect_err("nothing listens");
    let elapsed = started.elapsed();
    println!("a run while the broker refuses connections: {elapsed:?}");
    assert_eq!(error.message(), "rabbitmq: not connected");
    assert!(elapsed < Duration::from_millis(100), "took {elapsed:?}");
    task.abort();
}
