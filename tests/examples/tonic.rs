//! `examples/tonic.rs`, gRPC health and HTTP probes on one port, read with the crate's
//! own gRPC client: real Redis and PostgreSQL, unknown services, `List`, the drain on SIGTERM.

use std::time::Duration;

use http::StatusCode;
use tonic::Code;
use tower_health::grpc::pb::health_check_response::ServingStatus::{
    NotServing, ServiceUnknown, Serving,
};

use crate::common::NO_HANG;
use crate::common::client::{fetch, wait_for_status};
use crate::common::deps::{Redis, database_url};
use crate::common::drain::drains_on_signal;
use crate::common::examples::{Example, answers_probes};
use crate::common::grpc::{check, connect, list, next, quiet, wait_for, watch};

#[tokio::test]
async fn tonic_example_answers_probes() {
    answers_probes("tonic").await;
}

#[tokio::test]
async fn tonic_example_drains_on_sigterm() {
    // The load is HTTP/1.1 probes of liveness on the gRPC port; gRPC calls during a drain
    // are checked in process (tests/tonic.rs) and below.
    drains_on_signal("tonic", "TERM", "/healthz", None, &[]).await;
}

#[tokio::test]
async fn example_follows_redis_going_down_and_coming_back() {
    let mut redis = Redis::start();
    let redis_url = redis.url();
    let database = database_url();
    let server = Example::start(
        "tonic",
        &[
            ("REDIS_URL", redis_url.as_str()),
            ("DATABASE_URL", database.as_str()),
            ("CHECK_INTERVAL_MS", "100"),
            ("CHECK_TIMEOUT_MS", "500"),
        ],
    );
    let output = server.output();
    assert!(
        !output.contains(":pw@") && output.contains("password not shown"),
        "{output}"
    );
    let mut client = connect(server.addr).await;
    wait_for(&mut client, "", Serving).await;
    assert_eq!(check(&mut client, "redis").await, Ok(Serving));
    assert_eq!(check(&mut client, "database").await, Ok(Serving));
    let mut overall = watch(&mut client, "").await;
    assert_eq!(next(&mut overall).await, Serving);

    redis.stop();
    assert_eq!(next(&mut overall).await, NotServing);
    wait_for(&mut client, "redis", NotServing).await;
    assert_eq!(check(&mut client, "").await, Ok(NotServing));
    assert_eq!(check(&mut client, "database").await, Ok(Serving));
    // The HTTP probes on the same port tell the same story.
    let ready = fetch(server.addr, "/readyz").await;
    assert_eq!(ready.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(ready.json()["checks"]["redis"]["status"], "down");
    assert_eq!(fetch(server.addr, "/healthz").await.status, StatusCode::OK);

    // Back without a restart of the service.
    redis.restart();
    assert_eq!(next(&mut overall).await, Serving);
    wait_for(&mut client, "redis", Serving).await;
    assert_eq!(check(&mut client, "").await, Ok(Serving));
    wait_for_status(server.addr, "/readyz", StatusCode::OK).await;
}

#[tokio::test]
async fn example_answers_not_found_for_unknown_services() {
    let server = Example::start("tonic", &[]);
    let mut client = connect(server.addr).await;
    wait_for(&mut client, "", Serving).await;
    assert_eq!(check(&mut client, "nope").await, Err(Code::NotFound));
    // Without REDIS_URL there is no redis service either.
    assert_eq!(check(&mut client, "redis").await, Err(Code::NotFound));
    // Watch, as the protocol says: SERVICE_UNKNOWN, and the stream stays open.
    let mut unknown = watch(&mut client, "nope").await;
    assert_eq!(next(&mut unknown).await, ServiceUnknown);
    quiet(&mut unknown).await;
    // List has every name the server knows, and only those.
    let all = list(&mut client).await.unwrap();
    assert_eq!(all.get(""), Some(&Serving), "{all:?}");
    assert!(
        !all.contains_key("nope") && !all.contains_key("redis"),
        "{all:?}"
    );
}

#[tokio::test]
async fn example_goes_not_serving_at_once_on_sigterm_and_keeps_answering() {
    let mut server = Example::start("tonic", &[("SHUTDOWN_DELAY_MS", "3000")]);
    let mut client = connect(server.addr).await;
    wait_for(&mut client, "", Serving).await;
    let mut overall = watch(&mut client, "").await;
    assert_eq!(next(&mut overall).await, Serving);

    server.signal("TERM");
    let signalled = tokio::time::Instant::now();
    assert_eq!(next(&mut overall).await, NotServing);
    // During the drain: gRPC NOT_SERVING, HTTP liveness 200 and readiness 503, all answered.
    assert_eq!(check(&mut client, "").await, Ok(NotServing));
    assert_eq!(fetch(server.addr, "/healthz").await.status, StatusCode::OK);
    let ready = fetch(server.addr, "/readyz").await;
    assert_eq!(ready.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        signalled.elapsed() < Duration::from_millis(3000),
        "the drain checks took the whole delay: {:?}",
        signalled.elapsed()
    );
    assert_eq!(check(&mut client, "").await, Ok(NotServing));

    // The Watch stream stays open: a graceful stop waits for open calls, but not forever.
    assert_eq!(server.exit_code().await, Some(0));
    assert!(
        signalled.elapsed() >= Duration::from_millis(3000),
        "stopped before the drain delay: {:?}",
        signalled.elapsed()
    );
    let end = tokio::time::timeout(NO_HANG, overall.message())
        .await
        .expect("the Watch stream outlived the process");
    assert!(!matches!(end, Ok(Some(_))), "{end:?}");
    // Its output is read by another thread: give it the last line.
    let deadline = tokio::time::Instant::now() + NO_HANG;
    while !server.output().lines().any(|line| line == "stopped") {
        assert!(
            tokio::time::Instant::now() < deadline,
            "no 'stopped' line: {}",
            server.output()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        server.output().contains("calls still open"),
        "{}",
        server.output()
    );
}
