//! The health probes on an address of their own, served from a dedicated thread (feature
//! `probe-server`; cargo features take dashes where module names take underscores).
//!
//! [`ProbeServer::bind`] an address with a [`Health`](crate::health::Health) handle, then
//! [`spawn`](ProbeServerBuilder::spawn): the address is bound in the caller's thread (an
//! error is returned, never a panic), and a thread named `tower-health-probes` serves it
//! with a single-threaded tokio runtime of its own, so probes never queue behind the
//! application's work. Every answer is the [`HealthLayer`](crate::layer::HealthLayer)'s
//! own, from the same handle: every probe, group, view, format and details policy. Any
//! other path gets `404`, or the [fallback](ProbeServerBuilder::fallback) service (a
//! `/metrics` handler, say). A service without an HTTP server of its own (a queue
//! consumer, a batch worker) uses it as its only HTTP surface.
//!
//! It is hardened like an admin port:
//!
//! - HTTP/1.1 only, keep-alive on, read and write buffers bounded at 16 KiB (an 8 KiB
//!   query string still fits).
//! - A header-read timeout (2 s by default): a connection that sends nothing, or trickles
//!   its headers byte by byte, is closed then.
//! - A bound on open connections (256 by default): a new connection at the bound closes
//!   the oldest open one, so a flood of idle connections never keeps a new probe out.
//!
//! Every request it serves carries its client's address as a
//! [`PeerAddr`](crate::health::PeerAddr) in its extensions, so
//! [`Details::loopback`](crate::Details::loopback) reveals error details to a client on the
//! same host (`kubectl exec … curl localhost:9090/readyz`) and to nobody else, as Linkerd's
//! admin server serves its diagnostics to loopback only. The fallback sees it too.
//!
//! With a [`Watchdog`](ProbeServerBuilder::watchdog), it also watches the application's
//! runtime: a heartbeat task there, judged from the probe thread, fails liveness when the
//! runtime stalls (wedged) but not when it is only busy, and readiness, if asked, when it is
//! overloaded.
//!
//! With an [`AgentCheck`] ([`agent`](ProbeServerBuilder::agent)), it also answers HAProxy's
//! agent check on an address of its own, from the same thread: one line per connection,
//! `drain` while draining, `maint` in maintenance, `down` while readiness fails, otherwise
//! `up ready 75%` with a weight that falls as requests in flight near a capacity, or as the
//! p99 latency passes its budget. HAProxy then drains the replica, takes it out, and
//! spreads the load by the weights, without polling an HTTP path.
//!
//! While the application drains ([`Health::mark_draining`](crate::health::Health::mark_draining))
//! it keeps answering: liveness `200`, readiness `503`. It stops when
//! [`ProbeServerHandle::shutdown`] is called or the handle is dropped, and with the process
//! (the thread does not keep the process alive past `main`).
//!
//! ```
//! use std::io::{Read, Write};
//! use std::net::TcpStream;
//! use tower_health::{Health, ProbeServer};
//!
//! let health = Health::default();
//! let probes = ProbeServer::bind(([127, 0, 0, 1], 0), health.clone()).spawn()?;
//! health.mark_started();
//!
//! let addr = probes.local_addr();
//! let mut stream = TcpStream::connect(addr)?;
//! stream.write_all(b"GET /readyz HTTP/1.1\r\nhost: probes\r\nconnection: close\r\n\r\n")?;
//! let mut answer = String::new();
//! stream.read_to_string(&mut answer)?;
//! assert!(answer.starts_with("HTTP/1.1 200 OK"), "{answer}");
//!
//! probes.shutdown(); // the port is closed when this returns
//! assert!(TcpStream::connect(addr).is_err());
//! # Ok::<(), std::io::Error>(())
//! ```

mod agent;
mod builder;
mod connections;
mod handle;
mod heartbeat;
mod judge;
mod not_found;
mod peer;
mod progress;
mod server;
mod watchdog;

pub use agent::AgentCheck;
pub use builder::{ProbeServer, ProbeServerBuilder};
pub use handle::ProbeServerHandle;
pub use not_found::NotFound;
pub use watchdog::Watchdog;
