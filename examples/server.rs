//! The reference server: an axum app behind `HealthLayer`, configured from the environment.
//!
//! ```text
//! cargo run --example server
//! curl -i localhost:3000/readyz
//! curl -i -H 'Authorization: Bearer dev-token' localhost:3000/api/items
//! curl localhost:3000/metrics     # Prometheus text format, public like the health paths
//!
//! # Probes on a port of their own, while the app's two workers do CPU work:
//! PROBE_ADDR=127.0.0.1:9090 TOKIO_WORKER_THREADS=2 cargo run --example server
//! for i in 1 2 3; do curl -s -H 'Authorization: Bearer dev-token' 'localhost:3000/api/work?ms=5000' & done
//! curl -i localhost:9090/healthz  # answered at once, from the probe thread
//! curl -i localhost:3000/healthz  # waits behind the work
//!
//! # Busy is not wedged: blocking both workers fails liveness on the probe port after 2 s.
//! PROBE_ADDR=127.0.0.1:9090 TOKIO_WORKER_THREADS=2 STALL_AFTER_MS=2000 cargo run --example server
//! for i in 1 2; do curl -s -H 'Authorization: Bearer dev-token' 'localhost:3000/api/block?ms=5000' & done
//! curl -i localhost:9090/healthz  # 503 after 2 s: the runtime stalled; 200 once the block ends
//!
//! # Its own traffic as a component: 80% failures take it out of readiness, then it recovers.
//! TRAFFIC=on TRAFFIC_WINDOW_MS=12000 TRAFFIC_PROBES=readiness HEALTH_DETAILS_TOKEN=ops cargo run --example server
//! for i in $(seq 40); do curl -s -H 'Authorization: Bearer dev-token' 'localhost:3000/api/flaky?fail=0.8'; done
//! sleep 1; curl -s -H 'x-health-token: ops' 'localhost:3000/readyz?verbose'  # [-]traffic failed: 40 requests in 12s, …
//! ```
//!
//! | variable | default | meaning |
//! |---|---|---|
//! | `LISTEN_ADDR` | `127.0.0.1:3000` | address to listen on (`:0` picks a free port) |
//! | `PROBE_ADDR` | unset | also serve the probes and `/metrics` on this address, from a thread with a runtime of its own (`:0` picks a free port); unset: on the app port only |
//! | `STALL_AFTER_MS` | `10000` | with `PROBE_ADDR`: the runtime watchdog fails liveness (component `runtime`) after this long without a heartbeat (at least 500) |
//! | `OVERLOAD_AFTER_MS` | unset | with `PROBE_ADDR`: the watchdog fails readiness (component `overload`) while heartbeats run this late (at least 20, under `STALL_AFTER_MS`); unset: off |
//! | `API_TOKEN` | `dev-token` | bearer token for `/api/*` and `/admin/*`, compared in constant time; left at the public default on an address other than loopback, the server says so at start, in a frame on stderr and in the log |
//! | `STARTUP_DELAY_MS` | `0` | simulated warm-up, a start-up task holding the start-up gate `warm-up` this long |
//! | `DATABASE_URL` | unset | adds a critical `database` check; the scheme picks the driver: `postgres://` (or `postgresql://`), `mysql://` or `mariadb://`, `sqlite://` (e.g. `sqlite://data.db?mode=rwc`) |
//! | `REDIS_URL` | unset | Redis URL; adds a critical `redis` check |
//! | `AMQP_URL` | unset | RabbitMQ URL (`amqp://user:password@host:5672/%2f`); adds a critical `rabbitmq` check on the server's connection, which a task of its own keeps live (reconnecting while the broker is away) |
//! | `NATS_URL` | unset | NATS URL (`nats://user:password@host:4222`); adds a critical `nats` check on the server's client, which connects in the background and reconnects by itself |
//! | `UPSTREAM_GRPC_URL` | unset | a downstream gRPC server (`http://host:port`); adds a critical `upstream` check asking its standard health service |
//! | `TLS_CHECK` | unset | `host:port` of a TLS endpoint; adds a non-critical `certificate` check on the certificate it presents: `degraded` within `TLS_WARN_DAYS` of expiry, down once expired or when the handshake fails |
//! | `TLS_WARN_DAYS` | `14` | with `TLS_CHECK`: the warning window before expiry, in days |
//! | `TLS_CA` | unset | with `TLS_CHECK`: a PEM root to verify the chain and the name against (a failure there is down); unset: the dates only |
//! | `DISK_MIN_FREE_MB` | unset | adds a non-critical `disk` check: the working directory's filesystem has at least this many MiB available |
//! | `JOBS_TTL_MS` | unset | starts a background job loop beating a critical `jobs` heartbeat with this TTL (a beat every quarter of it); `POST /admin/jobs/stop` and `/admin/jobs/start` stop and restart the loop |
//! | `CHECK_INTERVAL_MS` | `5000` | how often each check runs |
//! | `CHECK_TIMEOUT_MS` | `2000` | how long a check may take before it counts as failed |
//! | `SHUTDOWN_DELAY_MS` | `5000` | on SIGTERM/Ctrl-C: how long to keep serving with readiness 503 before stopping |
//! | `HEALTH_DETAILS_TOKEN` | unset | requests with `x-health-token: <it>` see error details in health bodies (compared in constant time; a token with leading or trailing whitespace or a control character stops start-up) |
//! | `HEALTH_DETAILS_LOOPBACK` | `off` | `on`: requests from this host (a loopback peer: `kubectl exec … curl localhost:…`) see error details too, on the app port and on `PROBE_ADDR`; behind a proxy or sidecar on the same host every request is local, so leave it off there |
//! | `HEALTH_GROUPS` | unset | probes of your own: `name=/path:member,member;…`, e.g. `lb=/lbz:database;deep=/deep:database,redis`; `redis?` is an optional member (ignored where that check is not configured, said in `?verbose`), `@lb` counts the members of the group `lb` too, e.g. `lb=/lbz:database,redis?;deep=/deep:@lb,upstream?` |
//! | `REPORT_ONLY_CHECKS` | unset | checks shown and reported but never failing a probe, comma-separated (e.g. `redis`) |
//! | `SHARED_CHECKS` | unset | checks of a dependency every replica shares, comma-separated (e.g. `database,redis`): with `PEERS`, an outage the peers see too holds readiness (degraded) |
//! | `PEERS` | unset | the other replicas, asked about a failing shared check: `host:port` or a comma-separated list (each name resolved anew each time, e.g. a headless Service; itself included is fine, it skips itself); unset: shared checks fail readiness alone |
//! | `TRAFFIC` | `off` | `on`: observe its own forwarded requests as a `traffic` component, report-only unless `TRAFFIC_PROBES` says otherwise; unset with `PROBE_ADDR`: observed report-only with the defaults, for the watchdog (`off` stops that) |
//! | `TRAFFIC_WINDOW_MS` | `60000` | with `TRAFFIC=on`: the sliding window judged (at least 1000) |
//! | `TRAFFIC_MIN_REQUESTS` | `20` | with `TRAFFIC=on`: fewer requests in the window are never a failure (at least 1) |
//! | `TRAFFIC_FAILURE_RATIO` | `0.5` | with `TRAFFIC=on`: `traffic` is down at this share of failed requests (5xx), more than 0 and at most 1 |
//! | `TRAFFIC_P99_BUDGET_MS` | unset | with `TRAFFIC=on`: `traffic` is degraded while p99 latency passes this (at least 1); unset: no budget |
//! | `TRAFFIC_PROBES` | unset | with `TRAFFIC=on`: the probes `traffic` counts for, comma-separated (`readiness`, `startup`, `combined`; `liveness` is refused); unset: report-only |
//! | `AGENT_ADDR` | unset | with `PROBE_ADDR`: also answer HAProxy's agent check on this address, from the probe thread (`drain` from SIGTERM, `maint`, `down` while readiness fails, else `up ready W%`); printed as `agent check listening on …` |
//! | `AGENT_CAPACITY` | unset | with `AGENT_ADDR` and traffic observed: in-flight requests at which the agent's weight reaches 0 % (at least 1); unset: in-flight requests do not weigh |
//!
//! The probes are answered on the app port in any case, by the layer in front of the app;
//! with `PROBE_ADDR` set, on that address too, with the runtime watchdog: a heartbeat on the
//! app's runtime judged from the probe thread tells a wedged runtime (liveness fails) from a
//! busy one (it does not; readiness fails as `overload` if `OVERLOAD_AFTER_MS` is set).
//!
//! With `TRAFFIC=on`, `SHARED_CHECKS` may name `traffic` (a downstream every replica shares);
//! while it is not on, `traffic` there and each tuning variable set are noted and ignored
//! (still checked: a malformed one stops start-up). `REPORT_ONLY_CHECKS=traffic` is refused:
//! `TRAFFIC_PROBES` says what it counts for. Its figures show where details are revealed.
//! The watchdog counts completed requests as progress when traffic is observed, hence the
//! default with `PROBE_ADDR`: a queue of CPU-bound requests longer than `STALL_AFTER_MS` never
//! fails liveness, a blocked runtime still does; `TRAFFIC=off` leaves it the heartbeat alone.
//!
//! A check in `SHARED_CHECKS` that fails asks up to 3 of the `PEERS` for their own answer,
//! `GET /readyz/<check>` on the port in each address (their probe port when they have
//! `PROBE_ADDR`), within 500 ms. Most of those that answer see it down too: the outage is
//! fleet-wide and readiness holds, `degraded` with `"reason": "redis down across the fleet
//! (2/2 peers)"`, so the Service keeps its endpoints. They see it up: this replica alone is
//! cut off and readiness fails. None answers: it fails, as without peers. Liveness never.
//!
//! | route | token | what it does |
//! |---|---|---|
//! | `GET /healthz`, `/readyz`, `/startupz`, `/health` | no | the probes |
//! | `GET /metrics` | no | Prometheus text format |
//! | `GET /api/items` | yes | a small JSON list |
//! | `GET /api/slow?ms=N` | yes | answers after N ms (default 1000, at most 10000) without blocking: to watch a drain finish it |
//! | `GET /api/flaky?fail=F` | yes | `500` with probability F (a number from 0 to 1, required), `200` otherwise: to watch `traffic` fail and recover |
//! | `GET /api/work?ms=N` | yes | N ms of CPU work on its runtime worker, never yielding: a stand-in for CPU-heavy handlers |
//! | `GET /api/block?ms=N` | yes | blocks its runtime worker N ms with a synchronous sleep: the bug of blocking calls in async code |
//! | `POST /admin/unready`, `/admin/ready` | yes | hold readiness out, bring it back |
//! | `PUT /admin/tenants/<name>?addr=host:port` | yes | adds a critical TCP check `tenant-<name>` while running (`201`; `409` when the tenant is there; `400` for a name that is not 1 to 63 lowercase letters, digits or dashes, or an address that is not `host:port`) |
//! | `DELETE /admin/tenants/<name>` | yes | removes it (`204`; `404` for no such tenant) |
//! | `POST /admin/checks/<name>/demote?reason=…&minutes=N` | yes | demotes the check or component to report-only: it fails no probe, every view says so (`[+]redis demoted by operator until 03:40Z: …`); with `minutes` (1 to 10080) its deadline restores it (`200` with that line; `404` for no such check; `400` for a reason missing, blank, over 256 bytes, not UTF-8 or with a control character, or other minutes) |
//! | `POST /admin/checks/<name>/restore` | yes | restores it now (`204`; `404` for no such check; `409` when it is not demoted) |
//! | `POST /admin/jobs/stop`, `/admin/jobs/start` | yes | stop the job loop (`jobs` goes down after its TTL), start it again (`204`; `409` when already so; `404` without `JOBS_TTL_MS`) |
//!
//! The `ms` of `/api/work` and `/api/block` is required, a whole number from 0 to 60000, and
//! the `fail` of `/api/flaky` a number from 0 to 1; anything else is answered `400` with the
//! reason.
//!
//! A dependency that is unreachable or refuses the credentials is a failing check (logged);
//! a URL or an address that cannot be parsed at all, a malformed group, a group path that
//! another probe has, a required member that is not a check here, or groups nesting each
//! other in a cycle stops start-up (exit 2). An address that cannot be bound (`LISTEN_ADDR`
//! or `PROBE_ADDR`: in use, not local) stops it too, as serving that fails (exit 1), and so
//! do watchdog thresholds the probe server refuses (exit 1, with the reason).

mod common;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{ConnectInfo, Query};
use axum::response::IntoResponse;
use axum::routing::{get, post, put};
use axum::{Extension, Json, Router, ServiceExt};
use common::dependencies::Dependencies;
use common::jobs::Jobs;
use common::{CheckMark, PeerList};
use http::{Request, Response, StatusCode, header};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use tower::ServiceBuilder;
use tower_health::fleet::Peers;
use tower_health::lint::{Deployment, ProbeSettings};
use tower_health::probe_server::{AgentCheck, ProbeServerHandle};
use tower_health::{
    Details, Group, Health, HealthLayer, NamedCheck, ProbeServer, Traffic, Watchdog,
};
use tower_http::validate_request::ValidateRequestHeaderLayer;

struct Config {
    listen_addr: SocketAddr,
    probe_addr: Option<SocketAddr>,
    watchdog: Watchdog,
    api_token: String,
    startup_delay: Duration,
    /// `DATABASE_URL`, `REDIS_URL`, `UPSTREAM_GRPC_URL`, `TLS_CHECK`, … : a check each.
    dependencies: Dependencies,
    check_interval: Duration,
    check_timeout: Duration,
    shutdown_delay: Duration,
    /// `HEALTH_DETAILS_TOKEN`, `HEALTH_DETAILS_LOOPBACK`: who sees error details.
    details: Details,
    groups: Vec<Group>,
    /// `REPORT_ONLY_CHECKS`, `SHARED_CHECKS`.
    marks: [CheckMark; 2],
    peers: Option<PeerList>,
    /// `TRAFFIC` and its tuning; observed for the watchdog too when unset.
    traffic: Option<Traffic>,
    /// `AGENT_ADDR`, `AGENT_CAPACITY`: HAProxy's agent check on the probe thread.
    agent: Option<(SocketAddr, AgentCheck)>,
}

impl Config {
    fn from_env() -> Result<Config, String> {
        println!("tower-health reference server, configuration:");
        let mut config = Config {
            listen_addr: common::env_or("LISTEN_ADDR", SocketAddr::from(([127, 0, 0, 1], 3000)))?,
            probe_addr: common::optional_env("PROBE_ADDR", "unset: probes on the app port only")?,
            watchdog: common::watchdog_from_env()?,
            api_token: common::secret_or("API_TOKEN", common::secrets::DEFAULT_API_TOKEN),
            startup_delay: Duration::from_millis(common::env_or("STARTUP_DELAY_MS", 0u64)?),
            dependencies: Dependencies::from_env()?,
            check_interval: Duration::from_millis(common::env_or("CHECK_INTERVAL_MS", 5000u64)?),
            check_timeout: Duration::from_millis(common::env_or("CHECK_TIMEOUT_MS", 2000u64)?),
            shutdown_delay: Duration::from_millis(common::env_or("SHUTDOWN_DELAY_MS", 5000u64)?),
            details: common::secrets::details_from_env()?,
            groups: common::groups_from_env("HEALTH_GROUPS")?,
            marks: [
                CheckMark::from_env("REPORT_ONLY_CHECKS", NamedCheck::report_only)?,
                CheckMark::from_env("SHARED_CHECKS", NamedCheck::shared)?.traffic(Traffic::shared),
            ],
            peers: common::optional_env("PEERS", "unset: shared checks fail readiness alone")?,
            traffic: None,
            agent: None,
        };
        let watchdog = config.probe_addr.is_some();
        config.traffic = common::traffic::from_env(watchdog, &mut config.marks)?;
        config.agent = common::agent::from_env(watchdog, config.traffic.is_some())?;
        Ok(config)
    }
}

/// Logs to stdout, reads (and prints) its configuration from the environment, serves until
/// SIGTERM/Ctrl-C. Exit code 2 when a setting does not parse or the health configuration
/// is refused, 1 when serving fails (an address that cannot be bound included), 0 after a
/// clean shutdown.
#[tokio::main]
async fn main() -> ExitCode {
    common::log_to_stdout();
    let Ok(config) = Config::from_env().inspect_err(common::print_error) else {
        return ExitCode::from(2);
    };
    // Before the health state first changes, so the metrics carry their descriptions.
    let Ok(metrics) = install_metrics().inspect_err(common::print_error) else {
        return ExitCode::FAILURE;
    };
    let Ok((health, jobs)) = health(&config).await.inspect_err(common::print_error) else {
        return ExitCode::from(2);
    };
    common::exit_code(run(config, health, jobs, metrics).await)
}

/// The health handle: a check per configured dependency (report-only, shared where asked),
/// the traffic observed, the peers, the groups, the details policy; and the job loop when
/// `JOBS_TTL_MS` asks for one.
async fn health(config: &Config) -> Result<(Health, Option<Jobs>), String> {
    let builder = Health::builder()
        .interval(config.check_interval)
        .timeout(config.check_timeout)
        .details(config.details.clone());
    let builder = match &config.traffic {
        Some(rules) => builder.traffic(rules.clone()),
        None => builder,
    };
    // Clients are made lazily: an unreachable dependency is a failing check, not a crash.
    let (builder, jobs) = config
        .dependencies
        .checks(builder, config.check_timeout, &config.marks)
        .await?;
    let builder = match &config.peers {
        Some(PeerList(peers)) => builder.peers(Peers::new(peers.iter().cloned())),
        None => builder,
    };
    let groups = config.groups.iter().cloned();
    let builder = groups.fold(builder, |builder, group| builder.group(group));
    let health = builder
        .try_build()
        .map_err(|error| format!("HEALTH_GROUPS is not valid: {error}"))?;
    Ok((health, jobs))
}

async fn run(
    config: Config,
    health: Health,
    jobs: Option<Jobs>,
    metrics: PrometheusHandle,
) -> Result<(), Box<dyn std::error::Error>> {
    // Warn at start when this configuration does not fit the shipped manifests, and say how
    // long a failing dependency takes to take the pod out of the Service.
    let deployment = kubernetes_manifest()
        .expected_startup(config.startup_delay)
        .drain_delay(config.shutdown_delay);
    health.lint(&deployment);
    for time in health.detection_times(&deployment) {
        tracing::info!("health: {time}");
    }
    health.start_checks();
    if let Some(jobs) = &jobs {
        jobs.start();
    }
    let app = app(health.clone(), jobs, &config.api_token, metrics.clone());

    let listener = tokio::net::TcpListener::bind(config.listen_addr)
        .await
        .map_err(|error| format!("cannot listen on {}: {error}", config.listen_addr))?;
    // Kept to the end: the probe port answers through the drain, until the process exits.
    let probes = match config.probe_addr {
        Some(addr) => Some(probe_server(
            addr,
            &health,
            metrics,
            config.watchdog,
            config.agent,
        )?),
        None => None,
    };
    if let Some(probes) = &probes {
        println!("probes listening on {}", probes.local_addr());
        if let Some(agent) = probes.agent_addr() {
            println!("agent check listening on {agent}");
        }
    }
    common::secrets::warn_of_default_token(&config.api_token, listener.local_addr()?);
    println!("listening on {}", listener.local_addr()?);

    // The simulated warm-up is a start-up task: it holds a gate, and start-up completes once
    // it is released and the server has marked itself started.
    let warm_up = health.startup_gate("warm-up");
    let mut changes = health.subscribe();
    tokio::spawn(warm_up.release_after(tokio::time::sleep(config.startup_delay)));
    tokio::spawn(async move {
        let started = changes.wait_for(|snapshot| snapshot.is_started()).await;
        if started.is_ok() {
            tracing::info!("started");
        }
    });
    health.mark_started();

    // On SIGTERM/Ctrl-C: readiness 503 at once, keep serving for the delay, then stop
    // accepting and finish in-flight requests. Each request carries its client's address
    // (`ConnectInfo`), for `HEALTH_DETAILS_LOOPBACK`.
    axum::serve(
        listener,
        ServiceExt::<Request<Body>>::into_make_service_with_connect_info::<SocketAddr>(app),
    )
    .with_graceful_shutdown(health.shutdown_signal(config.shutdown_delay))
    .await?;
    if let Some(probes) = probes {
        probes.shutdown();
    }
    println!("stopped");
    Ok(())
}

/// The same probes on `addr` too, served from a thread with a single-threaded runtime of its
/// own, so they never queue behind the app's work; `/metrics` there as well.
fn probe_server(
    addr: SocketAddr,
    health: &Health,
    metrics: PrometheusHandle,
    watchdog: Watchdog,
    agent: Option<(SocketAddr, AgentCheck)>,
) -> Result<ProbeServerHandle, String> {
    let rest = Router::new().route(
        "/metrics",
        get(move || std::future::ready(render_metrics(&metrics))),
    );
    // Spawned from within the app's runtime, which the watchdog's heartbeat runs on.
    let builder = ProbeServer::bind(addr, health.clone())
        .fallback(rest)
        .watchdog(watchdog);
    let builder = match agent {
        Some((agent_addr, agent)) => builder.agent(agent_addr, agent),
        None => builder,
    };
    builder
        .spawn()
        .map_err(|error| format!("cannot serve the probes on {addr}: {error}"))
}

/// Install the Prometheus recorder the health metrics go to; `GET /metrics` renders it.
fn install_metrics() -> Result<PrometheusHandle, Box<dyn std::error::Error>> {
    let handle = PrometheusBuilder::new()
        // A real histogram (cumulative buckets, monotonic `_count`) rather than a summary.
        .set_buckets_for_metric(
            Matcher::Full("health_check_duration_seconds".into()),
            &[
                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
            ],
        )?
        .install_recorder()?;
    // Scrapes drain the recorded samples too; upkeep bounds memory when nobody scrapes.
    let upkeep = handle.clone();
    tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(5));
        loop {
            every.tick().await;
            upkeep.run_upkeep();
        }
    });
    Ok(handle)
}

/// The probe and termination settings of `deploy/kubernetes/base/deployment.yaml` (whose
/// probes go to `PROBE_ADDR`, the container port named `probes`).
fn kubernetes_manifest() -> Deployment {
    Deployment::new()
        .startup(ProbeSettings::seconds(2, 3, 30))
        .liveness(ProbeSettings::seconds(10, 3, 3))
        .readiness(ProbeSettings::seconds(5, 3, 2))
        .termination_grace_period(Duration::from_secs(30))
}

/// The inner app: public `/` and `/metrics`, token-guarded `/api` and `/admin`; the health
/// layer outermost, around the whole router, so it answers before routing (and costs a
/// forwarded request less than `Router::layer`, which wraps each route on its own).
fn app(
    health: Health,
    jobs: Option<Jobs>,
    api_token: &str,
    metrics: PrometheusHandle,
) -> impl tower::Service<Request<Body>, Response = Response<Body>, Error = Infallible, Future: Send>
+ Clone
+ Send
+ 'static {
    let protected = Router::new()
        .route("/api/items", get(items))
        .route("/api/slow", get(slow))
        .route("/api/flaky", get(common::flaky::flaky))
        .route("/api/work", get(common::load::work))
        .route("/api/block", get(common::load::block))
        .route("/admin/unready", post(unready))
        .route("/admin/ready", post(ready))
        .route("/admin/jobs/stop", post(common::jobs::stop))
        .route("/admin/jobs/start", post(common::jobs::start))
        .route(
            "/admin/tenants/{name}",
            put(common::tenants::put).delete(common::tenants::delete),
        )
        .route(
            "/admin/checks/{name}/demote",
            post(common::demotion::demote),
        )
        .route(
            "/admin/checks/{name}/restore",
            post(common::demotion::restore),
        )
        .route_layer(ValidateRequestHeaderLayer::custom(common::secrets::bearer(
            api_token,
        )))
        .layer(Extension(jobs));
    let router = Router::new()
        .route("/", get(|| async { "tower-health reference server\n" }))
        // Reads what the recorder holds: a scrape never runs a check.
        .route(
            "/metrics",
            get(move || std::future::ready(render_metrics(&metrics))),
        )
        .merge(protected);
    ServiceBuilder::new()
        .map_response(IntoResponse::into_response)
        .layer(
            HealthLayer::new(health)
                .handle_in_extensions(true)
                .peer_addr_from(|extensions| {
                    (extensions.get::<ConnectInfo<SocketAddr>>()).map(|info| info.0)
                }),
        )
        .service(router)
}

/// The Prometheus text exposition of everything recorded.
fn render_metrics(metrics: &PrometheusHandle) -> ([(header::HeaderName, &'static str); 1], String) {
    let content_type = "text/plain; version=0.0.4; charset=utf-8";
    ([(header::CONTENT_TYPE, content_type)], metrics.render())
}

async fn items() -> Json<serde_json::Value> {
    Json(serde_json::json!([{"id": 1, "name": "first"}, {"id": 2, "name": "second"}]))
}

#[derive(serde::Deserialize)]
struct Slow {
    ms: Option<u64>,
}

/// A slow request (`?ms=N`, at most 10 s), to watch a graceful shutdown finish it.
async fn slow(Query(slow): Query<Slow>) -> String {
    let ms = slow.ms.unwrap_or(1000).min(10_000);
    tokio::time::sleep(Duration::from_millis(ms)).await;
    format!("slept {ms} ms\n")
}

async fn unready(Extension(health): Extension<Health>) -> StatusCode {
    health.mark_refusing_traffic("held out by /admin/unready");
    StatusCode::NO_CONTENT
}

async fn ready(Extension(health): Extension<Health>) -> StatusCode {
    health.mark_accepting_traffic();
    StatusCode::NO_CONTENT
}
