//! The image users build from `deploy/Dockerfile`, run by a real Docker engine: locked down,
//! Docker's own health check through a Redis stop and start (Redis and PostgreSQL in
//! containers of their own on a user-defined network), `docker stop` draining under load,
//! and `deploy/compose.yaml` up to all healthy. Every container and network is removed at
//! the end, also when a test fails. Needs a Docker engine: ./scripts/test.

mod common;

use std::net::SocketAddr;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use common::client::{fetch, wait_for_status};
use common::docker::{
    Container, LOCKED_DOWN, Network, POSTGRES_URL, docker, docker_output, image, postgres, redis,
    unique,
};
use common::load::Load;
use http::StatusCode;

/// Docker's health check run every second (the image's: every 10 s), three failures in a
/// row for unhealthy, as in the image.
const HEALTH_EVERY_SECOND: [&str; 8] = [
    "--health-interval",
    "1s",
    "--health-timeout",
    "3s",
    "--health-retries",
    "3",
    "--health-start-period",
    "10s",
];

/// How long a stopped Redis may take to make the container unhealthy here: readiness turns
/// 503 within 3 failed runs at a 500 ms interval (a refused connection fails a run at once),
/// then Docker needs 3 failed probes 1 s apart, and the first may come up to 1 s late; a
/// second more for a busy machine (deploy/README.md gives the bound for the image's own
/// settings).
const UNHEALTHY_WITHIN: Duration = Duration::from_secs(8);

/// The API token every server container here is given.
const API_TOKEN: &str = "API_TOKEN=docker-test-token";

/// A locked-down server on `network` with `env` and its API token, Docker's health check
/// every second.
fn server(network: &Network, env: &[&str]) -> Container {
    let mut args: Vec<&str> = LOCKED_DOWN.to_vec();
    args.extend(["--network", &network.name]);
    args.extend(HEALTH_EVERY_SECOND);
    // Never the public default: the image listens on 0.0.0.0.
    args.extend(["-e", API_TOKEN]);
    for variable in env {
        args.extend(["-e", variable]);
    }
    args.push(image());
    Container::run("server", &args)
}

#[tokio::test]
async fn runs_locked_down_and_docker_health_follows_a_redis_stop_and_start() {
    let network = Network::create("net");
    let redis = redis(&network);
    let _postgres = postgres(&network);
    let database = format!("DATABASE_URL={POSTGRES_URL}");
    let server = server(
        &network,
        &[
            "REDIS_URL=redis://redis:6379",
            &database,
            "CHECK_INTERVAL_MS=500",
        ],
    );

    // Locked down, as asked.
    assert_eq!(server.inspect("{{.Config.User}}"), "65532:65532");
    assert_eq!(server.inspect("{{.HostConfig.ReadonlyRootfs}}"), "true");
    assert_eq!(server.inspect("{{json .HostConfig.CapDrop}}"), "[\"ALL\"]");
    assert!(
        server
            .inspect("{{json .HostConfig.SecurityOpt}}")
            .contains("no-new-privileges")
    );

    assert_eq!(server.health(), "starting");
    let took = server.wait_health("healthy", Duration::from_secs(60));
    println!("starting -> healthy in {took:?}");
    let probes = server.addr(&network, 9090);
    let app = server.addr(&network, 3000);
    assert_eq!(fetch(probes, "/healthz").await.status, StatusCode::OK);
    assert_eq!(fetch(app, "/readyz").await.status, StatusCode::OK);
    assert_eq!(fetch(app, "/").await.status, StatusCode::OK);

    // Redis stopped: unhealthy within the bound, liveness 200 all along.
    redis.stop();
    let stopped = Instant::now();
    while server.health() != "unhealthy" {
        assert_eq!(
            fetch(probes, "/healthz").await.status,
            StatusCode::OK,
            "liveness failed for a stopped Redis"
        );
        assert!(
            stopped.elapsed() < UNHEALTHY_WITHIN,
            "not unhealthy {UNHEALTHY_WITHIN:?} after Redis stopped: {}",
            server.inspect("{{json .State.Health.Log}}")
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    println!("redis stopped -> unhealthy in {:?}", stopped.elapsed());
    let log = server.inspect("{{json .State.Health.Log}}");
    assert!(
        log.contains("answered 503: redis down"),
        "the health log names the failed component: {log}"
    );
    assert_eq!(fetch(probes, "/healthz").await.status, StatusCode::OK);

    // Redis back: healthy again, the same container, never restarted.
    let started_at = server.inspect("{{.State.StartedAt}}");
    redis.start();
    let took = server.wait_health("healthy", Duration::from_secs(30));
    println!("redis started -> healthy in {took:?}");
    assert_eq!(server.inspect("{{.RestartCount}}"), "0");
    assert_eq!(server.inspect("{{.State.StartedAt}}"), started_at);
}

#[tokio::test]
async fn docker_stop_drains_with_no_failed_request() {
    const DELAY: Duration = Duration::from_secs(3);
    let network = Network::create("net");
    let server = server(&network, &["SHUTDOWN_DELAY_MS=3000"]);
    server.wait_health("healthy", Duration::from_secs(60));
    let app = server.addr(&network, 3000);
    let probes = server.addr(&network, 9090);
    const AUTH: &[(&str, &str)] = &[("authorization", "Bearer docker-test-token")];
    let load = Load::start(app, 4, "/api/items", AUTH);
    tokio::time::sleep(Duration::from_millis(300)).await;

    let name = server.name.clone();
    let signalled = Instant::now();
    let stop = std::thread::spawn(move || {
        docker(&["stop", "-t", "30", &name]);
        Instant::now()
    });
    let ready = wait_for_status(probes, "/readyz", StatusCode::SERVICE_UNAVAILABLE).await;
    let turned = signalled.elapsed();
    assert_eq!(ready.json()["reason"], "shutting down");
    assert!(
        turned < Duration::from_secs(1),
        "readiness 503 after {turned:?}"
    );
    // Requests go on being served through the drain delay (a load balancer stops sending
    // once it sees readiness fail); the load stops halfway.
    tokio::time::sleep_until((signalled + DELAY / 2).into()).await;
    let served = load.finish().await;
    assert!(served > 0, "the load sent nothing");
    let stopped = stop.join().expect("docker stop").duration_since(signalled);
    println!(
        "docker stop: readiness 503 after {turned:?}, {served} requests served, none failed, \
         exited after {stopped:?}"
    );
    assert_eq!(
        server.inspect("{{.State.ExitCode}}"),
        "0",
        "{}",
        server.logs()
    );
    assert!(
        stopped >= DELAY,
        "stopped before its drain delay: {stopped:?}"
    );
    assert!(
        stopped < Duration::from_secs(30),
        "killed at the grace period: {stopped:?}"
    );
    assert!(server.logs().contains("stopped"), "{}", server.logs());
}

/// `docker compose` (v2) when the engine has it, else `docker-compose` (v1).
fn compose() -> Command {
    let v2 = docker_output(&["compose", "version"]);
    if v2.status.success() {
        let mut command = Command::new("docker");
        command.arg("compose");
        command
    } else {
        Command::new("docker-compose")
    }
}

/// A compose project of the test's own, taken down (volumes too) on drop.
struct Project {
    name: String,
}

impl Project {
    fn command(&self, args: &[&str]) -> Command {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut command = compose();
        command
            .current_dir(root)
            .args(["-p", &self.name, "-f", "deploy/compose.yaml"])
            .args(args)
            .env("SERVER_PORT", "0")
            .env("PROBE_PORT", "0");
        command
    }

    fn run(&self, args: &[&str]) -> String {
        let output = self.command(args).output().expect("run compose");
        assert!(
            output.status.success(),
            "compose {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).trim().to_owned()
    }
}

impl Drop for Project {
    fn drop(&mut self) {
        let _ = self.command(&["down", "-v", "--remove-orphans"]).output();
    }
}

#[tokio::test]
async fn compose_brings_the_demo_stack_up_to_healthy() {
    image();
    let project = Project {
        name: unique("compose").replace('-', ""),
    };
    let started = Instant::now();
    project.run(&["up", "-d", "--no-build"]);
    let ids = project.run(&["ps", "-q"]);
    let containers: Vec<&str> = ids.lines().collect();
    assert_eq!(containers.len(), 3, "server, redis, postgres: {ids}");
    for id in &containers {
        loop {
            let health = docker(&["inspect", "--format", "{{.State.Health.Status}}", id]);
            if health == "healthy" {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(90),
                "{id} still {health}: {}",
                docker(&["inspect", "--format", "{{json .State.Health.Log}}", id])
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
    println!("compose up -> all healthy in {:?}", started.elapsed());
    let port = project.run(&["port", "server", "9090"]);
    let probes: SocketAddr = port.parse().expect("the probe port");
    let ready = fetch(probes, "/health").await;
    assert_eq!(ready.status, StatusCode::OK, "{}", ready.text());
    let body = ready.json();
    assert_eq!(body["checks"]["database"]["status"], "ok", "{body}");
    assert_eq!(body["checks"]["redis"]["status"], "ok", "{body}");
}
