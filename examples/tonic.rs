//! `HealthLayer` on a tonic gRPC server: gRPC and HTTP/1.1 probes on one port, from one
//! health state.
//!
//! The server serves the standard gRPC health service (`grpc.health.v1.Health`: `Check`,
//! `Watch` and `List`) from [`tower_health::grpc`], so kubelet HTTP probes and gRPC probes
//! (`grpc_health_probe`, Kubernetes `grpc:` probes) see the same thing, and `List` gives
//! every service name with its status at once:
//!
//! ```text
//! REDIS_URL=redis://127.0.0.1:6379 cargo run --example tonic
//! curl -i localhost:50051/readyz
//! grpc_health_probe -addr=localhost:50051               # "" : SERVING iff /readyz is 200
//! grpc_health_probe -addr=localhost:50051 -service=redis
//! grpcurl -plaintext -import-path proto -proto grpc/health/v1/health.proto \
//!     localhost:50051 grpc.health.v1.Health/List
//! ```
//!
//! | variable | default | meaning |
//! |---|---|---|
//! | `LISTEN_ADDR` | `127.0.0.1:50051` | address to listen on (`:0` picks a free port) |
//! | `DATABASE_URL` | unset | PostgreSQL URL; adds a critical `database` check |
//! | `REDIS_URL` | unset | Redis URL; adds a critical `redis` check |
//! | `CHECK_INTERVAL_MS` | `5000` | how often each check runs |
//! | `CHECK_TIMEOUT_MS` | `2000` | how long a check may take before it counts as failed |
//! | `SHUTDOWN_DELAY_MS` | `5000` | on SIGTERM/Ctrl-C: how long to keep serving with readiness 503 and gRPC `NOT_SERVING` before stopping |
//!
//! A dependency that is unreachable or refuses the credentials is a failing check (logged);
//! a URL that cannot be parsed at all stops start-up (exit 2). After the drain delay, calls
//! still open (an open `Watch` stream never ends by itself) get 5 s to finish.

mod common;

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use common::dependencies::Dependencies;
use tonic::transport::Server;
use tonic::transport::server::TcpIncoming;
use tower_health::{Health, HealthLayer};

/// How long in-flight calls may still run once the drain delay is over.
const FINISH_TIMEOUT: Duration = Duration::from_secs(5);

struct Config {
    listen_addr: SocketAddr,
    dependencies: Dependencies,
    check_interval: Duration,
    check_timeout: Duration,
    shutdown_delay: Duration,
}

impl Config {
    fn from_env() -> Result<Config, String> {
        println!("tower-health tonic example, configuration:");
        Ok(Config {
            listen_addr: common::env_or("LISTEN_ADDR", SocketAddr::from(([127, 0, 0, 1], 50051)))?,
            dependencies: Dependencies::from_env()?,
            check_interval: Duration::from_millis(common::env_or("CHECK_INTERVAL_MS", 5000u64)?),
            check_timeout: Duration::from_millis(common::env_or("CHECK_TIMEOUT_MS", 2000u64)?),
            shutdown_delay: Duration::from_millis(common::env_or("SHUTDOWN_DELAY_MS", 5000u64)?),
        })
    }
}

/// Logs to stdout, reads (and prints) its configuration from the environment, serves until
/// SIGTERM/Ctrl-C. Exit code 2 when a setting does not parse, 1 when serving fails, 0 after
/// a clean shutdown.
#[tokio::main]
async fn main() -> ExitCode {
    common::log_to_stdout();
    let Ok(config) = Config::from_env().inspect_err(common::print_error) else {
        return ExitCode::from(2);
    };
    common::exit_code(run(config).await)
}

async fn run(config: Config) -> Result<(), Box<dyn std::error::Error>> {
    let builder = Health::builder()
        .interval(config.check_interval)
        .timeout(config.check_timeout);
    let (builder, jobs) = config
        .dependencies
        .checks(builder, config.check_timeout, &[])
        .await?;
    let health = builder.build();
    if let Some(jobs) = &jobs {
        jobs.start();
    }
    health.start_checks();
    // `""` follows readiness, `database` and `redis` their checks; all NOT_SERVING on drain.
    let grpc_health = tower_health::grpc::health_service(&health).await;

    let listener = tokio::net::TcpListener::bind(config.listen_addr)
        .await
        .map_err(|error| format!("cannot listen on {}: {error}", config.listen_addr))?;
    println!("listening on {}", listener.local_addr()?);
    health.mark_started();

    // On SIGTERM/Ctrl-C: readiness 503 and gRPC NOT_SERVING at once, keep serving for the
    // delay, then stop accepting and finish in-flight calls.
    let drained = health.shutdown_signal(config.shutdown_delay);
    let (stopping, stopped_accepting) = tokio::sync::oneshot::channel();
    let serve = Server::builder()
        .accept_http1(true)
        .layer(HealthLayer::new(health.clone()))
        .add_service(grpc_health)
        .serve_with_incoming_shutdown(TcpIncoming::from(listener), async move {
            drained.await;
            let _ = stopping.send(());
        });
    // A graceful stop waits for every open call, and a gRPC health `Watch` stream (client-side
    // health checking, some load balancers) never ends by itself: bound the wait.
    let open_calls = async {
        if stopped_accepting.await.is_err() {
            std::future::pending::<()>().await;
        }
        tokio::time::sleep(FINISH_TIMEOUT).await;
    };
    tokio::select! {
        served = serve => served?,
        () = open_calls => {
            tracing::warn!("calls still open {FINISH_TIMEOUT:?} after the drain; stopping anyway");
        }
    }
    println!("stopped");
    Ok(())
}
