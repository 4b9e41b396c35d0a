//! The example programs (`examples/*.rs`), each run as a process and talked to over real
//! HTTP and gRPC: one integration-test crate for all of them, so the tests that drive the
//! examples sit together and apart from the tests of the library itself (`tests/*.rs`).
//!
//! One module per example, named after it; the reference server has one per subject:
//!
//! - `server`: `examples/server.rs`: app, admin routes, start-up delay, configuration, drain;
//! - `server_composition`: its `HEALTH_GROUPS` (optional members, groups in groups) and
//!   `REPORT_ONLY_CHECKS`, with real PostgreSQL and Redis;
//! - `server_dependencies`: the same with real PostgreSQL and Redis going away and back;
//! - `server_checks`: the catalogue's checks through its environment: MariaDB and SQLite
//!   through `DATABASE_URL`, a gRPC upstream draining, a certificate near expiry, disk space,
//!   the job loop's heartbeat stopped and started, settings refused with exit 2;
//! - `server_fleet`: its `SHARED_CHECKS` and `PEERS`: three servers sharing one Redis, each
//!   through a proxy of its own; a lone outage fails readiness, a fleet-wide one holds it;
//! - `server_metrics`: its `GET /metrics`;
//! - `server_runtime`: operated at runtime: a tenant's check added and removed through
//!   `PUT`/`DELETE /admin/tenants/<name>`, bad input refused with `400`;
//! - `server_demotion`: a check demoted and restored at runtime through `POST
//!   /admin/checks/<name>/demote` and `/restore`, with a real Redis stopped; bad input
//!   refused with `400`, an unknown name `404`;
//! - `server_secrets`: its `API_TOKEN` said loudly when left at the public default on an
//!   address other than loopback, `HEALTH_DETAILS_TOKEN` and `HEALTH_DETAILS_LOOPBACK`
//!   through the app port and the probe port, from loopback and from outside;
//! - `server_probes`: its `PROBE_ADDR` (the probe port under CPU load and through the drain)
//!   and the load routes `/api/work` and `/api/block`;
//! - `server_traffic`: its `TRAFFIC` settings and `/api/flaky`: failing traffic fails
//!   readiness where it counts and comes back, report-only it never does;
//! - `server_agent`: HAProxy's agent check (`AGENT_ADDR`, `AGENT_CAPACITY`): the weight
//!   under requests in flight, `drain` from SIGTERM, settings refused with exit 2;
//! - `server_watchdog`: its runtime watchdog (`STALL_AFTER_MS`, `OVERLOAD_AFTER_MS`): a
//!   blocked runtime fails liveness, a busy one does not (a queue of CPU-bound requests
//!   longer than the threshold included, its traffic observed), overload fails readiness;
//! - `tonic`: `examples/tonic.rs`: gRPC health with real dependencies, drain;
//! - `grpc_check`: `examples/tonic.rs` as the downstream of `checks::grpc`: up, killed,
//!   draining, an unknown service name;
//! - `hyper`: `examples/hyper.rs`: probes, drain;
//! - `worker`: `examples/worker.rs`, a queue consumer served by the probe server alone;
//! - `minimal`: `examples/minimal.rs`, the README's first snippet: probes, app, drain.
//!
//! The helpers (starting an example, the drain scenario, clients) are in `tests/common/`.

#[path = "../common/mod.rs"]
mod common;

mod grpc_check;
mod hyper;
mod minimal;
mod server;
mod server_agent;
mod server_checks;
mod server_composition;
mod server_demotion;
mod server_dependencies;
mod server_fleet;
mod server_metrics;
mod server_probes;
mod server_runtime;
mod server_secrets;
mod server_traffic;
mod server_watchdog;
mod tonic;
mod worker;
