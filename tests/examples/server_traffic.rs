//! `examples/server.rs` observing its own traffic (`TRAFFIC` and its tuning): failing requests
//! from `/api/flaky` take it out of readiness when traffic counts for readiness, and it comes
//! back with good traffic; report-only, readiness never moves; malformed settings stop
//! start-up; what is ignored is said so.

use std::time::Duration;

use http::{Method, StatusCode};
use tokio::time::Instant;

use crate::common::NO_HANG;
use crate::common::client::{fetch, send, wait_for_status, wait_for_status_within};
use crate::common::examples::{Example, run_to_exit};
use crate::common::traffic::Hammer;

const TOKEN: &[(&str, &str)] = &[("authorization", "Bearer dev-token")];
const DETAILS: &[(&str, &str)] = &[("x-health-token", "ops")];
/// `TRAFFIC_WINDOW_MS` of these tests.
const WINDOW: Duration = Duration::from_secs(2);
/// Four clients, each a request at a time on a new connection.
const CLIENTS: usize = 4;

/// The server observing its traffic over a 2 s window, judged from 10 requests, with `env`.
fn start(env: &[(&str, &str)]) -> Example {
    let mut all = vec![
        ("TRAFFIC", "on"),
        ("TRAFFIC_WINDOW_MS", "2000"),
        ("TRAFFIC_MIN_REQUESTS", "10"),
        ("HEALTH_DETAILS_TOKEN", "ops"),
    ];
    all.extend_from_slice(env);
    Example::start("server", &all)
}

/// The `traffic` line of the verbose combined body, details revealed.
async fn verbose_line(addr: std::net::SocketAddr) -> String {
    let body = send(addr, Method::GET, "/health?verbose", DETAILS)
        .await
        .text();
    body.lines()
        .find(|line| {
            line.get(3..)
                .is_some_and(|name| name.starts_with("traffic"))
        })
        .unwrap_or_else(|| panic!("no traffic line in: {body}"))
        .to_owned()
}

#[tokio::test]
async fn failing_traffic_takes_it_out_of_readiness_and_good_traffic_brings_it_back() {
    let server = start(&[("TRAFFIC_PROBES", "readiness")]);
    let addr = server.addr;
    wait_for_status(addr, "/readyz", StatusCode::OK).await;
    for expected in [
        "  TRAFFIC=on",
        "  TRAFFIC_WINDOW_MS=2000",
        "  TRAFFIC_MIN_REQUESTS=10",
        "  TRAFFIC_FAILURE_RATIO=0.5",
        "  TRAFFIC_P99_BUDGET_MS=(unset: no latency budget)",
        "  TRAFFIC_PROBES=readiness",
    ] {
        let output = server.output();
        assert!(
            output.lines().any(|line| line == expected),
            "no {expected:?} in: {output}"
        );
    }

    // 80 % of the requests fail: readiness fails within the window.
    let failing = Hammer::start_with(addr, CLIENTS, "/api/flaky?fail=0.8", TOKEN);
    let sent = Instant::now();
    let ready =
        wait_for_status_within(addr, "/readyz", StatusCode::SERVICE_UNAVAILABLE, WINDOW).await;
    println!(
        "readiness failed {:?} after the failing traffic began",
        sent.elapsed()
    );
    assert_eq!(
        fetch(addr, "/healthz").await.status,
        StatusCode::OK,
        "never liveness"
    );
    assert!(ready.text().contains("traffic"), "{}", ready.text());

    // The figures, where details are revealed, once the window is full (it fills a bucket
    // at a time). The library folds 2000 ms in 12 buckets of 166.666666 ms, which add up to
    // 1.999999992 s: it shows "2.0s" (and `window_s` 1.999999992), where 2400 ms shows "2s".
    let full =
        |line: &str| line.contains(" requests in 2s, ") || line.contains(" requests in 2.0s, ");
    let deadline = Instant::now() + 2 * WINDOW;
    let line = loop {
        let line = verbose_line(addr).await;
        if full(&line) || Instant::now() > deadline {
            break line;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(line.starts_with("[-]traffic failed: "), "{line}");
    assert!(full(&line) && line.contains("% failed"), "{line}");
    let body = send(addr, Method::GET, "/health", DETAILS).await;
    assert_eq!(body.status, StatusCode::SERVICE_UNAVAILABLE);
    let traffic = &body.json()["checks"]["traffic"];
    assert_eq!(traffic["status"], "down", "{traffic}");
    assert!(traffic["traffic"]["requests"].is_u64(), "{traffic}");
    let window_s = traffic["traffic"]["window_s"].as_f64().unwrap_or_default();
    assert!((window_s - 2.0).abs() < 0.001, "{traffic}");
    assert_eq!(
        traffic["probes"],
        serde_json::json!(["readiness"]),
        "{traffic}"
    );
    // Without the details token: the status, not the figures.
    let public = fetch(addr, "/health").await.json();
    assert_eq!(public["checks"]["traffic"]["status"], "down");
    assert!(
        public["checks"]["traffic"].get("traffic").is_none(),
        "{public}"
    );

    let answered = failing.finish().await;
    println!("failing traffic: {answered:?}");
    assert!(answered.get(&500).is_some_and(|n| *n >= 10), "{answered:?}");

    // Good traffic: back within two windows.
    let good = Hammer::start_with(addr, CLIENTS, "/api/flaky?fail=0", TOKEN);
    let healed = Instant::now();
    wait_for_status_within(addr, "/readyz", StatusCode::OK, 2 * WINDOW).await;
    println!(
        "readiness back {:?} after good traffic began",
        healed.elapsed()
    );
    let line = verbose_line(addr).await;
    assert!(line.starts_with("[+]traffic ok: "), "{line}");
    let answered = good.finish().await;
    assert_eq!(
        answered.keys().copied().collect::<Vec<_>>(),
        [200],
        "{answered:?}"
    );
}

#[tokio::test]
async fn report_only_traffic_fails_in_the_body_never_readiness() {
    let server = start(&[]);
    let addr = server.addr;
    wait_for_status(addr, "/readyz", StatusCode::OK).await;
    assert!(
        server
            .output()
            .lines()
            .any(|line| line == "  TRAFFIC_PROBES=(unset: report-only)"),
        "{}",
        server.output()
    );

    let failing = Hammer::start_with(addr, CLIENTS, "/api/flaky?fail=0.8", TOKEN);
    let start = Instant::now();
    let mut down_since = None;
    let mut samples = 0;
    // Sample readiness until traffic has been down a whole window.
    while down_since.is_none_or(|since: Instant| since.elapsed() < WINDOW) {
        assert!(start.elapsed() < NO_HANG, "traffic never turned down");
        let ready = fetch(addr, "/readyz").await;
        assert_eq!(
            ready.status,
            StatusCode::OK,
            "report-only: {}",
            ready.text()
        );
        samples += 1;
        let body = send(addr, Method::GET, "/health", DETAILS).await;
        assert_eq!(body.status, StatusCode::OK, "{}", body.text());
        let traffic = &body.json()["checks"]["traffic"];
        if traffic["status"] == "down" && down_since.is_none() {
            assert_eq!(traffic["probes"], serde_json::json!([]), "{traffic}");
            down_since = Some(Instant::now());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let line = verbose_line(addr).await;
    assert!(line.starts_with("[-]traffic failed: "), "{line}");
    let answered = failing.finish().await;
    println!("{samples} readiness samples, all 200; failing traffic: {answered:?}");
}

#[test]
fn malformed_traffic_settings_stop_start_up_naming_the_variable() {
    for (env, says) in [
        (
            &[("TRAFFIC", "maybe")][..],
            "TRAFFIC=\"maybe\" is not valid",
        ),
        (&[("TRAFFIC", "ON")], "TRAFFIC=\"ON\" is not valid"),
        (
            &[("TRAFFIC", "on"), ("TRAFFIC_FAILURE_RATIO", "1.5")],
            "TRAFFIC_FAILURE_RATIO=1.5 is not valid",
        ),
        (
            &[("TRAFFIC", "on"), ("TRAFFIC_FAILURE_RATIO", "0")],
            "TRAFFIC_FAILURE_RATIO=0 is not valid",
        ),
        (
            &[("TRAFFIC", "on"), ("TRAFFIC_FAILURE_RATIO", "NaN")],
            "TRAFFIC_FAILURE_RATIO=NaN is not valid",
        ),
        (
            &[("TRAFFIC", "on"), ("TRAFFIC_PROBES", "liveness")],
            "TRAFFIC_PROBES=\"liveness\" is not valid: traffic cannot count for liveness",
        ),
        (
            &[("TRAFFIC", "on"), ("TRAFFIC_PROBES", "readiness,sometimes")],
            "\"sometimes\" is not a probe",
        ),
        (
            &[("TRAFFIC", "on"), ("TRAFFIC_PROBES", "readiness,,startup")],
            "TRAFFIC_PROBES=\"readiness,,startup\" is not valid: an empty name",
        ),
        (
            &[("TRAFFIC", "on"), ("TRAFFIC_WINDOW_MS", "abc")],
            "TRAFFIC_WINDOW_MS=\"abc\" is not valid",
        ),
        (
            &[("TRAFFIC", "on"), ("TRAFFIC_WINDOW_MS", "999")],
            "TRAFFIC_WINDOW_MS=999 is not valid: at least 1000",
        ),
        (
            &[("TRAFFIC", "on"), ("TRAFFIC_MIN_REQUESTS", "0")],
            "TRAFFIC_MIN_REQUESTS=0 is not valid: at least 1",
        ),
        (
            &[("TRAFFIC", "on"), ("TRAFFIC_P99_BUDGET_MS", "0")],
            "TRAFFIC_P99_BUDGET_MS=0 is not valid",
        ),
        // Ignored while TRAFFIC is off, but a malformed value is a mistake in any case.
        (
            &[("TRAFFIC_FAILURE_RATIO", "1.5")],
            "TRAFFIC_FAILURE_RATIO=1.5 is not valid",
        ),
        // Report-only unless TRAFFIC_PROBES names probes: not a mark to put on it.
        (
            &[("TRAFFIC", "on"), ("REPORT_ONLY_CHECKS", "traffic")],
            "REPORT_ONLY_CHECKS is not valid: traffic cannot be named there",
        ),
        (
            &[("SHARED_CHECKS", "trafic")],
            "\"trafic\" is not a check (database, redis, upstream, rabbitmq, nats, certificate, disk, jobs, traffic)",
        ),
    ] {
        let output = run_to_exit("server", env);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{env:?}: {stderr}");
        assert!(stderr.contains(says), "{env:?}: {stderr}");
    }
}

#[tokio::test]
async fn what_traffic_does_not_use_is_said_ignored() {
    // Off (the default): the tuning and `traffic` in SHARED_CHECKS are noted, no component.
    let off = Example::start(
        "server",
        &[("TRAFFIC_WINDOW_MS", "5000"), ("SHARED_CHECKS", "traffic")],
    );
    let output = off.output();
    for expected in [
        "  TRAFFIC=(unset: off)",
        "  note: TRAFFIC_WINDOW_MS is set, but TRAFFIC is not on: ignored",
        "  note: SHARED_CHECKS names traffic, but TRAFFIC is not on: ignored",
    ] {
        assert!(
            output.lines().any(|line| line == expected),
            "no {expected:?} in: {output}"
        );
    }
    assert!(!output.contains("TRAFFIC_WINDOW_MS=5000"), "{output}");
    wait_for_status(off.addr, "/readyz", StatusCode::OK).await;
    let body = fetch(off.addr, "/health").await.json();
    assert!(body["checks"].get("traffic").is_none(), "{body}");

    // On and shared: accepted.
    let shared = start(&[("SHARED_CHECKS", "traffic")]);
    wait_for_status(shared.addr, "/readyz", StatusCode::OK).await;
    let body = fetch(shared.addr, "/health").await.json();
    assert_eq!(body["checks"]["traffic"]["status"], "ok", "{body}");
    assert!(
        !shared.output().contains("note: SHARED_CHECKS"),
        "{}",
        shared.output()
    );
}

#[tokio::test]
async fn with_the_watchdog_traffic_is_observed_unless_turned_off() {
    let unset = Example::start("server", &[("PROBE_ADDR", "127.0.0.1:0")]);
    let output = unset.output();
    assert!(
        output
            .lines()
            .any(|line| line.starts_with("  traffic: observed for the watchdog's progress")),
        "{output}"
    );
    wait_for_status(unset.addr, "/readyz", StatusCode::OK).await;
    let body = send(unset.addr, Method::GET, "/health", DETAILS)
        .await
        .json();
    assert_eq!(body["checks"]["traffic"]["status"], "ok", "{body}");

    let off = Example::start(
        "server",
        &[("PROBE_ADDR", "127.0.0.1:0"), ("TRAFFIC", "off")],
    );
    let output = off.output();
    assert!(
        output.lines().any(|line| line
            == "  traffic: not observed (TRAFFIC=off): the watchdog judges by its heartbeat alone"),
        "{output}"
    );
    wait_for_status(off.addr, "/readyz", StatusCode::OK).await;
    let body = fetch(off.addr, "/health").await.json();
    assert!(body["checks"].get("traffic").is_none(), "{body}");
}

#[tokio::test]
async fn flaky_route_takes_the_token_and_a_chance_from_0_to_1() {
    let server = Example::start("server", &[]);
    let addr = server.addr;
    for query in [
        "",
        "?fail=",
        "?fail=2",
        "?fail=1.0001",
        "?fail=-0.1",
        "?fail=abc",
        "?fail=NaN",
        "?fail=inf",
        "?other=0.5",
    ] {
        let path = format!("/api/flaky{query}");
        let refused = send(addr, Method::GET, &path, TOKEN).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{path}");
        assert!(
            refused.text().starts_with("fail "),
            "{path}: {}",
            refused.text()
        );
    }
    let denied = fetch(addr, "/api/flaky?fail=0").await;
    assert_eq!(denied.status, StatusCode::UNAUTHORIZED);
    for _ in 0..20 {
        let failed = send(addr, Method::GET, "/api/flaky?fail=1", TOKEN).await;
        assert_eq!(failed.status, StatusCode::INTERNAL_SERVER_ERROR);
        let ok = send(addr, Method::GET, "/api/flaky?fail=0", TOKEN).await;
        assert_eq!(ok.status, StatusCode::OK);
    }
    // Half and half, roughly: both answers within 200 requests.
    let mut seen = std::collections::BTreeSet::new();
    for _ in 0..200 {
        seen.insert(
            send(addr, Method::GET, "/api/flaky?fail=0.5", TOKEN)
                .await
                .status,
        );
    }
    assert_eq!(seen.len(), 2, "{seen:?}");
}
