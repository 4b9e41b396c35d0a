//! `checks::deadpool_postgres` against the test script's real PostgreSQL.

mod common;

use std::time::{Duration, Instant};

use common::deps::{Proxy, database_url, free_port, pg_addr};
use common::health::recovers;
use deadpool_postgres::{Manager, Pool};
use tokio_postgres::NoTls;
use tower_health::{Check, checks};

/// The test database's configuration (`TOWER_HEALTH_TEST_DATABASE_URL`).
fn config() -> tokio_postgres::Config {
    database_url()
        .parse()
        .expect("TOWER_HEALTH_TEST_DATABASE_URL is not a PostgreSQL URL")
}

/// [`config`] with the database at `host:port` instead (tokio-postgres adds to a
/// configuration's hosts and ports; it does not replace them).
fn config_at(host: &str, port: u16) -> tokio_postgres::Config {
    let url = config();
    let mut config = tokio_postgres::Config::new();
    config.host(host).port(port);
    config.user(url.get_user().expect("a user in the URL"));
    if let Some(password) = url.get_password() {
        config.password(password);
    }
    if let Some(dbname) = url.get_dbname() {
        config.dbname(dbname);
    }
    config
}

fn pool(config: tokio_postgres::Config, max_size: usize) -> Pool {
    Pool::builder(Manager::new(config, NoTls))
        .max_size(max_size)
        .build()
        .unwrap()
}

#[tokio::test]
async fn passes_against_a_live_database_and_reuses_the_pool() {
    let pool = pool(config(), 4);
    let check = checks::deadpool_postgres(pool.clone());
    for _ in 0..5 {
        check
            .check()
            .await
            .expect("deadpool check against a live database");
    }
    // Five runs, one connection: the pool's, kept and reused.
    assert_eq!(pool.status().size, 1, "{:?}", pool.status());
}

#[tokio::test]
async fn a_pool_held_fully_busy_is_degraded_not_down() {
    let pool = pool(config(), 2);
    let check = checks::deadpool_postgres(pool.clone());
    let first = pool.get().await.unwrap();
    let second = pool.get().await.unwrap();

    let started = Instant::now();
    let error = check.check().await.expect_err("pool fully in use");
    assert!(error.is_degraded(), "{error}");
    assert_eq!(error.message(), "pool exhausted: 2/2 in use");
    assert!(
        started.elapsed() < Duration::from_millis(100),
        "{:?}",
        started.elapsed()
    );

    // A client back in the pool: passing fully again.
    drop(first);
    check.check().await.expect("a client free again");
    drop(second);
}

#[tokio::test]
async fn a_refused_port_is_down_at_once() {
    let config = config_at("127.0.0.1", free_port());
    let check = checks::deadpool_postgres(pool(config, 2));
    let started = Instant::now();
    let error = check.check().await.expect_err("nothing listens");
    let elapsed = started.elapsed();
    assert!(!error.is_degraded(), "{error}");
    assert_eq!(error.message(), "connection refused");
    assert!(elapsed < Duration::from_millis(100), "took {elapsed:?}");
}

#[tokio::test]
async fn a_wrong_password_says_authentication_failed_without_the_password() {
    let mut config = config();
    config.password("not-the-Password-42");
    let error = checks::deadpool_postgres(pool(config, 2))
        .check()
        .await
        .expect_err("wrong password");
    assert!(!error.is_degraded(), "{error}");
    assert_eq!(error.message(), "authentication failed");
    assert!(!error.message().contains("not-the-Password-42"), "{error}");
}

#[tokio::test]
async fn follows_the_database_through_a_cut() {
    let mut proxy = Proxy::start(pg_addr()).await;
    let config = config_at("127.0.0.1", proxy.addr.port());
    let check = checks::deadpool_postgres(pool(config, 2));
    check.check().await.expect("through the proxy");

    proxy.cut();
    let error = check.check().await.expect_err("database cut off");
    assert!(!error.is_degraded(), "{error}");
    assert!(!error.message().contains("tower-health-test"), "{error}");
    // The pooled connection broke under it (`postgres: connection closed`), or the pool
    // had already dropped it; the next run reconnects and is refused.
    assert!(
        ["postgres: connection closed", "connection refused"].contains(&error.message()),
        "{error}"
    );
    let error = check.check().await.expect_err("still cut off");
    assert_eq!(error.message(), "connection refused");

    proxy.restore().await;
    recovers(&check, "deadpool").await;
}
