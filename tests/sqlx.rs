//! The sqlx check, one implementation, against PostgreSQL, MariaDB (the `mysql` feature)
//! and SQLite: real servers and a real file.

mod common;

use std::time::{Duration, Instant};

use common::client::fetch;
use common::deps::{Proxy, database_options, free_port, mysql_url};
use common::health::{recovers, started_with_results};
use common::serve::serve_counting;
use common::temp::TempDir;
use http::StatusCode;
use sqlx::mysql::{MySqlConnectOptions, MySqlPoolOptions};
use sqlx::pool::PoolOptions;
use sqlx::postgres::PgPoolOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use sqlx::{Database, Pool};
use tower_health::checks::{SqlxCheck, SqlxDatabase};
use tower_health::{Check, Details, Health, checks};

fn mysql_options() -> MySqlConnectOptions {
    mysql_url()
        .parse()
        .expect("TOWER_HEALTH_TEST_MYSQL_URL is not a MySQL URL")
}

fn options<DB: Database>(max: u32) -> PoolOptions<DB> {
    PoolOptions::new()
        .max_connections(max)
        .acquire_timeout(Duration::from_secs(2))
}

/// A SQLite database file of the test's own, created.
fn sqlite_options(dir: &TempDir) -> SqliteConnectOptions {
    SqliteConnectOptions::new()
        .filename(dir.path().join("app.db"))
        .create_if_missing(true)
}

/// Five runs pass over one pooled connection, kept and reused.
async fn passes_and_reuses<DB: SqlxDatabase>(pool: Pool<DB>) {
    let check = SqlxCheck::new(pool.clone());
    for _ in 0..5 {
        check
            .check()
            .await
            .unwrap_or_else(|error| panic!("{} check: {error}", DB::SHORT_NAME));
        // Runs come an interval apart; a connection goes back to the pool on a task of
        // sqlx's own.
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(pool.size(), 1, "{}: {pool:?}", DB::SHORT_NAME);
}

#[tokio::test]
async fn each_database_passes_and_reuses_the_pool() {
    passes_and_reuses(PgPoolOptions::new().connect_lazy_with(database_options())).await;
    passes_and_reuses(MySqlPoolOptions::new().connect_lazy_with(mysql_options())).await;
    let dir = TempDir::new("sqlite");
    passes_and_reuses(SqlitePoolOptions::new().connect_lazy_with(sqlite_options(&dir))).await;
}

/// With every connection held by the app: `degraded` with `pool exhausted: 2/2 in use` at
/// once, passing again when one is back.
async fn saturation_is_degraded<DB: SqlxDatabase>(pool: Pool<DB>) {
    let check = SqlxCheck::new(pool.clone());
    check.check().await.expect("a free pool");
    let first = pool.acquire().await.unwrap();
    let second = pool.acquire().await.unwrap();

    let started = Instant::now();
    let error = check.check().await.expect_err("pool fully in use");
    let took = started.elapsed();
    eprintln!("{}, pool exhausted: {took:?}: {error}", DB::SHORT_NAME);
    assert!(error.is_degraded(), "{error}");
    assert_eq!(error.message(), "pool exhausted: 2/2 in use");
    assert!(took < Duration::from_millis(100), "{took:?}");

    drop(first);
    recovers(&check, DB::SHORT_NAME).await;
    drop(second);
}

#[tokio::test]
async fn a_saturated_pool_is_degraded_not_down() {
    saturation_is_degraded(options::<sqlx::Postgres>(2).connect_lazy_with(database_options()))
        .await;
    saturation_is_degraded(options::<sqlx::MySql>(2).connect_lazy_with(mysql_options())).await;
    let dir = TempDir::new("sqlite");
    saturation_is_degraded(options::<sqlx::Sqlite>(2).connect_lazy_with(sqlite_options(&dir)))
        .await;
}

#[tokio::test]
async fn a_saturated_pool_keeps_readiness_and_says_so() {
    let pool = MySqlPoolOptions::new()
        .max_connections(1)
        .connect_lazy_with(mysql_options());
    let held = pool.acquire().await.unwrap();
    let health = started_with_results(
        Health::builder()
            .details(Details::Always)
            .check("database", checks::mysql(pool.clone()))
            .interval(Duration::from_millis(100)),
    )
    .await;
    let (addr, _) = serve_counting(&health).await;
    let ready = fetch(addr, "/readyz?verbose").await;
    assert_eq!(ready.status, StatusCode::OK, "{}", ready.text());
    assert!(
        ready
            .text()
            .contains("database degraded: pool exhausted: 1/1 in use"),
        "{}",
        ready.text()
    );
    let health_json = fetch(addr, "/health").await.json();
    assert_eq!(health_json["status"], "degraded", "{health_json}");
    drop(held);
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let body = fetch(addr, "/health").await.json();
        if body["status"] == "ok" {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "never up again with the connection back: {body} {pool:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn mysql_wrong_password_is_a_clear_failure_without_the_password() {
    let pool = options(2).connect_lazy_with(mysql_options().password("not-the-Password-42"));
    let started = Instant::now();
    let error = checks::mysql(pool)
        .check()
        .await
        .expect_err("wrong password");
    eprintln!("mysql, wrong password: {:?}: {error}", started.elapsed());
    assert!(!error.is_degraded(), "{error}");
    assert!(
        error
            .message()
            .starts_with("mysql: authentication failed: Access denied for user 'health'"),
        "{error}"
    );
    assert!(!error.message().contains("not-the-Password-42"), "{error}");
    assert!(started.elapsed() < Duration::from_secs(1));
}

#[tokio::test]
async fn mysql_refused_port_fails_at_once() {
    let pool = options(2).connect_lazy_with(mysql_options().host("127.0.0.1").port(free_port()));
    let check = checks::mysql(pool);
    for _ in 0..2 {
        let started = Instant::now();
        let error = check.check().await.expect_err("nothing listens");
        let took = started.elapsed();
        eprintln!("mysql, refused port: {took:?}: {error}");
        assert_eq!(error.message(), "mysql: connection refused");
        assert!(took < Duration::from_millis(100), "{took:?}");
    }
}

#[tokio::test]
async fn mysql_follows_the_database_through_a_cut() {
    let mysql = mysql_options();
    let server = format!("{}:{}", mysql.get_host(), mysql.get_port());
    let mut proxy = Proxy::start(server.parse().unwrap()).await;
    let pool = options(2).connect_lazy_with(mysql.host("127.0.0.1").port(proxy.addr.port()));
    let check = checks::mysql(pool);
    check.check().await.expect("through the proxy");

    proxy.cut();
    let started = Instant::now();
    let error = check.check().await.expect_err("database cut off");
    eprintln!("mysql, cut off: {:?}: {error}", started.elapsed());
    assert!(!error.is_degraded(), "{error}");
    assert!(error.message().starts_with("mysql: "), "{error}");
    let error = check.check().await.expect_err("still cut off");
    assert_eq!(error.message(), "mysql: connection refused");

    proxy.restore().await;
    recovers(&check, "mysql").await;
}

#[tokio::test]
async fn sqlite_file_that_cannot_be_opened_is_down() {
    let dir = TempDir::new("sqlite");
    let missing = SqliteConnectOptions::new().filename(dir.path().join("no/such/dir/app.db"));
    let check = checks::sqlite(options(2).connect_lazy_with(missing));
    let error = check.check().await.expect_err("no such directory");
    assert!(!error.is_degraded(), "{error}");
    assert!(
        error.message().starts_with("sqlite: ") && error.message().contains("unable to open"),
        "{error}"
    );
    assert!(!check.is_remote(), "a file is not another host");
}
