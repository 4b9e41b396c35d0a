//! [`ProbeServerHandle`]: the address a probe server listens on, and stopping it.

use std::net::SocketAddr;
use std::thread::JoinHandle;

use tokio::sync::watch;

/// A running [`ProbeServer`](super::ProbeServer): its address, and the way to stop it.
///
/// [`shutdown`](ProbeServerHandle::shutdown) stops it and waits for its thread; dropping
/// the handle stops it too, without waiting.
#[derive(Debug)]
pub struct ProbeServerHandle {
    local_addr: SocketAddr,
    agent_addr: Option<SocketAddr>,
    /// Dropping the sender is the stop signal.
    stop: Option<watch::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl ProbeServerHandle {
    pub(super) fn new(
        local_addr: SocketAddr,
        agent_addr: Option<SocketAddr>,
        stop: watch::Sender<()>,
        thread: JoinHandle<()>,
    ) -> Self {
        ProbeServerHandle {
            local_addr,
            agent_addr,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    /// The address the server listens on (with the port the system chose for port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The address the [agent check](super::ProbeServerBuilder::agent) listens on, when
    /// there is one (with the port the system chose for port 0).
    pub fn agent_addr(&self) -> Option<SocketAddr> {
        self.agent_addr
    }

    /// Stop the server and wait for its thread to end: it stops accepting at once (the
    /// ports, the agent check's too, are closed when this returns), idle connections are
    /// closed, and a request being answered gets up to a second to finish.
    pub fn shutdown(mut self) {
        self.stop.take();
        if let Some(thread) = self.thread.take()
            && thread.join().is_err()
        {
            tracing::error!("health: the probe server's thread panicked");
        }
    }
}

impl Drop for ProbeServerHandle {
    fn drop(&mut self) {
        self.stop.take();
    }
}
