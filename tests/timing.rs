//! When checks run and when their results move a status, on tokio's paused clock: time
//! thresholds (`down_after`), the first run spread over the interval (`initial_jitter`),
//! and a down check on its own interval (`down_interval`).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
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
    fn failing() -> Self {
        let dependency = Dependency::default();
        dependency.fail(true);
        dependency
    }

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

    fn first_run(&self) -> Option<Instant> {
        self.runs.lock().unwrap().first().copied()
    }
}

/// Run `scenario` on a paused clock in a thread of its own, and fail instead of hanging
/// when it does not finish: a task that spins keeps the paused clock from advancing.
fn on_a_paused_clock(scenario: impl Future<Output = ()> + Send + 'static) {
    let (done, finished) = mpsc::channel();
    let thread = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .start_paused(true)
            .build()
            .unwrap();
        runtime.block_on(scenario);
        let _ = done.send(());
    });
    match finished.recv_timeout(Duration::from_secs(10)) {
        Ok(()) => thread.join().unwrap(),
        Err(RecvTimeoutError::Disconnected) => {
            std::panic::resume_unwind(thread.join().unwrap_err())
        }
        Err(RecvTimeoutError::Timeout) => panic!("still running after 10 s: a task spins"),
    }
}

/// A handle with the one `check`, first run at once, its engine started.
fn start(check: NamedCheck) -> Health {
    let health = Health::builder()
        .add_check(check.initial_jitter(Duration::ZERO))
        .build();
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

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn first_runs_of_50_checks_spread_over_the_interval() {
    let interval = Duration::from_secs(10);
    let dependencies: Vec<Dependency> = (0..50).map(|_| Dependency::default()).collect();
    let mut builder = Health::builder().interval(interval);
    for (n, dependency) in dependencies.iter().enumerate() {
        builder = builder.check(format!("dep-{n}"), dependency.check());
    }
    let health = builder.build();
    let started = Instant::now();
    health.start_checks();
    // The timer counts whole milliseconds: a delay just under the interval ends on it.
    tokio::time::sleep(interval + Duration::from_millis(1)).await;

    let offsets: Vec<Duration> = dependencies
        .iter()
        .map(|dependency| dependency.first_run().expect("a check never ran") - started)
        .collect();
    assert!(
        offsets.iter().all(|offset| *offset <= interval),
        "{offsets:?}"
    );
    let mut seconds: Vec<u64> = offsets.iter().map(Duration::as_secs).collect();
    seconds.sort_unstable();
    seconds.dedup();
    // 50 uniform draws leave 3 of 10 one-second slots empty about once in 10⁶ runs.
    assert!(seconds.len() >= 8, "first runs bunched in {seconds:?} s");
    let earliest = offsets.iter().min().unwrap();
    let latest = offsets.iter().max().unwrap();
    assert!(
        *earliest < Duration::from_secs(2) && *latest > Duration::from_secs(8),
        "first runs from {earliest:?} to {latest:?}"
    );
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_check_gating_startup_runs_at_once_and_the_default_spread_is_bounded() {
    let (migrations, hourly) = (Dependency::default(), Dependency::default());
    let health = Health::builder()
        .add_check(
            NamedCheck::new("migrations", migrations.check())
                .initial_jitter(Duration::from_secs(60)),
        )
        .add_check(NamedCheck::new("hourly", hourly.check()).interval(Duration::from_secs(3600)))
        .require_for_startup("migrations")
        .build();
    let started = Instant::now();
    health.start_checks();
    tokio::time::sleep(Duration::from_secs(30)).await;
    assert_eq!(migrations.first_run(), Some(started), "start-up waited");
    let hourly_first = hourly.first_run().expect("the default spread is over 30 s");
    assert!(hourly_first - started < Duration::from_secs(30));
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_check_s_initial_jitter_overrides_the_builder_s() {
    let (at_once, spread) = (Dependency::default(), Dependency::default());
    let health = Health::builder()
        .check("at-once", at_once.check())
        .add_check(
            NamedCheck::new("spread", spread.check()).initial_jitter(Duration::from_secs(3600)),
        )
        .initial_jitter(Duration::ZERO)
        .build();
    let started = Instant::now();
    health.start_checks();
    tokio::time::sleep(Duration::from_secs(3600)).await;
    assert_eq!(at_once.first_run(), Some(started));
    let spread_first = spread.first_run().expect("never ran in its hour");
    assert!(
        spread_first > started,
        "a random part of an hour, to the millisecond"
    );
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_down_check_runs_on_its_down_interval() {
    // Every 10 s while up, every 1 s (+ up to 100 ms jitter) while down.
    let redis = Dependency::failing();
    let health = start(
        NamedCheck::new("redis", redis.check())
            .interval(Duration::from_secs(10))
            .down_interval(Duration::from_secs(1)),
    );
    tokio::time::sleep(Duration::from_millis(29_950)).await;
    assert_eq!(status(&health, "redis"), ComponentStatus::Down);
    // Runs at 0 s, then every 1 to 1.1 s: 28 to 30 runs in 30 s.
    let runs = redis.runs();
    assert!((28..=30).contains(&runs), "{runs} runs in 30 s while down");

    // Back up: on its 10 s interval again.
    redis.fail(false);
    tokio::time::sleep(Duration::from_millis(1_200)).await;
    assert_eq!(status(&health, "redis"), ComponentStatus::Up);
    let runs = redis.runs();
    tokio::time::sleep(Duration::from_secs(30)).await;
    let later = redis.runs() - runs;
    assert!((2..=3).contains(&later), "{later} runs in 30 s while up");
}

#[test]
fn a_longer_down_interval_spares_the_dependency_without_turning_stale() {
    on_a_paused_clock(longer_down_interval());
}

async fn longer_down_interval() {
    // Every 10 s while down: results vouch for 3 × 10 s + the timeout, not 3 × the 1 ms
    // interval. That interval also leaves unchanged results no margin to republish the
    // snapshot before it would expire: the clock must, without spinning.
    let search = Dependency::failing();
    let health = start(
        NamedCheck::new("search", search.check())
            .interval(Duration::from_millis(1))
            .down_interval(Duration::from_secs(10)),
    );
    tokio::time::sleep(Duration::from_millis(9_900)).await;
    let snapshot = health.snapshot();
    let component = snapshot.component("search").unwrap();
    assert_eq!(component.status(), ComponentStatus::Down);
    assert_eq!(component.error(), Some("refused"), "not stale between runs");
    assert_eq!(search.runs(), 1);
    tokio::time::sleep(Duration::from_secs(30)).await;
    // Runs at 0 s, then every 10 to 11 s: 4 in 40 s.
    assert_eq!(search.runs(), 4);
    let snapshot = health.snapshot();
    assert_eq!(
        snapshot.component("search").unwrap().error(),
        Some("refused")
    );
}
