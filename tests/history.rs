//! What operators see of the past, over real HTTP: each component's history (`?history`)
//! through a real Redis stop and start, bounded memory under churn, the flapping rule, and
//! the status page chosen by `Accept` while machines keep their JSON.

mod common;

use std::time::Duration;

use common::NO_HANG;
use common::client::{fetch, send, wait_for_status};
use common::deps::{Redis, redis_manager};
use common::serve::{counting_app, serve_axum};
use http::{Method, StatusCode};
use serde_json::Value;
use tower_health::{Details, Health, HealthLayer, checks};

/// What Chromium sends for a page.
const BROWSER: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,\
                       image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7";

async fn serve(health: &Health) -> std::net::SocketAddr {
    let (app, _calls) = counting_app();
    serve_axum(app.layer(HealthLayer::new(health.clone()))).await
}

/// Milliseconds since the Unix epoch of an RFC 3339 time in a body.
fn millis(at: &Value) -> u128 {
    let at = humantime::parse_rfc3339(at.as_str().expect("a time")).expect("RFC 3339");
    at.duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis()
}

#[tokio::test]
async fn history_follows_a_redis_stop_and_start_in_order_with_durations() {
    let mut redis = Redis::start();
    let health = Health::builder()
        .check(
            "redis",
            checks::redis(redis_manager(&redis.url(), Duration::from_millis(500), 0)),
        )
        .interval(Duration::from_millis(100))
        .timeout(Duration::from_millis(800))
        .failure_threshold(1)
        .initial_jitter(Duration::ZERO)
        .details(Details::Always)
        .build();
    health.mark_started();
    health.start_checks();
    let addr = serve(&health).await;
    wait_for_status(addr, "/readyz", StatusCode::OK).await;

    redis.stop();
    wait_for_status(addr, "/readyz", StatusCode::SERVICE_UNAVAILABLE).await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    redis.restart();
    wait_for_status(addr, "/readyz", StatusCode::OK).await;

    let body = fetch(addr, "/health?history").await.json();
    let history = body["checks"]["redis"]["history"]
        .as_array()
        .unwrap()
        .clone();
    let steps: Vec<(&str, &str)> = history
        .iter()
        .map(|e| (e["from"].as_str().unwrap(), e["to"].as_str().unwrap()))
        .collect();
    assert_eq!(
        steps,
        [("unknown", "ok"), ("ok", "down"), ("down", "ok")],
        "{body}"
    );
    let times: Vec<u128> = history.iter().map(|e| millis(&e["at"])).collect();
    assert!(times.is_sorted(), "in order: {times:?}");
    // Down for the 600 ms sleep at least; the time between the changes says the same.
    let down_for = history[2]["lasted_ms"].as_u64().unwrap();
    assert!(down_for >= 600, "{body}");
    assert!(
        u128::from(down_for).abs_diff(times[2] - times[1]) <= 50,
        "{body}"
    );
    assert!(history[1]["lasted_ms"].as_u64().unwrap() > 0);
    let error = history[1]["error"].as_str().expect("details revealed");
    assert!(error.starts_with("redis: "), "{error}");
    assert!(history[2].get("error").is_none(), "no error on recovery");
    // Without ?history, the body stays as it was.
    assert!(
        fetch(addr, "/health").await.json()["checks"]["redis"]
            .get("history")
            .is_none()
    );

    // health+json shows the same history inside its check entry.
    let ietf = send(
        addr,
        Method::GET,
        "/health?history",
        &[("accept", "application/health+json")],
    )
    .await;
    assert_eq!(ietf.header("content-type"), "application/health+json");
    let entry = &ietf.json()["checks"]["redis"][0];
    assert_eq!(entry["history"].as_array().unwrap().len(), 3, "{entry}");
    assert_eq!(entry["history"][1]["to"], "down");
}

#[tokio::test]
async fn ten_thousand_flaps_keep_history_and_memory_bounded() {
    let health = Health::builder().component("consumer").build();
    health.mark_started();
    let mut transitions = health.transitions();
    let flip = |times: usize| {
        for _ in 0..times {
            health.mark_up("consumer");
            health.mark_down("consumer", "rebalancing");
        }
    };
    // Listeners see the start of the flapping once, on the fifth change.
    flip(5);
    let mut started = Vec::new();
    for n in 1..=10 {
        let transition = transitions.recv().await.unwrap();
        if transition.started_flapping {
            started.push(n);
        }
        assert_eq!(transition.flapping, n >= 5, "change {n}");
    }
    assert_eq!(started, [5]);

    flip(4_995);
    let snapshot = health.snapshot();
    let consumer = snapshot.component("consumer").unwrap();
    assert_eq!(consumer.history().len(), 20, "the default length");
    assert!(consumer.is_flapping());
    let last = consumer.history().last().unwrap();
    assert_eq!(last.error.as_deref(), Some("rebalancing"));

    let addr = serve(&health).await;
    let body = fetch(addr, "/health?history").await.json();
    assert_eq!(
        body["checks"]["consumer"]["history"]
            .as_array()
            .unwrap()
            .len(),
        20
    );
    assert_eq!(body["checks"]["consumer"]["flapping"], true);
}

#[tokio::test]
async fn flapping_is_set_at_the_nth_change_in_the_window_and_cleared_when_it_settles() {
    let window = Duration::from_millis(800);
    let health = Health::builder()
        .component("consumer")
        .flap_detection(3, window)
        .build();
    health.mark_started();
    let addr = serve(&health).await;
    let flapping = |body: Value| body["checks"]["consumer"]["flapping"] == true;

    // Changes further apart than the window never flap.
    for step in 0..4 {
        if step % 2 == 0 {
            health.mark_up("consumer");
        } else {
            health.mark_down("consumer", "slow");
        }
        assert!(
            !flapping(fetch(addr, "/health").await.json()),
            "step {step}"
        );
        tokio::time::sleep(window + Duration::from_millis(100)).await;
    }

    health.mark_up("consumer");
    health.mark_down("consumer", "slow");
    assert!(
        !flapping(fetch(addr, "/health").await.json()),
        "two changes"
    );
    health.mark_up("consumer");
    let settled_from = tokio::time::Instant::now() + window;
    assert!(flapping(fetch(addr, "/health").await.json()), "the third");
    let verbose = fetch(addr, "/health?verbose").await.text();
    assert!(verbose.contains("[+]consumer (flapping) ok"), "{verbose}");

    // Cleared by the clock once a whole window passes without a change, with nobody
    // reading: a subscriber sees it.
    let mut changes = health.subscribe();
    tokio::time::timeout(
        NO_HANG,
        changes.wait_for(|s| !s.component("consumer").unwrap().is_flapping()),
    )
    .await
    .expect("flapping never cleared")
    .unwrap();
    assert!(
        tokio::time::Instant::now() >= settled_from,
        "not before the window ends"
    );
    assert!(!flapping(fetch(addr, "/health").await.json()));
    assert_eq!(
        fetch(addr, "/readyz").await.status,
        StatusCode::OK,
        "status untouched"
    );
}

#[tokio::test]
async fn browsers_get_the_page_and_machines_keep_their_formats() {
    let health = Health::builder().component("consumer").build();
    health.mark_started();
    health.mark_up("consumer");
    let addr = serve(&health).await;
    let get = |path: &'static str, accept: &'static str| async move {
        send(addr, Method::GET, path, &[("accept", accept)]).await
    };

    let page = get("/health", BROWSER).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.header("content-type"), "text/html; charset=utf-8");
    assert_eq!(page.header("cache-control"), "no-store");
    let policy = page.header("content-security-policy");
    assert!(policy.contains("default-src 'none'"), "{policy}");
    assert!(!policy.contains("script-src"), "{policy}");
    assert!(page.text().starts_with("<!doctype html>"));
    assert!(page.text().contains("consumer"));

    for accept in ["*/*", "application/json", ""] {
        let reply = get("/health", accept).await;
        assert_eq!(
            reply.header("content-type"),
            "application/json",
            "{accept:?}"
        );
        assert_eq!(reply.json()["checks"]["consumer"]["status"], "ok");
    }
    let ietf = get("/health", "application/health+json").await;
    assert_eq!(ietf.header("content-type"), "application/health+json");
    assert_eq!(ietf.json()["status"], "pass");
    // Only the combined probe has a page; the others answer machines.
    for path in ["/readyz", "/healthz", "/health/consumer"] {
        let reply = get(path, BROWSER).await;
        assert_eq!(reply.header("content-type"), "application/json", "{path}");
    }
    let verbose = get("/health?verbose", BROWSER).await;
    assert!(verbose.header("content-type").starts_with("text/plain"));

    // HEAD: the page's headers, no body; 503 when down, like every format.
    let head = send(addr, Method::HEAD, "/health", &[("accept", BROWSER)]).await;
    assert_eq!(head.header("content-type"), "text/html; charset=utf-8");
    assert!(head.body.is_empty());
    assert_eq!(head.header("content-length"), page.body.len().to_string());
    health.mark_draining();
    let draining = get("/health", BROWSER).await;
    assert_eq!(draining.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        draining.text().contains("shutting down"),
        "{}",
        draining.text()
    );
}

#[tokio::test]
async fn flapping_and_criticality_reach_the_metrics_and_flapping_clears_there_too() {
    // The process-wide recorder of this test's own process (nextest runs each test alone).
    let metrics = metrics_exporter_prometheus::PrometheusBuilder::new()
        .install_recorder()
        .unwrap();
    let window = Duration::from_millis(500);
    let health = Health::builder()
        .component("consumer")
        .non_critical_component("search")
        .flap_detection(3, window)
        .build();
    health.mark_started();
    health.mark_up("search");
    let scrape = || common::prometheus::parse(&metrics.render()).expect("a valid exposition");
    let flapping = "health_check_flapping";
    assert_eq!(
        scrape().get("health_check_critical", &[("check", "consumer")]),
        1.0
    );
    assert_eq!(
        scrape().get("health_check_critical", &[("check", "search")]),
        0.0
    );

    health.mark_up("consumer");
    health.mark_down("consumer", "slow");
    assert_eq!(scrape().get(flapping, &[("check", "consumer")]), 0.0);
    health.mark_up("consumer");
    assert_eq!(scrape().get(flapping, &[("check", "consumer")]), 1.0);
    assert_eq!(scrape().get(flapping, &[("check", "search")]), 0.0);

    // The clock clears it with nobody reading the state.
    let deadline = tokio::time::Instant::now() + NO_HANG;
    while scrape().get(flapping, &[("check", "consumer")]) != 0.0 {
        assert!(tokio::time::Instant::now() < deadline, "never cleared");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
