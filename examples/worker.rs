//! A queue worker with no HTTP server of its own: it pops jobs from a Redis list and serves
//! its health probes from the probe server, on a thread of their own.
//!
//! ```text
//! REDIS_URL=redis://127.0.0.1:6379 cargo run --example worker
//! redis-cli RPUSH jobs a:500 b:2000      # job "a" takes 500 ms, "b" 2 s
//! curl -i localhost:9090/readyz
//! ```
//!
//! | variable | default | meaning |
//! |---|---|---|
//! | `REDIS_URL` | required | the Redis holding the `jobs` list |
//! | `PROBE_ADDR` | `127.0.0.1:9090` | address of the probes (`:0` picks a free port) |
//! | `STALL_AFTER_MS` | `10000` | the runtime watchdog: liveness fails after this long without a heartbeat |
//!
//! Readiness: the Redis check and the consumer loop's own heartbeat (a check that fails
//! when the loop has not come round for 10 s). Liveness: the runtime watchdog (the component
//! `runtime`), which fails when blocking code wedges the runtime, never on a dependency. On
//! SIGTERM or Ctrl-C it stops taking jobs, finishes the one in hand, and exits 0.

mod common;

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use redis::AsyncCommands;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use tower_health::{Health, ProbeServer, Watchdog, checks};

/// How long the loop may go without coming round before readiness fails.
const STALLED_AFTER: Duration = Duration::from_secs(10);

#[tokio::main]
async fn main() -> ExitCode {
    common::log_to_stdout();
    println!("tower-health worker example, configuration:");
    let config = (|| {
        let redis = common::dependencies::redis_from_env()?.ok_or("REDIS_URL is required")?;
        let probes = common::env_or("PROBE_ADDR", SocketAddr::from(([127, 0, 0, 1], 9090)))?;
        let stall_after = Duration::from_millis(common::env_or("STALL_AFTER_MS", 10_000u64)?);
        Ok::<_, String>((redis, probes, Watchdog::new().stall_after(stall_after)))
    })();
    let Ok((redis, probe_addr, watchdog)) = config.inspect_err(common::print_error) else {
        return ExitCode::from(2);
    };
    common::exit_code(run(redis, probe_addr, watchdog).await)
}

async fn run(
    redis: redis::Client,
    probe_addr: SocketAddr,
    watchdog: Watchdog,
) -> Result<(), Box<dyn std::error::Error>> {
    let client = redis;
    let redis = ConnectionManager::new_lazy_with_config(
        client.clone(),
        ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(1)))
            .set_response_timeout(Some(Duration::from_secs(3))),
    )?;
    let heartbeat = Arc::new(Mutex::new(Instant::now()));
    let beat = heartbeat.clone();
    let health = Health::builder()
        .check(
            "redis",
            checks::redis(redis.clone()).address(client.get_connection_info()),
        )
        .check("consumer", move || {
            let since = beat.lock().map(|at| at.elapsed()).unwrap_or(Duration::MAX);
            async move {
                match since < STALLED_AFTER {
                    true => Ok(()),
                    false => Err(format!(
                        "the consumer loop has not come round for {since:?}"
                    )),
                }
            }
        })
        .interval(Duration::from_millis(500))
        .build();
    health.start_checks();
    // Spawned from within this runtime, which the watchdog's heartbeat runs on.
    let probes = ProbeServer::bind(probe_addr, health.clone())
        .watchdog(watchdog)
        .spawn()
        .map_err(|error| format!("cannot serve the probes on {probe_addr}: {error}"))?;
    println!("listening on {}", probes.local_addr());
    health.mark_started();

    let stopping = Arc::new(AtomicBool::new(false));
    let stop = stopping.clone();
    let signal = health.shutdown_signal(Duration::ZERO);
    tokio::spawn(async move {
        signal.await;
        stop.store(true, Ordering::SeqCst);
    });
    consume(redis, &heartbeat, &stopping).await;
    probes.shutdown();
    println!("stopped");
    Ok(())
}

/// Pop and do jobs until `stopping`; a job in hand is always finished.
async fn consume(mut redis: ConnectionManager, heartbeat: &Mutex<Instant>, stopping: &AtomicBool) {
    while !stopping.load(Ordering::SeqCst) {
        if let Ok(mut at) = heartbeat.lock() {
            *at = Instant::now();
        }
        // Wait at most a second for a job, so a stop is noticed between jobs.
        let popped: redis::RedisResult<Option<(String, String)>> = redis.blpop("jobs", 1.0).await;
        match popped {
            Ok(Some((_, job))) => work(&job).await,
            Ok(None) => {}
            Err(error) => {
                // The redis check reports it; back off instead of spinning.
                tracing::debug!(%error, "cannot pop a job");
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    }
}

/// Do job `<name>:<ms>`: take that long, then say so.
async fn work(job: &str) {
    let (name, ms) = job.split_once(':').unwrap_or((job, "0"));
    let ms = ms.parse::<u64>().unwrap_or(0).min(60_000);
    println!("job {name} started");
    tokio::time::sleep(Duration::from_millis(ms)).await;
    println!("job {name} done");
}
