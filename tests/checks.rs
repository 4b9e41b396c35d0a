//! The built-in checks against real servers over real sockets.

mod common;

use std::time::Duration;

use common::deps::{Blackhole, Proxy, Redis, database_options, free_port, pg_addr, redis_manager};
use common::serve::serve_axum;
use redis::aio::ConnectionManager;
use sqlx::postgres::PgPoolOptions;
use tower_health::{Check, checks};

/// Run `check` until it passes again, for at most about five seconds.
async fn recovers(check: &impl Check, what: &str) {
    let mut last = None;
    for _ in 0..50 {
        match check.check().await {
            Ok(()) => return,
            Err(error) => last = Some(error),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{what} check never recovered: {last:?}");
}

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
    let error = checks::postgres(pool).check().await.unwrap_err();
    assert!(
        error.message().contains("password authentication failed"),
        "{error}"
    );
    assert!(!error.message().contains("not-the-Password-42"), "{error}");
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
    let error = checks::redis(manager(&url)).check().await.unwrap_err();
    assert!(!error.message().contains("Sekret-99"), "{error}");
    assert!(error.message().starts_with("redis: "), "{error}");
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
