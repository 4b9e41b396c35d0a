//! When checks run and when their results move a status, on tokio's paused clock: time
//! thresholds (`down_after`).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;
use tower_health::{ComponentStatus, Health, NamedCheck};

/// A dependency that remembers when it was checked, and fails while told to.
#[derive(Clone, Default)]
struct Dependency {
    runs: Arc<Mutex<Vec<Instant>>>,
    failing: Arc<AtomicBool>,
}

impl Dependency {
    fn check(&self) -> impl tower_health::Check {
        let this = self.clone();
        move || {
            this.runs.lock().unwrap().push(Instant::now());
            let failing = this.failing.load(Ordering::SeqCst);
            async move { if failing { Err("refused") } else { Ok(()) } }
        }
    }

    fn fail(&self, failing: bool) {
        self.failing.store(failing, Ordering::SeqCst);
    }

    fn runs(&self) -> usize {
        self.runs.lock().unwrap().len()
    }
}

/// A handle with the one `check`, its engine started.
fn start(check: NamedCheck) -> Health {
    let health = Health::builder().add_check(check).build();
    health.start_checks();
    health
}

fn status(health: &Health, name: &str) -> ComponentStatus {
    health.snapshot().component(name).unwrap().status()
}

/// Step the paused clock 100 ms at a time for `duration`, and say whether `name` was ever
/// seen down.
async fn watch_for_down(health: &Health, name: &str, duration: Duration) -> Option<Instant> {
    let until = Instant::now() + duration;
    while Instant::now() < until {
        tokio::time::sleep(Duration::from_millis(100)).await;
        if status(health, name) == ComponentStatus::Down {
            return Some(Instant::now());
        }
    }
    None
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_check_turns_down_only_after_failing_for_down_after() {
    let redis = Dependency::default();
    let health = start(
        NamedCheck::new("redis", redis.check())
            .interval(Duration::from_secs(1))
            .down_after(Duration::from_secs(10)),
    );
    tokio::time::sleep(Duration::from_millis(10)).await;
    assert_eq!(status(&health, "redis"), ComponentStatus::Up);

    // Failing for 9 s: many more failed runs than the default threshold of 3, never down.
    let before = redis.runs();
    redis.fail(true);
    let flipped = watch_for_down(&health, "redis", Duration::from_secs(9)).await;
    assert_eq!(flipped, None, "down after failing for less than 10 s");
    let failures = redis.runs() - before;
    assert!(failures >= 7, "only {failures} failed runs");
    redis.fail(false);
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(status(&health, "redis"), ComponentStatus::Up);
    assert_eq!(
        health
            .snapshot()
            .component("redis")
            .unwrap()
            .consecutive_failures(),
        0,
        "the streak ended"
    );

    // Failing for longer: down 10 s after the first failed run, give or take one run.
    redis.fail(true);
    let failing_from = Instant::now();
    let down = watch_for_down(&health, "redis", Duration::from_secs(20))
        .await
        .expect("never down");
    let took = down - failing_from;
    assert!(
        took >= Duration::from_secs(10) && took <= Duration::from_millis(12_300),
        "down {took:?} after it began failing"
    );
}
