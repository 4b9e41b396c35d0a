//! The built-in checks against real servers over real sockets.

mod common;

use std::time::Duration;

use common::deps::{Blackhole, Proxy, Redis, database_options, free_port, pg_addr, redis_manager};
use common::health::recovers;
use common::serve::serve_axum;
use redis::aio::ConnectionManager;
use sqlx::postgres::PgPoolOptions;
use tower_health::{Check, checks};

fn manager(url: &str) -> ConnectionManager {
    redis_manager(url, Duration::from_secs(1), 1)
}

#[tokio::test]
async fn postgres_check_follows_the_database_through_a_cut() {
    let options = database_options();
    let mut proxy = Proxy::start(pg_addr()).await;
    let pool = PgPoolOptions::new()
        .max_connections(2)
        .acquire_timeout(Duration::from_secs(1))
        .connect_lazy_with(options.host("127.0.0.1").port(proxy.addr.port()));
    let check = checks::postgres(pool.clone());
    check
        .check()
        .await
        .expect("postgres check against a live database");

    proxy.cut();
    let error = check.check().await.expect_err("database cut off");
    assert!(error.message().starts_with("postgres: "), "{error}");

    proxy.restore().await;
    recovers(&check, "postgres").await;
}

#[tokio::test]
async fn postgres_wrong_password_is_a_clear_failure_without_the_password() {
    let options = database_options().password("not-the-Password-42");
    let pool = PgPoolOptions::new()
        .acquire_timeout(Duration::from_secs(2))
        .connect_lazy_with(options);
    let (message, took) = timed_failure(&checks::postgres(pool)).await;
    eprintln!("postgres, wrong password: failed in {took:?}: {message}");
    assert!(
        message.starts_with("postgres: authentication failed: password authentication failed"),
        "{message}"
    );
    assert!(!message.contains("not-the-Password-42"), "{message}");
    assert!(took < Duration::from_secs(1), "{took:?}");
}

#[tokio::test]
async fn redis_check_follows_a_stop_and_start() {
    let mut redis = Redis::start();
    let check = checks::redis(manager(&redis.url()));
    check
        .check()
        .await
        .expect("redis check against a live server");

    redis.stop();
    let error = check.check().await.expect_err("redis stopped");
    assert!(error.message().starts_with("redis: "), "{error}");

    redis.restart();
    recovers(&check, "redis").await;
}

#[tokio::test]
async fn redis_check_over_a_multiplexed_connection() {
    let redis = Redis::start();
    let client = redis::Client::open(redis.url()).unwrap();
    let connection = client.get_multiplexed_async_connection().await.unwrap();
    checks::redis(connection).check().await.unwrap();
}

#[tokio::test]
async fn redis_wrong_password_is_a_clear_failure_without_the_password() {
    let redis = Redis::start();
    let url = format!("redis://:Sekret-99@127.0.0.1:{}", redis.port);
    let (message, took) = timed_failure(&checks::redis(manager(&url))).await;
    eprintln!("redis, wrong password: failed in {took:?}: {message}");
    assert_eq!(message, "redis: authentication failed");
    assert!(took < Duration::from_secs(1), "{took:?}");

    // A manager with redis-rs's default retries, told the address: it would retry the
    // rejected password for seconds; the check asks the server itself and says so at once.
    let client = redis::Client::open(url.as_str()).unwrap();
    let manager = ConnectionManager::new_lazy_with_config(
        client.clone(),
        redis::aio::ConnectionManagerConfig::new(),
    )
    .unwrap();
    let check = checks::redis(manager).address(client.get_connection_info());
    let (message, took) = timed_failure(&check).await;
    eprintln!("redis, wrong password, default retries: failed in {took:?}: {message}");
    assert_eq!(message, "redis: authentication failed");
    assert!(!message.contains("Sekret-99"), "{message}");
    assert!(took < Duration::from_millis(100), "{took:?}");
}

#[tokio::test]
async fn http_check_wants_2xx() {
    use axum::{Router, http::StatusCode, routing::get};
    let app = Router::new().route("/ok", get(|| async { "fine" })).route(
        "/broken",
        get(|| async { StatusCode::INTERNAL_SERVER_ERROR }),
    );
    let addr = serve_axum(app).await;

    let ok = checks::http(format!("http://{addr}/ok").parse().unwrap());
    ok.check().await.unwrap();
    let broken = checks::http(format!("http://{addr}/broken").parse().unwrap());
    let error = broken.check().await.unwrap_err();
    assert!(
        error
            .message()
            .ends_with("status 500 Internal Server Error"),
        "{error}"
    );
    let with_password = checks::http(format!("http://u:pw-77@{addr}/broken").parse().unwrap());
    let error = with_password.check().await.unwrap_err();
    assert!(!error.message().contains("pw-77"), "{error}");
}

#[tokio::test]
async fn checks_against_a_blackhole_never_answer_on_their_own() {
    // The engine's timeout is what ends these; here we only see that they hang.
    let hole = Blackhole::start().await;
    let http = checks::http(format!("http://{}/", hole.addr).parse().unwrap());
    let hung = tokio::time::timeout(Duration::from_millis(300), http.check()).await;
    assert!(
        hung.is_err(),
        "a blackholed HTTP dependency answered: {hung:?}"
    );
    assert_eq!(hole.accepted(), 1);
}

#[tokio::test]
async fn tcp_check_against_real_listeners() {
    let redis = Redis::start();
    checks::tcp(format!("127.0.0.1:{}", redis.port))
        .check()
        .await
        .unwrap();
    let closed = free_port();
    assert!(
        checks::tcp(format!("127.0.0.1:{closed}"))
            .check()
            .await
            .is_err()
    );
}

/// Run `check` once, expecting a failure; its message and how long it took.
async fn timed_failure(check: &impl Check) -> (String, Duration) {
    let started = std::time::Instant::now();
    let result = tokio::time::timeout(Duration::from_secs(10), check.check())
        .await
        .expect("the check ended within 10 s");
    let error = result.expect_err("the check failed");
    (error.message().to_owned(), started.elapsed())
}

/// A refused connection fails the run within 100 ms with `expected`.
async fn fails_fast(what: &str, check: &impl Check, expected: &str) {
    let (message, took) = timed_failure(check).await;
    eprintln!("{what}: failed in {took:?}: {message}");
    assert_eq!(message, expected, "{what}");
    assert!(took < Duration::from_millis(100), "{what} took {took:?}");
}

#[tokio::test]
async fn postgres_refused_port_fails_at_once() {
    let port = free_port();
    let pool = PgPoolOptions::new()
        .acquire_timeout(Duration::from_secs(2))
        .connect_lazy_with(database_options().host("127.0.0.1").port(port));
    let check = checks::postgres(pool);
    fails_fast(
        "postgres, refused port",
        &check,
        "postgres: connection refused",
    )
    .await;
}

#[tokio::test]
async fn postgres_cut_off_fails_at_once_as_refused() {
    let mut proxy = Proxy::start(pg_addr()).await;
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .acquire_timeout(Duration::from_secs(2))
        .connect_lazy_with(database_options().host("127.0.0.1").port(proxy.addr.port()));
    let check = checks::postgres(pool);
    check.check().await.expect("through the proxy");
    proxy.cut();
    fails_fast("postgres, cut off", &check, "postgres: connection refused").await;
    fails_fast(
        "postgres, cut off, again",
        &check,
        "postgres: connection refused",
    )
    .await;
}

#[tokio::test]
async fn redis_stopped_fails_at_once_every_run() {
    let mut redis = Redis::start();
    let client = redis::Client::open(redis.url()).unwrap();
    let manager = ConnectionManager::new_lazy_with_config(
        client.clone(),
        redis::aio::ConnectionManagerConfig::new(),
    )
    .unwrap();
    let check = checks::redis(manager).address(client.get_connection_info());
    check.check().await.expect("redis up");
    redis.stop();
    for run in 1..=3 {
        let (message, took) = timed_failure(&check).await;
        eprintln!("redis stopped, run {run}: failed in {took:?}: {message}");
        assert!(took < Duration::from_millis(100), "run {run} took {took:?}");
        // The first run after the stop may see the old connection break instead.
        if run > 1 {
            assert_eq!(message, "redis: connection refused");
        }
    }
    redis.restart();
    recovers(&check, "redis").await;
}

#[tokio::test]
async fn redis_refused_port_fails_at_once() {
    let client = redis::Client::open(format!("redis://127.0.0.1:{}", free_port())).unwrap();
    let manager = ConnectionManager::new_lazy_with_config(
        client.clone(),
        redis::aio::ConnectionManagerConfig::new(),
    )
    .unwrap();
    let check = checks::redis(manager).address(client.get_connection_info());
    fails_fast("redis, refused port", &check, "redis: connection refused").await;
}

#[tokio::test]
async fn http_and_tcp_refused_ports_fail_at_once() {
    let port = free_port();
    let http = checks::http(format!("http://127.0.0.1:{port}/").parse().unwrap());
    let expected = format!("GET http://127.0.0.1:{port}/: connection refused");
    fails_fast("http, refused port", &http, &expected).await;
    let tcp = checks::tcp(format!("127.0.0.1:{port}"));
    let expected = format!("connect 127.0.0.1:{port}: connection refused");
    fails_fast("tcp, refused port", &tcp, &expected).await;
}

#[tokio::test]
async fn a_stopped_redis_is_down_after_two_intervals_not_two_timeouts() {
    use tower_health::{ComponentStatus, Health, NamedCheck};
    let mut redis = Redis::start();
    let client = redis::Client::open(redis.url()).unwrap();
    let manager = ConnectionManager::new_lazy_with_config(
        client.clone(),
        redis::aio::ConnectionManagerConfig::new(),
    )
    .unwrap();
    let check = checks::redis(manager).address(client.get_connection_info());
    let health = Health::builder()
        .add_check(
            NamedCheck::new("redis", check)
                .failure_threshold(2)
                .interval(Duration::from_millis(500))
                .timeout(Duration::from_secs(2)),
        )
        .build();
    health.start_checks();
    let mut changes = health.subscribe();
    let status = |s: &tower_health::Snapshot| s.component("redis").unwrap().status();
    tokio::time::timeout(
        Duration::from_secs(5),
        changes.wait_for(|s| status(s).is_up()),
    )
    .await
    .expect("redis up")
    .expect("snapshots published");

    let stopped = std::time::Instant::now();
    redis.stop();
    tokio::time::timeout(
        Duration::from_secs(10),
        changes.wait_for(|s| status(s) == ComponentStatus::Down),
    )
    .await
    .expect("redis down")
    .expect("snapshots published");
    let took = stopped.elapsed();
    let snapshot = health.snapshot();
    let error = snapshot
        .component("redis")
        .unwrap()
        .error()
        .map(str::to_owned);
    eprintln!("redis stopped: down after {took:?}: {error:?}");
    assert_eq!(error.as_deref(), Some("redis: connection refused"));
    // Two runs one interval apart, each failing in ~20 ms (1.08 s measured; 3.0 s before,
    // the second run ending at the 2 s timeout).
    assert!(took < Duration::from_millis(1500), "{took:?}");
}
