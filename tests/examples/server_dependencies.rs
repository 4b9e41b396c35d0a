//! `examples/server.rs` with real PostgreSQL and Redis dependencies: dependencies going
//! away and coming back without a restart of the service, bad URLs and credentials.

use std::time::{Duration, Instant};

use http::{Method, StatusCode};

use crate::common::NO_HANG;
use crate::common::client::{fetch, send};
use crate::common::deps::{Proxy, Redis, database_url, database_url_through, free_port, pg_addr};
use crate::common::examples::{Example, check_status, readiness_until, run_to_exit};

const FAST_CHECKS: [(&str, &str); 2] = [("CHECK_INTERVAL_MS", "100"), ("CHECK_TIMEOUT_MS", "500")];

#[tokio::test]
async fn stop_redis_then_start_it_again() {
    let mut redis = Redis::start();
    let database = database_url();
    let mut env = vec![("DATABASE_URL", database.as_str())];
    let redis_url = redis.url();
    env.push(("REDIS_URL", &redis_url));
    env.extend(FAST_CHECKS);
    let server = Example::start("server", &env);
    let addr = server.addr;

    let ready = readiness_until(addr, "ready", |r| r.status == StatusCode::OK).await;
    assert_eq!(check_status(&ready, "redis"), "ok");
    assert_eq!(check_status(&ready, "database"), "ok");

    redis.stop();
    let ready = readiness_until(addr, "503 for redis", |r| {
        r.status == StatusCode::SERVICE_UNAVAILABLE
    })
    .await;
    assert_eq!(check_status(&ready, "redis"), "down");
    assert_eq!(check_status(&ready, "database"), "ok");
    assert_eq!(ready.json()["status"], "down");

    redis.restart();
    let ready = readiness_until(addr, "ready again", |r| r.status == StatusCode::OK).await;
    assert_eq!(check_status(&ready, "redis"), "ok");
    assert!(
        server.output().contains("health: redis is down"),
        "{}",
        server.output()
    );
    assert!(
        server.output().contains("health: redis is up"),
        "{}",
        server.output()
    );
}

#[tokio::test]
async fn cut_the_database_then_bring_it_back() {
    let redis = Redis::start();
    let mut proxy = Proxy::start(pg_addr()).await;
    let database = database_url_through(&proxy);
    let redis_url = redis.url();
    let mut env = vec![
        ("DATABASE_URL", database.as_str()),
        ("REDIS_URL", &redis_url),
    ];
    env.extend(FAST_CHECKS);
    let server = Example::start("server", &env);
    let addr = server.addr;
    readiness_until(addr, "ready", |r| r.status == StatusCode::OK).await;

    proxy.cut();
    let ready = readiness_until(addr, "503 for the database", |r| {
        r.status == StatusCode::SERVICE_UNAVAILABLE
    })
    .await;
    assert_eq!(check_status(&ready, "database"), "down");
    assert_eq!(check_status(&ready, "redis"), "ok");

    proxy.restore().await;
    readiness_until(addr, "ready again", |r| r.status == StatusCode::OK).await;
}

#[tokio::test]
async fn misconfigured_dependencies_are_failing_checks_not_crashes() {
    let unreachable = format!("postgres://app:pw@127.0.0.1:{}/app", free_port());
    let wrong_password = {
        let url = database_url();
        let (scheme_user, rest) = url.split_once('@').unwrap();
        let user = scheme_user
            .rsplit_once(':')
            .map_or(scheme_user, |(user, _)| user);
        format!("{user}:Wrong-Pass-123@{rest}")
    };
    for (database, expected) in [
        (unreachable.as_str(), "postgres: "),
        (wrong_password.as_str(), "password authentication failed"),
    ] {
        let mut env = vec![("DATABASE_URL", database)];
        env.extend(FAST_CHECKS);
        let server = Example::start("server", &env);
        let addr = server.addr;
        let ready = readiness_until(addr, "the database check failing", |r| {
            r.status == StatusCode::SERVICE_UNAVAILABLE && check_status(r, "database") == "down"
        })
        .await;
        assert!(!ready.text().contains("Wrong-Pass-123"));
        let deadline = Instant::now() + NO_HANG;
        while !server.output().contains(expected) {
            assert!(
                Instant::now() < deadline,
                "no {expected:?} in the logs: {}",
                server.output()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert!(
            !server.output().contains("Wrong-Pass-123"),
            "{}",
            server.output()
        );
    }
}

#[test]
fn unparseable_urls_stop_start_up() {
    for (name, value) in [
        ("DATABASE_URL", "oracle://app@db/app"),
        ("DATABASE_URL", "postgres://a:b@host:notaport/db"),
        ("DATABASE_URL", "mysql://a:b@host:notaport/db"),
        ("REDIS_URL", "not a url"),
    ] {
        let output = run_to_exit("server", &[(name, value)]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{name}={value}: {stderr}");
        assert!(stderr.contains(&format!("{name} is not valid")), "{stderr}");
    }
}

#[tokio::test]
async fn details_only_for_the_health_token() {
    let unreachable = format!("postgres://app:Pw-Secret-5@127.0.0.1:{}/app", free_port());
    let mut env = vec![
        ("DATABASE_URL", unreachable.as_str()),
        ("HEALTH_DETAILS_TOKEN", "peek-123"),
    ];
    env.extend(FAST_CHECKS);
    let server = Example::start("server", &env);
    let addr = server.addr;
    readiness_until(addr, "the database check failing", |r| {
        check_status(r, "database") == "down"
    })
    .await;

    let public = fetch(addr, "/readyz").await;
    assert!(
        public.json()["checks"]["database"].get("error").is_none(),
        "{}",
        public.text()
    );
    let verbose = fetch(addr, "/readyz?verbose").await;
    assert!(
        verbose
            .text()
            .contains("[-]database failed: reason withheld"),
        "{}",
        verbose.text()
    );
    let wrong = send(
        addr,
        Method::GET,
        "/readyz",
        &[("x-health-token", "peek-12")],
    )
    .await;
    assert!(wrong.json()["checks"]["database"].get("error").is_none());

    let revealed = send(
        addr,
        Method::GET,
        "/readyz",
        &[("x-health-token", "peek-123")],
    )
    .await;
    let error = revealed.json()["checks"]["database"]["error"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(error.starts_with("postgres: "), "{error}");
    for reply in [&public, &verbose, &wrong, &revealed] {
        assert!(!reply.text().contains("Pw-Secret-5"), "{}", reply.text());
    }
    assert!(
        !server.output().contains("Pw-Secret-5"),
        "{}",
        server.output()
    );
    assert!(!server.output().contains("peek-123"), "{}", server.output());
}
