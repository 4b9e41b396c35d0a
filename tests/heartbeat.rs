//! A heartbeat over real HTTP: a task beating every 50 ms keeps `/readyz` at 200; once it
//! stops, `/readyz` answers 503 within the TTL and two check intervals, with how long ago
//! the last beat was; the next beat brings it back.

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::client::{fetch, wait_for_status, wait_for_status_within};
use common::health::settled;
use common::serve::serve_counting;
use http::StatusCode;
use tokio::task::JoinHandle;
use tower_health::checks::{self, Beat};
use tower_health::{Details, Health};

const TTL: Duration = Duration::from_millis(300);
const INTERVAL: Duration = Duration::from_millis(50);

/// A task beating every 50 ms; the instant each beat was about to be taken.
fn beating(beat: Beat) -> (JoinHandle<()>, Arc<Mutex<Instant>>) {
    let last = Arc::new(Mutex::new(Instant::now()));
    let noted = last.clone();
    let task = tokio::spawn(async move {
        let mut ticks = tokio::time::interval(Duration::from_millis(50));
        loop {
            ticks.tick().await;
            *noted.lock().unwrap() = Instant::now();
            beat.beat();
        }
    });
    (task, last)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_heartbeat_that_stops_fails_readiness_after_its_ttl_and_comes_back() {
    let (beat, check) = checks::heartbeat(TTL);
    let health = Health::builder()
        .add_check(check.named("jobs").interval(INTERVAL))
        .details(Details::Always)
        .initial_jitter(Duration::ZERO)
        .build();
    health.mark_started();
    health.start_checks();
    let (addr, _) = serve_counting(&health).await;
    settled(&health).await;

    // Before the first beat.
    let reply = fetch(addr, "/readyz").await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        reply.json()["checks"]["jobs"]["error"],
        "no beat yet (ttl 300ms)"
    );

    // Up while it beats, for twice the TTL.
    let (task, last) = beating(beat.clone());
    wait_for_status(addr, "/readyz", StatusCode::OK).await;
    let beating_since = Instant::now();
    while beating_since.elapsed() < 2 * TTL {
        let reply = fetch(addr, "/readyz").await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // Stopped: down after the TTL, within the TTL and two intervals.
    task.abort();
    let _ = task.await;
    let stopped = Instant::now();
    let last_beat = *last.lock().unwrap();
    let reply = loop {
        let reply = fetch(addr, "/readyz").await;
        if reply.status == StatusCode::SERVICE_UNAVAILABLE {
            break reply;
        }
        assert!(
            stopped.elapsed() < Duration::from_secs(5),
            "never went down"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    };
    let down = Instant::now();
    let bound = TTL + 2 * INTERVAL;
    assert!(
        down - stopped <= bound,
        "down {:?} after the beats stopped, more than {bound:?}",
        down - stopped
    );
    assert!(
        down - last_beat > TTL,
        "down {:?} after the last beat, within the TTL",
        down - last_beat
    );
    eprintln!(
        "heartbeat: /readyz 503 {:?} after the beats stopped, {:?} after the last beat",
        down - stopped,
        down - last_beat
    );
    let error = reply.json()["checks"]["jobs"]["error"]
        .as_str()
        .expect("details revealed")
        .to_owned();
    assert!(
        error.starts_with("no beat for 3") && error.ends_with("ms (ttl 300ms)"),
        "{error}"
    );
    let verbose = fetch(addr, "/health?verbose").await.text();
    assert!(
        verbose.contains("[-]jobs failed: no beat for "),
        "{verbose}"
    );

    // One beat brings it back at the next run.
    beat.beat();
    wait_for_status_within(addr, "/readyz", StatusCode::OK, 4 * INTERVAL).await;
}

#[tokio::test]
async fn a_dropped_beat_handle_goes_down_after_the_ttl_and_says_so() {
    let (beat, check) = checks::heartbeat(Duration::from_millis(100));
    let health = Health::builder()
        .add_check(check.named("scheduler"))
        .details(Details::Always)
        .initial_jitter(Duration::ZERO)
        .build();
    health.mark_started();
    let worker = tokio::spawn(async move {
        beat.beat(); // the task's last beat, and it ends
    });
    worker.await.unwrap();
    health.start_checks();
    let (addr, _) = serve_counting(&health).await;
    let reply = wait_for_status(addr, "/readyz", StatusCode::SERVICE_UNAVAILABLE).await;
    let error = reply.json()["checks"]["scheduler"]["error"].clone();
    let error = error.as_str().expect("details revealed");
    assert!(error.starts_with("no beat for "), "{error}");
    assert!(
        error.ends_with("ms (ttl 100ms; every Beat handle was dropped)"),
        "{error}"
    );
}
