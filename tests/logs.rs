//! What the crate logs through `tracing`, captured from a real subscriber: a failing streak
//! below the failure threshold is said once, when it begins, and the transition says the
//! rest.

mod common;

use std::sync::atomic::Ordering;
use std::time::Duration;

use common::NO_HANG;
use common::health::switch;
use common::logs::Captured;
use tower_health::{Health, NamedCheck, Probe, Status};

/// Sleep one check interval at a time (the clock is paused: it advances when the runtime
/// is idle) until `done`, or fail after a bound that proves "does not hang".
async fn until(done: impl Fn() -> bool, what: &str) {
    for _ in 0..(NO_HANG.as_secs() * 10) {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{what} never happened");
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_failing_streak_below_the_threshold_is_logged_once() {
    let logs = Captured::default();
    let _guard = tracing::subscriber::set_default(logs.subscriber());

    let (failing, check) = switch("connection refused");
    let health = Health::builder()
        .add_check(
            NamedCheck::new("redis", check)
                .interval(Duration::from_millis(100))
                .failure_threshold(3),
        )
        .build();
    health.mark_started();
    health.start_checks();
    let ready = |health: &Health| health.snapshot().status(Probe::Readiness) == Status::Ok;
    until(|| ready(&health), "readiness").await;

    // The first failure of a streak is said; the second, still below the threshold, is not.
    failing.store(true, Ordering::SeqCst);
    until(|| logs.count("failing") == 1, "the first failing line").await;
    assert_eq!(
        logs.count("health: redis failing (1/3): connection refused"),
        1,
        "{}",
        logs.text()
    );
    tokio::time::sleep(Duration::from_millis(110)).await;
    assert!(ready(&health), "below the threshold: still ready");
    assert_eq!(logs.count("failing"), 1, "{}", logs.text());

    // The third failure turns it down: the transition is logged, the streak line is not.
    until(|| !ready(&health), "readiness failing").await;
    assert_eq!(logs.count("health: redis is down"), 1, "{}", logs.text());
    assert_eq!(logs.count("failing"), 1, "{}", logs.text());
    let runs_down = logs.text().lines().count();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        logs.text().lines().count(),
        runs_down,
        "no line per failing run: {}",
        logs.text()
    );

    // Back up, then a new streak: said once more.
    failing.store(false, Ordering::SeqCst);
    until(|| ready(&health), "recovery").await;
    assert_eq!(logs.count("health: redis is up"), 2, "{}", logs.text());
    failing.store(true, Ordering::SeqCst);
    until(|| logs.count("failing") == 2, "the second streak's line").await;
    tokio::time::sleep(Duration::from_millis(110)).await;
    assert_eq!(logs.count("failing"), 2, "{}", logs.text());
}
