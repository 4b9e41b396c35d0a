//! [`ProbeServer::bind`] and the [`ProbeServerBuilder`] options (`spawn` is in `server`).

use std::net::SocketAddr;
use std::time::Duration;

use super::agent::AgentCheck;
use super::not_found::NotFound;
use super::watchdog::Watchdog;
use crate::health::Health;
use crate::layer::HealthLayer;

/// The health probes on an address of their own, served from a dedicated thread: an admin
/// port for the probes, or the only HTTP surface of a service without one.
///
/// [`bind`](ProbeServer::bind) it, set the options on the [`ProbeServerBuilder`], then
/// [`spawn`](ProbeServerBuilder::spawn) it; the module documentation has the whole story.
#[derive(Debug)]
pub struct ProbeServer {
    _private: (),
}

impl ProbeServer {
    /// A probe server for `health` on `addr` (nothing is bound until
    /// [`spawn`](ProbeServerBuilder::spawn)): every probe on its default path, `404` for
    /// any other path, at most 256 open connections, a 2 s header-read timeout.
    ///
    /// ```
    /// use tower_health::{Health, ProbeServer};
    ///
    /// let builder = ProbeServer::bind(([0, 0, 0, 0], 9090), Health::default());
    /// ```
    pub fn bind(addr: impl Into<SocketAddr>, health: Health) -> ProbeServerBuilder {
        ProbeServerBuilder {
            addr: addr.into(),
            layer: HealthLayer::new(health.clone()).record_traffic(false),
            health,
            fallback: NotFound,
            max_connections: 256,
            header_read_timeout: Duration::from_secs(2),
            watchdog: None,
            agent: None,
        }
    }
}

/// The options of a [`ProbeServer`]; [`spawn`](ProbeServerBuilder::spawn) binds and starts
/// it. `S` answers the paths that are not health paths ([`NotFound`] unless
/// [`fallback`](ProbeServerBuilder::fallback) is given).
#[derive(Debug, Clone)]
#[must_use]
pub struct ProbeServerBuilder<S = NotFound> {
    pub(super) addr: SocketAddr,
    pub(super) layer: HealthLayer,
    /// The handle given to `bind`, which the watchdog marks.
    pub(super) health: Health,
    pub(super) fallback: S,
    pub(super) max_connections: usize,
    pub(super) header_read_timeout: Duration,
    pub(super) watchdog: Option<Watchdog>,
    pub(super) agent: Option<(SocketAddr, AgentCheck)>,
}

impl<S> ProbeServerBuilder<S> {
    /// Answer the paths that are not health paths with `service` instead of `404`: a
    /// `/metrics` handler, say. It runs on the probe thread's single-threaded runtime, so it
    /// should not block.
    ///
    /// ```
    /// use axum::{Router, routing::get};
    /// use tower_health::{Health, ProbeServer};
    ///
    /// let metrics: Router = Router::new().route("/metrics", get(|| async { "up 1\n" }));
    /// let builder = ProbeServer::bind(([0, 0, 0, 0], 9090), Health::default()).fallback(metrics);
    /// ```
    pub fn fallback<T>(self, service: T) -> ProbeServerBuilder<T> {
        ProbeServerBuilder {
            addr: self.addr,
            layer: self.layer,
            health: self.health,
            fallback: service,
            max_connections: self.max_connections,
            header_read_timeout: self.header_read_timeout,
            watchdog: self.watchdog,
            agent: self.agent,
        }
    }

    /// Answer with `layer` (its own paths, disabled probes, handle in extensions) instead of
    /// a default [`HealthLayer`] over the handle given to [`ProbeServer::bind`]. It records
    /// no [traffic](HealthLayer::record_traffic): the fallback's answers are not the
    /// service's.
    ///
    /// ```
    /// use tower_health::{Health, HealthLayer, ProbeServer, Probe};
    ///
    /// let health = Health::default();
    /// let layer = HealthLayer::new(health.clone()).path(Probe::Liveness, "/livez");
    /// let builder = ProbeServer::bind(([0, 0, 0, 0], 9090), health).health_layer(layer);
    /// ```
    pub fn health_layer(mut self, layer: HealthLayer) -> Self {
        // Probes and the fallback's answers are no traffic of the service.
        self.layer = layer.record_traffic(false);
        self
    }

    /// At most `max` open connections (default 256, at least 1), and as many on the
    /// [agent check](ProbeServerBuilder::agent)'s address. A new connection at the bound
    /// closes the oldest open one, so a flood of idle connections never keeps a new probe
    /// out; the closed connection's client sees it closed.
    ///
    /// ```
    /// use tower_health::{Health, ProbeServer};
    ///
    /// let builder = ProbeServer::bind(([0, 0, 0, 0], 9090), Health::default()).max_connections(64);
    /// ```
    pub fn max_connections(mut self, max: usize) -> Self {
        self.max_connections = max;
        self
    }

    /// How long a client may take to send a request's headers (default 2 s), counted from
    /// the connection's start or the previous answer: a connection that sends nothing, or
    /// trickles its headers, is closed then.
    ///
    /// ```
    /// use std::time::Duration;
    /// use tower_health::{Health, ProbeServer};
    ///
    /// let builder = ProbeServer::bind(([0, 0, 0, 0], 9090), Health::default())
    ///     .header_read_timeout(Duration::from_secs(1));
    /// ```
    pub fn header_read_timeout(mut self, timeout: Duration) -> Self {
        self.header_read_timeout = timeout;
        self
    }

    /// Watch the application's runtime: liveness fails when it stalls, readiness (if asked)
    /// when it is overloaded. See [`Watchdog`] for what it can and cannot see. `spawn` then
    /// needs the application's runtime (it is called from within it, or
    /// [`Watchdog::runtime`] names it).
    ///
    /// ```
    /// use std::time::Duration;
    /// use tower_health::{Health, ProbeServer, Watchdog};
    ///
    /// let watchdog = Watchdog::new().stall_after(Duration::from_secs(5));
    /// let builder = ProbeServer::bind(([0, 0, 0, 0], 9090), Health::default()).watchdog(watchdog);
    /// ```
    pub fn watchdog(mut self, watchdog: Watchdog) -> Self {
        self.watchdog = Some(watchdog);
        self
    }

    /// Answer HAProxy's agent check on `addr` too: one line per connection saying whether
    /// the replica drains, is in maintenance, is down, or is up with a weight (see
    /// [`AgentCheck`]). `spawn` binds it beside the probe address (an error starts
    /// nothing) and the probe thread serves it, so it answers while the application's
    /// runtime is wedged; [`ProbeServerHandle::agent_addr`](super::ProbeServerHandle::agent_addr)
    /// tells the port chosen for port 0.
    ///
    /// ```
    /// use tower_health::{AgentCheck, Health, ProbeServer, Traffic};
    ///
    /// let health = Health::builder().traffic(Traffic::new()).build();
    /// let builder = ProbeServer::bind(([0, 0, 0, 0], 9090), health)
    ///     .agent(([0, 0, 0, 0], 9091), AgentCheck::new().capacity(256));
    /// ```
    pub fn agent(mut self, addr: impl Into<SocketAddr>, agent: AgentCheck) -> Self {
        self.agent = Some((addr.into(), agent));
        self
    }
}
