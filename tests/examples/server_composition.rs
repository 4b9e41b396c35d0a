//! `examples/server.rs` composing its probes from the environment: `HEALTH_GROUPS` (optional
//! members and groups in groups included) and `REPORT_ONLY_CHECKS` over real PostgreSQL and
//! Redis, and what it refuses at start.

use std::process::Command;

use http::StatusCode;

use crate::common::client::{fetch, wait_for_status};
use crate::common::deps::{Redis, database_url};
use crate::common::examples::{Example, example_binary};

#[tokio::test]
async fn groups_and_report_only_checks_over_real_dependencies() {
    let mut redis = Redis::start();
    let database = database_url();
    let redis_url = redis.url();
    let groups = "lb=/lbz:database; deep=/deep:database,redis";
    let server = Example::start(
        "server",
        &[
            ("DATABASE_URL", &database),
            ("REDIS_URL", &redis_url),
            ("HEALTH_GROUPS", groups),
            ("REPORT_ONLY_CHECKS", "redis"),
            ("CHECK_INTERVAL_MS", "100"),
            ("CHECK_TIMEOUT_MS", "500"),
        ],
    );
    let addr = server.addr;
    let output = server.output();
    assert!(
        output.contains(&format!("  HEALTH_GROUPS={groups}")),
        "{output}"
    );
    assert!(output.contains("  REPORT_ONLY_CHECKS=redis"), "{output}");

    wait_for_status(addr, "/deep", StatusCode::OK).await;
    assert_eq!(
        fetch(addr, "/lbz").await.json()["checks"]["database"]["status"],
        "ok"
    );

    // Redis goes away: only the group that counts it fails; readiness does not.
    redis.stop();
    let deep = wait_for_status(addr, "/deep", StatusCode::SERVICE_UNAVAILABLE).await;
    assert_eq!(deep.json()["checks"]["redis"]["status"], "down");
    assert_eq!(fetch(addr, "/lbz").await.status, StatusCode::OK);
    let ready = fetch(addr, "/readyz").await;
    assert_eq!(ready.status, StatusCode::OK);
    assert!(
        ready.json()["checks"].get("redis").is_none(),
        "report-only: not listed"
    );
    let combined = fetch(addr, "/health").await;
    assert_eq!(combined.status, StatusCode::OK);
    assert_eq!(combined.json()["checks"]["redis"]["status"], "down");
    let metrics = fetch(addr, "/metrics").await.text();
    for line in [
        "health_probe_status{probe=\"deep\"} 0",
        "health_probe_status{probe=\"lb\"} 1",
        "health_probe_status{probe=\"readiness\"} 1",
        "health_check_status{check=\"redis\"} 0",
    ] {
        assert!(
            metrics.lines().any(|l| l == line),
            "no {line:?} in:\n{metrics}"
        );
    }

    redis.restart();
    wait_for_status(addr, "/deep", StatusCode::OK).await;
}

#[tokio::test]
async fn optional_members_and_nested_groups_from_the_environment() {
    let mut redis = Redis::start();
    let database = database_url();
    let redis_url = redis.url();
    // `redis` is configured here, `upstream` is not: one spec for both deployments.
    let groups = "lb=/lbz:database,redis?,upstream?;deep=/deep:@lb";
    let server = Example::start(
        "server",
        &[
            ("DATABASE_URL", &database),
            ("REDIS_URL", &redis_url),
            ("HEALTH_GROUPS", groups),
            ("CHECK_INTERVAL_MS", "100"),
            ("CHECK_TIMEOUT_MS", "500"),
        ],
    );
    let addr = server.addr;
    let output = server.output();
    assert!(
        output.contains(&format!("  HEALTH_GROUPS={groups}")),
        "{output}"
    );

    wait_for_status(addr, "/deep", StatusCode::OK).await;
    let lb = fetch(addr, "/lbz").await.json();
    assert_eq!(lb["absent_optional"], serde_json::json!(["upstream"]));
    assert_eq!(lb["checks"]["redis"]["status"], "ok");
    assert_eq!(
        fetch(addr, "/deep?verbose").await.text(),
        "[+]database ok\n[+]redis ok\n\
         [+]upstream absent: optional, not configured\ndeep check passed\n"
    );

    // Redis is optional but configured: it counts, in `lb` and through it in `deep`.
    redis.stop();
    wait_for_status(addr, "/lbz", StatusCode::SERVICE_UNAVAILABLE).await;
    wait_for_status(addr, "/deep", StatusCode::SERVICE_UNAVAILABLE).await;
    assert_eq!(
        fetch(addr, "/deep?verbose").await.text(),
        "[+]database ok\n[-]redis failed: reason withheld\n\
         [+]upstream absent: optional, not configured\ndeep check failed\n"
    );
    assert_eq!(
        fetch(addr, "/deep/redis").await.status,
        StatusCode::SERVICE_UNAVAILABLE
    );

    redis.restart();
    wait_for_status(addr, "/deep", StatusCode::OK).await;
}

/// Run the server with `env` and return its exit code and stderr (it must not start).
fn refused(env: &[(&str, &str)]) -> (Option<i32>, String) {
    let output = Command::new(example_binary("server"))
        .env("LISTEN_ADDR", "127.0.0.1:0")
        .envs(env.iter().copied())
        .output()
        .unwrap();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn conflicting_or_malformed_composition_stops_start_up() {
    let database = database_url();
    let (code, stderr) = refused(&[
        ("DATABASE_URL", &database),
        ("HEALTH_GROUPS", "lb=/readyz:database"),
    ]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("path \"/readyz\" is already the path of another probe or group"),
        "{stderr}"
    );
    let (code, stderr) = refused(&[("HEALTH_GROUPS", "lb/lbz:database")]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("HEALTH_GROUPS is not valid: \"lb/lbz:database\""),
        "{stderr}"
    );
    let (code, stderr) = refused(&[
        ("DATABASE_URL", &database),
        ("HEALTH_GROUPS", "lb=/lbz:nope"),
    ]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("member \"nope\" is not registered"),
        "{stderr}"
    );
    let (code, stderr) = refused(&[("REPORT_ONLY_CHECKS", "cache")]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("\"cache\" is not a check (database, redis, upstream, rabbitmq, nats, certificate, disk, jobs)"),
        "{stderr}"
    );
}

#[test]
fn malformed_or_cyclic_nesting_stops_start_up() {
    let (code, stderr) = refused(&[("HEALTH_GROUPS", "a=/a:@b;b=/b:@a")]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("group \"a\": nested groups form a cycle: \"a\" -> \"b\" -> \"a\""),
        "{stderr}"
    );
    let (code, stderr) = refused(&[("HEALTH_GROUPS", "deep=/deep:@lb")]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("group \"deep\": nested group \"lb\" is not registered"),
        "{stderr}"
    );
    let (code, stderr) = refused(&[("HEALTH_GROUPS", "lb=/lbz:@deep?")]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr
            .contains("HEALTH_GROUPS is not valid: \"lb=/lbz:@deep?\": a group cannot be optional"),
        "{stderr}"
    );
    let (code, stderr) = refused(&[("HEALTH_GROUPS", "lb=/lbz:?")]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("an empty name"), "{stderr}");
    // Optional members may be absent; a required one still may not.
    let (code, stderr) = refused(&[("HEALTH_GROUPS", "lb=/lbz:database?,cache")]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("group \"lb\": member \"cache\" is not registered"),
        "{stderr}"
    );
}
