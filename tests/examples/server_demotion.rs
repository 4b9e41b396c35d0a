//! `examples/server.rs` demoting a check at runtime: a critical `redis` check against a real
//! Redis that stops fails readiness until `POST /admin/checks/redis/demote`, and again
//! after `POST /admin/checks/redis/restore`; an unknown name is `404`, bad input `400`,
//! never `500`, and without the token `401`.

use http::{Method, StatusCode};

use crate::common::client::{Reply, fetch, send};
use crate::common::deps::Redis;
use crate::common::examples::{Example, check_status, readiness_until};

const AUTH: (&str, &str) = ("authorization", "Bearer dev-token");

async fn post(server: &Example, path: &str) -> Reply {
    send(server.addr, Method::POST, path, &[AUTH]).await
}

#[tokio::test]
async fn a_down_critical_check_demoted_and_restored_over_the_admin_routes() {
    let mut redis = Redis::start();
    let redis_url = redis.url();
    let server = Example::start(
        "server",
        &[
            ("REDIS_URL", &redis_url),
            ("CHECK_INTERVAL_MS", "100"),
            ("CHECK_TIMEOUT_MS", "500"),
        ],
    );
    readiness_until(server.addr, "ready", |r| r.status == StatusCode::OK).await;
    redis.stop();
    let down = readiness_until(server.addr, "503 for redis", |r| {
        r.status == StatusCode::SERVICE_UNAVAILABLE
    })
    .await;
    assert_eq!(check_status(&down, "redis"), "down");

    let demote = "/admin/checks/redis/demote?minutes=30&reason=flapping%20during%20failover";
    let unauthorized = send(server.addr, Method::POST, demote, &[]).await;
    assert_eq!(unauthorized.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        fetch(server.addr, "/readyz").await.status,
        StatusCode::SERVICE_UNAVAILABLE
    );

    let demoted = post(&server, demote).await;
    assert_eq!(demoted.status, StatusCode::OK, "{}", demoted.text());
    let said = demoted.text();
    assert!(
        said.starts_with("redis demoted by operator until "),
        "{said}"
    );
    assert!(said.ends_with("Z: flapping during failover\n"), "{said}");
    // Readiness passes at once, the reason in verbose; redis is still down.
    let verbose = fetch(server.addr, "/readyz?verbose").await;
    assert_eq!(verbose.status, StatusCode::OK, "{}", verbose.text());
    let line = format!("[+]{}", said);
    assert!(verbose.text().contains(&line), "{}", verbose.text());
    let ready = fetch(server.addr, "/readyz").await;
    assert_eq!(check_status(&ready, "redis"), "down");
    assert_eq!(
        ready.json()["checks"]["redis"]["demoted"]["reason"],
        "flapping during failover"
    );
    let metrics = fetch(server.addr, "/metrics").await.text();
    assert!(
        metrics.contains("health_check_demoted{check=\"redis\"} 1"),
        "{metrics}"
    );

    // Restored: readiness fails again at once.
    let restored = post(&server, "/admin/checks/redis/restore").await;
    assert_eq!(
        restored.status,
        StatusCode::NO_CONTENT,
        "{}",
        restored.text()
    );
    assert_eq!(
        fetch(server.addr, "/readyz").await.status,
        StatusCode::SERVICE_UNAVAILABLE
    );
    let again = post(&server, "/admin/checks/redis/restore").await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.text());
    assert_eq!(again.text(), "\"redis\" is not demoted\n");

    // Without minutes: until restored.
    let demoted = post(&server, "/admin/checks/redis/demote?reason=failover").await;
    assert_eq!(demoted.status, StatusCode::OK, "{}", demoted.text());
    assert_eq!(demoted.text(), "redis demoted by operator: failover\n");
    assert_eq!(fetch(server.addr, "/readyz").await.status, StatusCode::OK);
    let history = fetch(server.addr, "/health?history").await;
    let events: Vec<String> = history.json()["checks"]["redis"]["history"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|entry| entry["event"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(events, ["demoted", "restored", "demoted"]);
    assert!(
        server
            .output()
            .contains("health: redis demoted by operator"),
        "{}",
        server.output()
    );
}

#[tokio::test]
async fn malformed_or_unknown_demotions_are_400_or_404_never_500() {
    let server = Example::start("server", &[("JOBS_TTL_MS", "60000")]);
    for path in [
        "/admin/checks/jobs/demote",
        "/admin/checks/jobs/demote?minutes=5",
        "/admin/checks/jobs/demote?reason=",
        "/admin/checks/jobs/demote?reason=%20%20",
        "/admin/checks/jobs/demote?reason=a%0A%5B%2B%5Dforged%20ok",
        "/admin/checks/jobs/demote?reason=x&minutes=soon",
        "/admin/checks/jobs/demote?reason=x&minutes=0",
        "/admin/checks/jobs/demote?reason=x&minutes=-5",
        "/admin/checks/jobs/demote?reason=x&minutes=1.5",
        "/admin/checks/jobs/demote?reason=x&minutes=10081",
        "/admin/checks/jobs/demote?reason=x&minutes=99999999999999999999999",
        "/admin/checks/jobs/demote?reason=%FF",
    ] {
        let reply = post(&server, path).await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{path}: {}",
            reply.text()
        );
    }
    let long = format!("/admin/checks/jobs/demote?reason={}", "x".repeat(257));
    assert_eq!(post(&server, &long).await.status, StatusCode::BAD_REQUEST);
    for path in [
        "/admin/checks/nope/demote?reason=x",
        "/admin/checks/nope/demote?reason=x&minutes=5",
        "/admin/checks/nope/restore",
        "/admin/checks/jobs%20/restore",
    ] {
        let reply = post(&server, path).await;
        assert_eq!(
            reply.status,
            StatusCode::NOT_FOUND,
            "{path}: {}",
            reply.text()
        );
    }
    // Nothing was demoted; a week is the longest, and the job check takes it.
    let ready = fetch(server.addr, "/readyz").await;
    assert!(ready.json()["checks"]["jobs"].get("demoted").is_none());
    let week = post(&server, "/admin/checks/jobs/demote?reason=x&minutes=10080").await;
    assert_eq!(week.status, StatusCode::OK, "{}", week.text());
    let get = send(
        server.addr,
        Method::GET,
        "/admin/checks/jobs/restore",
        &[AUTH],
    )
    .await;
    assert_eq!(get.status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(!server.output().contains("panicked"), "{}", server.output());
}
