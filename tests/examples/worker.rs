//! `examples/worker.rs`, a queue consumer whose only HTTP surface is the probe server: its
//! liveness is the runtime watchdog, readiness follows Redis, and on SIGTERM it finishes the job in hand and exits 0.

use std::time::Duration;

use http::StatusCode;
use redis::AsyncCommands;

use crate::common::NO_HANG;
use crate::common::client::{fetch, wait_for_status};
use crate::common::deps::Redis;
use crate::common::examples::Example;

#[tokio::test]
async fn worker_follows_redis_and_finishes_its_job_on_sigterm() {
    let mut redis = Redis::start();
    let url = redis.url();
    let mut worker = Example::start(
        "worker",
        &[("REDIS_URL", &url), ("PROBE_ADDR", "127.0.0.1:0")],
    );
    let probes = worker.addr;
    let ready = wait_for_status(probes, "/readyz", StatusCode::OK).await;
    assert_eq!(ready.json()["checks"]["consumer"]["status"], "ok");
    assert_eq!(fetch(probes, "/healthz").await.status, StatusCode::OK);
    // Liveness is the runtime watchdog's alone.
    let combined = fetch(probes, "/health").await.json();
    assert_eq!(combined["checks"]["runtime"]["status"], "ok", "{combined}");
    assert!(
        worker.output().contains("STALL_AFTER_MS"),
        "{}",
        worker.output()
    );

    // Readiness follows Redis going away and coming back.
    redis.stop();
    let down = wait_for_status(probes, "/readyz", StatusCode::SERVICE_UNAVAILABLE).await;
    assert_eq!(down.json()["checks"]["redis"]["status"], "down");
    redis.restart();
    wait_for_status(probes, "/readyz", StatusCode::OK).await;

    // A job in hand when SIGTERM comes is finished before the worker exits.
    let client = redis::Client::open(url).unwrap();
    let mut connection = client.get_multiplexed_async_connection().await.unwrap();
    let _: () = connection.rpush("jobs", "slow:1500").await.unwrap();
    let deadline = tokio::time::Instant::now() + NO_HANG;
    while !worker.output().contains("job slow started") {
        assert!(
            tokio::time::Instant::now() < deadline,
            "{}",
            worker.output()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    worker.signal("TERM");
    let draining = wait_for_status(probes, "/readyz", StatusCode::SERVICE_UNAVAILABLE).await;
    assert_eq!(draining.json()["reason"], "shutting down");
    assert_eq!(worker.exit_code().await, Some(0), "{}", worker.output());
    let output = worker.output();
    let done = output.find("job slow done").expect("the job was finished");
    assert!(output[done..].contains("stopped"), "{output}");
}
