//! [`AgentCheck`]: HAProxy's agent-check protocol on an address of the probe server, one
//! line per connection from the handle's snapshot and the live in-flight count.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::watch;

use super::connections::Slot;
use crate::health::Health;
use crate::model::balance::{Load, Standing};

/// How long one connection may take: writing the line, then reading what the peer sends
/// until it closes.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(1);
/// At most this much of what a peer sends is read (HAProxy's `agent-send`, say) before
/// the connection is closed.
const READ_AT_MOST: usize = 4 * 1024;

/// HAProxy's [agent check] on an address of the [`ProbeServer`](super::ProbeServer) (see
/// [`ProbeServerBuilder::agent`](super::ProbeServerBuilder::agent)): on every connection it
/// writes one line and closes, so HAProxy learns the replica's state and the weight to give
/// it. The line comes from the handle's published snapshot and the in-flight count the
/// layer keeps: no I/O, no lock, nothing on the forwarded path.
///
/// | when (first that holds) | line |
/// |---|---|
/// | draining ([`Health::mark_draining`](crate::Health::mark_draining), `SIGTERM` through [`shutdown_signal`](crate::Health::shutdown_signal)) | `drain` |
/// | in maintenance ([`Health::mark_in_maintenance`](crate::Health::mark_in_maintenance)) | `maint` |
/// | readiness fails (`degraded` fails only where mapped to 503) | `down` |
/// | otherwise | `up ready W%` |
///
/// `W` is the lower of two weights, each left out while unset:
///
/// - **capacity** ([`capacity`](AgentCheck::capacity)): `100 × (1 − in_flight / capacity)`
///   from the requests in flight now, rounded up, so it is 0 only at capacity;
/// - **latency**: 100 while the p99 of the last traffic window stays within the
///   [budget](crate::Traffic::p99_budget), else `100 × budget / p99`, at least 1.
///
/// HAProxy keeps the admin state an agent sets (`drain`, `maint`) until an agent says
/// `ready`, so `up` lines carry it: the replica comes back after a maintenance window, and
/// a new process on the address of one that drained is taken back. The other side of it:
/// a `drain` or `maint` set on HAProxy's CLI is lifted by the next `up ready` line; take a
/// server out with the handle ([`Health::mark_in_maintenance`](crate::Health::mark_in_maintenance))
/// or with `disable agent` first.
///
/// Each connection gets the line, then up to 1 s for the peer to close (what it sends is
/// read and dropped); open connections are bounded like the probe server's.
///
/// ```
/// use std::io::Read;
/// use std::net::TcpStream;
/// use tower_health::{AgentCheck, Health, ProbeServer, Traffic};
///
/// let health = Health::builder().traffic(Traffic::new()).build();
/// let probes = ProbeServer::bind(([127, 0, 0, 1], 0), health.clone())
///     .agent(([127, 0, 0, 1], 0), AgentCheck::new().capacity(64))
///     .spawn()?;
/// health.mark_started();
///
/// let agent = probes.agent_addr().expect("an agent address");
/// let mut line = String::new();
/// TcpStream::connect(agent)?.read_to_string(&mut line)?;
/// assert_eq!(line, "up ready 100%\n");
///
/// health.mark_draining();
/// let mut line = String::new();
/// TcpStream::connect(agent)?.read_to_string(&mut line)?;
/// assert_eq!(line, "drain\n");
/// # probes.shutdown();
/// # Ok::<(), std::io::Error>(())
/// ```
///
/// HAProxy's side, for a server whose probe server's agent listens on port 9091:
///
/// ```text
/// server app1 10.0.0.1:8080 weight 100 check agent-check agent-addr 10.0.0.1 agent-port 9091 agent-inter 1s
/// ```
///
/// [agent check]: https://docs.haproxy.org/2.6/configuration.html#5.2-agent-check
#[derive(Debug, Clone, Default)]
#[must_use]
pub struct AgentCheck {
    capacity: Option<u64>,
}

impl AgentCheck {
    /// An agent check whose weight follows latency only (when the handle observes its
    /// [traffic](crate::HealthBuilder::traffic) with a [p99 budget](crate::Traffic::p99_budget);
    /// otherwise always 100 %).
    pub fn new() -> Self {
        AgentCheck::default()
    }

    /// Weigh the requests in flight: the weight falls from 100 % with none to 0 % at
    /// `requests` (at least 1). It needs the handle to observe its
    /// [traffic](crate::HealthBuilder::traffic), which counts them: `spawn` refuses it
    /// otherwise.
    pub fn capacity(mut self, requests: u64) -> Self {
        self.capacity = Some(requests);
        self
    }

    /// Check the settings against `health` and bind `addr`, in the caller's thread: all
    /// that can fail, before anything runs.
    pub(super) fn bind(
        self,
        addr: SocketAddr,
        health: &Health,
    ) -> io::Result<(std::net::TcpListener, Agent)> {
        if let Some(capacity) = self.capacity {
            let refuse = |why: &str| Err(io::Error::new(io::ErrorKind::InvalidInput, why));
            if capacity == 0 {
                return refuse("the agent check's capacity must be at least 1 request");
            }
            if health.observed().is_none() {
                return refuse(
                    "the agent check's capacity weighs the requests in flight, which only a \
                     handle observing its traffic counts: build it with HealthBuilder::traffic",
                );
            }
        }
        let listener = std::net::TcpListener::bind(addr)?;
        listener.set_nonblocking(true)?;
        let agent = Agent {
            health: health.clone(),
            capacity: self.capacity,
        };
        Ok((listener, agent))
    }
}

/// A bound agent check: what it answers with.
#[derive(Debug)]
pub(super) struct Agent {
    health: Health,
    capacity: Option<u64>,
}

impl Agent {
    /// The standing of the replica now: the snapshot, the live in-flight count and the
    /// traffic component's p99.
    fn standing(&self) -> Standing {
        let snapshot = self.health.snapshot();
        let observed = self.health.observed();
        let p99 = observed
            .and_then(|observed| snapshot.component(&observed.rules.name))
            .and_then(|component| component.traffic())
            .and_then(|figures| figures.p99());
        let load = Load {
            in_flight: observed.map_or(0, |observed| observed.counters.in_flight()),
            capacity: self.capacity,
            p99,
            budget: observed.and_then(|observed| observed.rules.p99_budget),
        };
        Standing::of(&snapshot.state, &load)
    }

    /// Write the line on `stream`, then read what the peer sends until it closes (so that
    /// closing with unread data does not reset the connection), within [`ANSWER_TIMEOUT`];
    /// or stop at once when the connection is closed to make room or the server stops.
    pub(super) async fn answer(
        self: Arc<Self>,
        mut stream: TcpStream,
        mut slot: Slot,
        mut stopped: watch::Receiver<()>,
    ) {
        let line = line(self.standing());
        let work = async {
            stream.write_all(line.as_bytes()).await?;
            stream.shutdown().await?;
            let mut sink = [0; 512];
            let mut read = 0;
            while read < READ_AT_MOST {
                match stream.read(&mut sink).await? {
                    0 => break,
                    n => read += n,
                }
            }
            Ok::<_, io::Error>(())
        };
        tokio::select! {
            answered = tokio::time::timeout(ANSWER_TIMEOUT, work) => match answered {
                Ok(Ok(())) => {}
                Ok(Err(error)) => tracing::debug!(%error, "health: agent check connection"),
                Err(_) => tracing::debug!("health: agent check connection timed out"),
            },
            _ = &mut slot.evicted => {}
            _ = stopped.changed() => {}
        }
    }
}

/// The agent-check line for `standing`.
fn line(standing: Standing) -> String {
    match standing {
        Standing::Drain => "drain\n".to_owned(),
        Standing::Maint => "maint\n".to_owned(),
        Standing::Down => "down\n".to_owned(),
        Standing::Up(weight) => format!("up ready {weight}%\n"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_per_standing() {
        assert_eq!(line(Standing::Drain), "drain\n");
        assert_eq!(line(Standing::Maint), "maint\n");
        assert_eq!(line(Standing::Down), "down\n");
        assert_eq!(line(Standing::Up(100)), "up ready 100%\n");
        assert_eq!(line(Standing::Up(0)), "up ready 0%\n");
    }
}
