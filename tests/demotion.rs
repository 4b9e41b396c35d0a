//! An operator's demotion over real HTTP and gRPC: a critical check against a real Redis
//! that stops fails readiness until it is demoted; while demoted, readiness and gRPC's
//! overall status pass and every view says so with the reason (verbose, JSON, the status
//! page, the history, a real Prometheus exporter's text, the linter), its own answer still
//! fails; the deadline restores it, with a warning in the log; a restoration by hand does
//! the same at once; an unknown name is refused.

mod common;

use std::time::{Duration, Instant, SystemTime};

use common::client::{fetch, send, wait_for_status};
use common::deps::{Redis, redis_manager};
use common::grpc;
use common::logs::Captured;
use common::prometheus::parse;
use common::serve::serve_tonic;
use http::{Method, StatusCode};
use metrics_exporter_prometheus::PrometheusBuilder;
use tower_health::grpc::pb::health_check_response::ServingStatus;
use tower_health::health::DemoteError;
use tower_health::lint::Deployment;
use tower_health::{Health, NamedCheck, checks};

const REASON: &str = "flapping during failover";

/// `at` as the verbose line writes a deadline: UTC, rounded up to the minute, `HH:MMZ`.
fn hh_mm(at: SystemTime) -> String {
    let seconds = at.duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs();
    let minute = SystemTime::UNIX_EPOCH + Duration::from_secs(seconds.div_ceil(60) * 60);
    let text = humantime::format_rfc3339_seconds(minute).to_string();
    format!("{}Z", &text[11..16])
}

/// The last entry of `redis`'s history in the combined body with `?history`.
async fn last_history_entry(addr: std::net::SocketAddr) -> serde_json::Value {
    let combined = fetch(addr, "/health?history").await;
    let history = combined.json()["checks"]["redis"]["history"].clone();
    history.as_array().unwrap().last().unwrap().clone()
}

fn demoted_gauge(exporter: &metrics_exporter_prometheus::PrometheusHandle) -> f64 {
    let seen = parse(&exporter.render()).expect("a valid exposition");
    seen.get("health_check_demoted", &[("check", "redis")])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_down_critical_check_demoted_passes_readiness_until_its_deadline() {
    let logs = Captured::global();
    let recorder = PrometheusBuilder::new().build_recorder();
    let exporter = recorder.handle();
    metrics::set_global_recorder(recorder).unwrap();

    let mut redis = Redis::start();
    let manager = redis_manager(&redis.url(), Duration::from_millis(300), 0);
    let health = Health::builder()
        .add_check(NamedCheck::new("redis", checks::redis(manager)))
        .interval(Duration::from_millis(100))
        .timeout(Duration::from_millis(500))
        .failure_threshold(1)
        .initial_jitter(Duration::ZERO)
        .build();
    let grpc_health = tower_health::grpc::health_service(&health).await;
    let addr = serve_tonic(&health, grpc_health).await;
    let mut client = grpc::connect(addr).await;
    health.mark_started();
    health.start_checks();
    wait_for_status(addr, "/readyz", StatusCode::OK).await;
    assert_eq!(demoted_gauge(&exporter), 0.0);

    // Redis stops: the critical check fails readiness.
    redis.stop();
    let down = wait_for_status(addr, "/readyz", StatusCode::SERVICE_UNAVAILABLE).await;
    assert_eq!(down.json()["checks"]["redis"]["status"], "down");
    grpc::wait_for(&mut client, "", ServingStatus::NotServing).await;

    // Demoted for three seconds: readiness passes at once, and says why.
    let deadline = Duration::from_secs(3);
    health.demote("redis", REASON, Some(deadline)).unwrap();
    let demoted = Instant::now();

    // The JSON bodies: its own status goes on (down stays down), with the demotion; the
    // verbose line says its deadline to the minute.
    let combined = fetch(addr, "/health").await;
    assert_eq!(combined.status, StatusCode::OK, "{}", combined.text());
    let entry = &combined.json()["checks"]["redis"];
    assert_eq!(entry["status"], "down");
    assert_eq!(entry["demoted"]["reason"], REASON);
    let since = humantime::parse_rfc3339(entry["demoted"]["since"].as_str().unwrap()).unwrap();
    let until = humantime::parse_rfc3339(entry["demoted"]["until"].as_str().unwrap()).unwrap();
    let lasts = until.duration_since(since).unwrap();
    assert!(
        lasts.abs_diff(deadline) <= Duration::from_secs(1),
        "{lasts:?}"
    );
    let verbose = fetch(addr, "/readyz?verbose").await;
    assert_eq!(verbose.status, StatusCode::OK, "{}", verbose.text());
    let line = format!(
        "[+]redis demoted by operator until {}: {REASON}\n",
        hh_mm(until)
    );
    assert_eq!(verbose.text(), format!("{line}readiness check passed\n"));
    assert_eq!(
        grpc::check(&mut client, "").await,
        Ok(ServingStatus::Serving)
    );
    let health_json = send(
        addr,
        Method::GET,
        "/readyz",
        &[("accept", "application/health+json")],
    )
    .await;
    let ietf = &health_json.json()["checks"]["redis"][0];
    assert_eq!(ietf["status"], "warn", "{}", health_json.text());
    assert_eq!(ietf["demoted"]["reason"], REASON);

    // Its own answer is its own status, on HTTP and gRPC, and says it is demoted.
    let own = fetch(addr, "/readyz/redis?verbose").await;
    assert_eq!(own.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        own.text()
            .contains("warn: redis demoted by operator until "),
        "{}",
        own.text()
    );
    assert_eq!(
        grpc::check(&mut client, "redis").await,
        Ok(ServingStatus::NotServing)
    );

    // The status page, the history, the metric, the linter.
    let page = send(addr, Method::GET, "/health", &[("accept", "text/html")]).await;
    assert!(
        page.text()
            .contains("<span class=\"badge demoted\">demoted</span>")
    );
    assert!(page.text().contains(&format!(
        "demoted by operator until {}: {REASON}",
        hh_mm(until)
    )));
    let entry = last_history_entry(addr).await;
    assert_eq!(entry["event"], "demoted");
    assert_eq!(
        (entry["from"].clone(), entry["to"].clone()),
        ("down".into(), "down".into())
    );
    assert_eq!(entry["reason"], REASON);
    assert_eq!(demoted_gauge(&exporter), 1.0);
    let warnings = health.lint(&Deployment::new());
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0]
            .message()
            .starts_with("critical check \"redis\" is demoted by operator until "),
        "{}",
        warnings[0]
    );
    assert!(
        demoted.elapsed() < deadline,
        "the checks above took too long to tell"
    );

    // The deadline restores it: readiness fails again, and the log warns.
    let down = wait_for_status(addr, "/readyz", StatusCode::SERVICE_UNAVAILABLE).await;
    let restored = demoted.elapsed();
    assert!(
        restored >= deadline - Duration::from_millis(100),
        "{restored:?}"
    );
    assert!(
        restored <= deadline + Duration::from_secs(1),
        "{restored:?}"
    );
    assert!(down.json()["checks"]["redis"].get("demoted").is_none());
    let warned = "health: critical check redis stayed demoted until its deadline";
    assert_eq!(logs.count(warned), 1, "{}", logs.text());
    assert!(logs.text().contains(" WARN "), "{}", logs.text());
    let entry = last_history_entry(addr).await;
    assert_eq!(
        (entry["event"].clone(), entry["by"].clone()),
        ("restored".into(), "deadline".into())
    );
    assert_eq!(demoted_gauge(&exporter), 0.0);
    assert!(health.lint(&Deployment::new()).is_empty());
    grpc::wait_for(&mut client, "", ServingStatus::NotServing).await;

    // By hand, without a deadline: demoted until restored.
    health.demote("redis", "failover", None).unwrap();
    let verbose = fetch(addr, "/readyz?verbose").await;
    assert_eq!(verbose.status, StatusCode::OK);
    assert_eq!(
        verbose.text(),
        "[+]redis demoted by operator: failover\nreadiness check passed\n"
    );
    health.restore("redis").unwrap();
    let verbose = fetch(addr, "/readyz?verbose").await;
    assert_eq!(verbose.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        verbose.text().starts_with("[-]redis failed"),
        "{}",
        verbose.text()
    );
    assert_eq!(
        logs.count("health: redis restored by operator (demoted for "),
        1,
        "{}",
        logs.text()
    );
    let entry = last_history_entry(addr).await;
    assert_eq!(entry["by"], "operator");

    // Refused: nothing changes.
    let unknown = DemoteError::Unknown {
        name: "search".into(),
    };
    assert_eq!(health.demote("search", REASON, None), Err(unknown.clone()));
    assert_eq!(health.restore("search"), Err(unknown));
    let not_demoted = DemoteError::NotDemoted {
        name: "redis".into(),
    };
    assert_eq!(health.restore("redis"), Err(not_demoted));

    // Redis back: up, and never demoted again by itself.
    redis.restart();
    let ready = wait_for_status(addr, "/readyz", StatusCode::OK).await;
    assert_eq!(ready.json()["checks"]["redis"]["status"], "ok");
}
