//! Helpers for the black-box tests: real servers on 127.0.0.1, real clients, real
//! dependencies. One concept per file; a test crate takes what it needs with
//! `use common::<file>::{..}`.
#![allow(dead_code, unreachable_pub)]

use std::time::Duration;

/// The agent check's client side, and an app holding requests in flight on demand.
pub mod agent;
/// The bad-input battery, run against any server with the layer in front.
pub mod bad_input;
/// RabbitMQ and NATS servers of the test's own, stopped and started again on their ports.
pub mod brokers;
/// HTTP client side: `send` (and `try_send`), `fetch`, `raw`, `wait_for_status` (and
/// `wait_for_status_within`) and the `Reply` they read.
pub mod client;
/// PostgreSQL and Redis for the tests, a cuttable TCP proxy, a blackhole listener.
pub mod deps;
/// Error details revealed or not, asked from loopback and from outside.
pub mod details;
/// The Docker engine through its CLI: the image, containers and networks removed on drop.
pub mod docker;
/// The graceful-drain scenario every example program goes through.
pub mod drain;
/// Example programs started as processes (`target/<profile>/examples/<name>`).
pub mod examples;
/// Replicas with a shared check, asking each other as peers.
pub mod fleet;
/// gRPC health client side (the crate's own client): `Check`, `Watch`, `List`.
pub mod grpc;
/// A real HAProxy as a child process, its admin socket's `show stat` by column.
pub mod haproxy;
/// Closure checks switched on and off, waiting for first results.
pub mod health;
/// This machine's address on a network interface: a peer that is not loopback.
pub mod interface;
/// Requests looping on a path from several clients: load on a server.
pub mod load;
/// What the crate logs, captured as text from a real `tracing` subscriber.
pub mod logs;
/// Peers that are no tower-health replica: hanging, garbage, bare statuses, redirects.
pub mod peers;
/// A strict parser for the Prometheus text exposition format.
pub mod prometheus;
/// Servers on 127.0.0.1:0 with the layer in front: axum, plain hyper, tonic.
pub mod serve;
/// Scratch directories, removed on drop.
pub mod temp;
/// Certificates made by `openssl` (a test root, leaves with chosen dates), served by
/// `openssl s_server`.
pub mod tls;
/// An app whose failures and latency the test switches, and load that counts statuses.
pub mod traffic;

/// Generous bound proving "does not hang", never a performance claim.
pub const NO_HANG: Duration = Duration::from_secs(10);
