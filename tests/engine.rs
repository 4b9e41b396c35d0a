//! The background engine over real HTTP: thresholds, criticality, panics, timeouts against a
//! hung dependency, stale results, shutdown, and a probe flood.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::NO_HANG;
use common::client::{fetch, wait_for_status};
use common::deps::Blackhole;
use common::serve::serve_counting;
use http::StatusCode;
use tower_health::{ComponentStatus, Health, NamedCheck, Probe, Status, checks};

/// A closure check that counts its runs and fails while `failing` is set.
#[derive(Clone, Default)]
struct Switch {
    runs: Arc<AtomicUsize>,
    failing: Arc<AtomicBool>,
}

impl Switch {
    fn check(&self) -> impl tower_health::Check {
        let this = self.clone();
        move || {
            let run = this.runs.fetch_add(1, Ordering::SeqCst) + 1;
            let failing = this.failing.load(Ordering::SeqCst);
            async move {
                if failing {
                    Err(format!("failure on run {run}"))
                } else {
                    Ok(())
                }
            }
        }
    }
    fn runs(&self) -> usize {
        self.runs.load(Ordering::SeqCst)
    }
    fn set_failing(&self, failing: bool) {
        self.failing.store(failing, Ordering::SeqCst);
    }
}

/// Wait until `condition` holds for the published snapshot.
async fn wait_until(
    health: &Health,
    what: &str,
    condition: impl Fn(&tower_health::Snapshot) -> bool,
) {
    let mut changes = health.subscribe();
    let waited =
        tokio::time::timeout(NO_HANG, changes.wait_for(|snapshot| condition(snapshot))).await;
    assert!(
        waited.is_ok(),
        "timed out waiting until {what}; last: {:?}",
        health.snapshot()
    );
}

fn status_of(health: &Health, name: &str) -> ComponentStatus {
    health.snapshot().component(name).unwrap().status()
}

#[tokio::test]
async fn thresholds_hold_a_passing_check_up_for_a_few_failures() {
    let switch = Switch::default();
    let health = Health::builder()
        .add_check(
            NamedCheck::new("flaky", switch.check())
                .failure_threshold(3)
                .success_threshold(2),
        )
        .interval(Duration::from_millis(20))
        .build();
    health.mark_started();
    let (addr, _) = serve_counting(&health).await;
    health.start_checks();

    wait_until(&health, "flaky is up", |s| {
        s.component("flaky").unwrap().status().is_up()
    })
    .await;
    assert_eq!(fetch(addr, "/readyz").await.status, StatusCode::OK);

    switch.set_failing(true);
    wait_until(&health, "two failures", |s| {
        s.component("flaky").unwrap().consecutive_failures() == 2
    })
    .await;
    assert_eq!(
        status_of(&health, "flaky"),
        ComponentStatus::Up,
        "below the threshold"
    );
    assert_eq!(fetch(addr, "/readyz").await.status, StatusCode::OK);
    wait_until(&health, "flaky is down", |s| {
        s.component("flaky").unwrap().status() == ComponentStatus::Down
    })
    .await;
    assert_eq!(
        health
            .snapshot()
            .component("flaky")
            .unwrap()
            .consecutive_failures(),
        3
    );
    let ready = fetch(addr, "/readyz").await;
    assert_eq!(ready.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(ready.json()["checks"]["flaky"]["status"], "down");
    assert!(
        !ready.text().contains("failure on run"),
        "error text leaked: {}",
        ready.text()
    );

    switch.set_failing(false);
    wait_for_status(addr, "/readyz", StatusCode::OK).await;
    assert_eq!(fetch(addr, "/healthz").await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_failing_non_critical_check_degrades_but_stays_ready() {
    let health = Health::builder()
        .check("database", || async { Ok::<(), String>(()) })
        .add_check(NamedCheck::new("search", || async { Err("index offline") }).non_critical())
        .interval(Duration::from_millis(20))
        .build();
    health.mark_started();
    let (addr, _) = serve_counting(&health).await;
    health.start_checks();

    let ready = wait_for_status(addr, "/readyz", StatusCode::OK).await;
    assert_eq!(ready.json()["status"], "degraded");
    assert_eq!(
        ready.json()["checks"]["search"],
        serde_json::json!({"status": "down", "critical": false})
    );
    assert_eq!(
        ready.json()["checks"]["database"],
        serde_json::json!({"status": "ok", "critical": true})
    );
    let snapshot = health.snapshot();
    assert_eq!(
        snapshot.component("search").unwrap().error(),
        Some("index offline")
    );
    assert_eq!(snapshot.status(Probe::Combined), Status::Degraded);
}

#[tokio::test]
async fn a_panicking_check_fails_and_the_engine_goes_on() {
    let steady = Switch::default();
    let health = Health::builder()
        .check("explodes", || async {
            if std::hint::black_box(true) {
                panic!("kaboom in a check");
            }
            Ok::<(), String>(())
        })
        .check("steady", steady.check())
        .interval(Duration::from_millis(20))
        .build();
    health.mark_started();
    let (addr, _) = serve_counting(&health).await;
    health.start_checks();

    wait_until(&health, "explodes is down", |s| {
        s.component("explodes").unwrap().status() == ComponentStatus::Down
    })
    .await;
    let error = health
        .snapshot()
        .component("explodes")
        .unwrap()
        .error()
        .unwrap()
        .to_owned();
    assert_eq!(error, "check panicked: kaboom in a check");
    let before = steady.runs();
    let deadline = Instant::now() + NO_HANG;
    while steady.runs() < before + 3 {
        assert!(
            Instant::now() < deadline,
            "the engine stopped after a panic"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let ready = fetch(addr, "/readyz").await;
    assert_eq!(ready.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(ready.json()["checks"]["steady"]["status"], "ok");
}

#[tokio::test]
async fn a_blackholed_dependency_times_out_and_probes_never_wait() {
    let hole = Blackhole::start().await;
    let uri: http::Uri = format!("http://{}/", hole.addr).parse().unwrap();

    // A long timeout: the check is still hanging while the probes are answered.
    let slow = Health::builder()
        .add_check(
            NamedCheck::new("search", checks::http(uri.clone())).timeout(Duration::from_secs(60)),
        )
        .initial_jitter(Duration::ZERO)
        .build();
    slow.mark_started();
    let (addr, _) = serve_counting(&slow).await;
    slow.start_checks();
    let deadline = Instant::now() + NO_HANG;
    while hole.accepted() == 0 {
        assert!(Instant::now() < deadline, "the check never connected");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    for _ in 0..50 {
        let ready = fetch(addr, "/readyz").await;
        assert_eq!(ready.status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(ready.json()["checks"]["search"]["status"], "unknown");
        assert_eq!(fetch(addr, "/healthz").await.status, StatusCode::OK);
    }
    assert_eq!(
        hole.accepted(),
        1,
        "the check is still hanging on its one connection"
    );

    // A short timeout: the engine drops the check and reports it failed.
    let quick = Health::builder()
        .add_check(NamedCheck::new("search", checks::http(uri)).timeout(Duration::from_millis(100)))
        .interval(Duration::from_millis(50))
        .build();
    quick.start_checks();
    wait_until(&quick, "search is down", |s| {
        s.component("search").unwrap().status() == ComponentStatus::Down
    })
    .await;
    let error = quick
        .snapshot()
        .component("search")
        .unwrap()
        .error()
        .unwrap()
        .to_owned();
    assert_eq!(error, "timed out after 100ms");
}

#[tokio::test]
async fn results_turn_stale_when_the_engine_stops() {
    let switch = Switch::default();
    let health = Health::builder()
        .check("dep", switch.check())
        .interval(Duration::from_millis(30))
        .timeout(Duration::from_millis(30))
        .build();
    health.mark_started();
    let (addr, _) = serve_counting(&health).await;
    let engine = health.start_checks();
    wait_for_status(addr, "/readyz", StatusCode::OK).await;

    health.stop_checks();
    tokio::time::timeout(NO_HANG, engine)
        .await
        .expect("engine did not stop")
        .unwrap();
    let runs = switch.runs();

    // Three intervals and a timeout later, the last result no longer vouches for the check.
    let ready = wait_for_status(addr, "/readyz", StatusCode::SERVICE_UNAVAILABLE).await;
    assert_eq!(ready.json()["checks"]["dep"]["status"], "down");
    let error = health
        .snapshot()
        .component("dep")
        .unwrap()
        .error()
        .unwrap()
        .to_owned();
    assert!(error.starts_with("stale"), "{error}");
    assert_eq!(fetch(addr, "/healthz").await.status, StatusCode::OK);
    assert_eq!(switch.runs(), runs, "a check ran after the engine stopped");
}

#[tokio::test]
async fn the_engine_stops_when_the_last_handle_is_dropped() {
    let switch = Switch::default();
    let health = Health::builder()
        .check("dep", switch.check())
        .interval(Duration::from_millis(10))
        .build();
    let engine = health.start_checks();
    // A second engine is refused: it ends at once and runs nothing.
    tokio::time::timeout(NO_HANG, health.start_checks())
        .await
        .unwrap()
        .unwrap();
    let deadline = Instant::now() + NO_HANG;
    while switch.runs() < 2 {
        assert!(Instant::now() < deadline, "the engine never ran the check");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    drop(health);
    tokio::time::timeout(NO_HANG, engine)
        .await
        .expect("engine outlived its handles")
        .unwrap();
    let runs = switch.runs();
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(switch.runs(), runs);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_probe_flood_does_not_run_checks() {
    const PROBES: usize = 2000;
    let interval = Duration::from_millis(200);
    let switch = Switch::default();
    let health = Health::builder()
        .check("dep", switch.check())
        .interval(interval)
        .build();
    health.mark_started();
    let (addr, _) = serve_counting(&health).await;
    health.start_checks();
    wait_for_status(addr, "/readyz", StatusCode::OK).await;

    let runs_before = switch.runs();
    let started = Instant::now();
    let probes: Vec<_> = (0..PROBES)
        .map(|_| tokio::spawn(async move { fetch(addr, "/readyz").await.status }))
        .collect();
    for probe in probes {
        assert_eq!(probe.await.unwrap(), StatusCode::OK);
    }
    let elapsed = started.elapsed();
    let runs = switch.runs() - runs_before;
    let bound = (elapsed.as_secs_f64() / interval.as_secs_f64()).ceil() as usize + 1;
    println!("{PROBES} probes in {elapsed:?}: {runs} check runs (bound {bound})");
    assert!(
        runs <= bound,
        "{runs} check runs for {PROBES} probes in {elapsed:?}"
    );
}
