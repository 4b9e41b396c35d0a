//! [`ProbeServerBuilder::spawn`] and the probe thread: a single-threaded runtime accepting
//! connections and serving each over HTTP/1.1 with the health service in front of the
//! fallback.

use std::error::Error;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response};
use http_body::Body;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{oneshot, watch};
use tokio::task::JoinSet;
use tower_layer::Layer;
use tower_service::Service;

use super::builder::ProbeServerBuilder;
use super::connections::{Connections, Slot};
use super::handle::ProbeServerHandle;
use super::peer::WithPeer;
use super::watchdog::Watchdog;

/// The read and write buffers' bound: small, yet a request line with an 8 KiB query string
/// (a common proxy limit) still fits.
const BUFFER: usize = 16 * 1024;
/// How long requests being answered get to finish on shutdown.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(1);
/// The pause after a failed accept (out of file descriptors, say), so it does not spin.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);

/// Serves one accepted connection, from its peer's address, until it ends, is closed to
/// make room (its slot's `evicted`), or the server stops.
type Serve = Box<dyn Fn(TcpStream, SocketAddr, Slot, watch::Receiver<()>) -> Connection + Send>;
type Connection = Pin<Box<dyn Future<Output = ()> + Send>>;
/// The watchdog's judge, sent to the probe thread once that thread runs.
type Judge = Pin<Box<dyn Future<Output = ()> + Send>>;

impl<S, B> ProbeServerBuilder<S>
where
    S: Service<Request<Incoming>, Response = Response<B>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Into<Box<dyn Error + Send + Sync>>,
    B: Body<Data = Bytes> + Send + 'static,
    B::Error: Into<Box<dyn Error + Send + Sync>>,
{
    /// Bind the address, here in the caller's thread, and start serving from a new thread
    /// (`tower-health-probes`) running its own single-threaded tokio runtime. Needs no
    /// runtime in the caller. A [watchdog](ProbeServerBuilder::watchdog) registers its
    /// components and starts its heartbeat only once the address is bound and the thread
    /// runs: on an error, nothing is registered.
    ///
    /// # Errors
    ///
    /// When the address cannot be bound (in use, not local, not permitted), or the runtime
    /// or the thread cannot be made; with a [watchdog](ProbeServerBuilder::watchdog), when
    /// its thresholds are out of range or there is no application runtime for its heartbeat
    /// (`spawn` is called outside one and none was named).
    pub fn spawn(self) -> io::Result<ProbeServerHandle> {
        let (stop, stopped) = watch::channel(());
        // Whatever can fail comes first: the watchdog registers its components (up) and
        // starts its heartbeat only once the thread that judges them runs.
        let watchdog = self.watchdog.map(Watchdog::prepare).transpose()?;
        let listener = std::net::TcpListener::bind(self.addr)?;
        listener.set_nonblocking(true)?;
        let local_addr = listener.local_addr()?;
        let agent = (self.agent)
            .map(|(addr, agent)| agent.bind(addr, &self.health))
            .transpose()?;
        let agent_addr = (agent.as_ref())
            .map(|(listener, _)| listener.local_addr())
            .transpose()?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let (listener, agent_listener) = {
            let _context = runtime.enter();
            let agent = match agent {
                Some((listener, agent)) => Some((TcpListener::from_std(listener)?, agent)),
                None => None,
            };
            (TcpListener::from_std(listener)?, agent)
        };
        let mut http = http1::Builder::new();
        http.timer(TokioTimer::new())
            .header_read_timeout(self.header_read_timeout)
            .max_buf_size(BUFFER)
            .keep_alive(true);
        let service = self.layer.layer(self.fallback);
        let serve: Serve = Box::new(move |stream, peer, mut slot, mut stopped| {
            let _ = stream.set_nodelay(true);
            let inner = service.clone();
            let service = TowerToHyperService::new(WithPeer { inner, peer });
            let http = http.clone();
            Box::pin(async move {
                let io = TokioIo::new(stream);
                let mut connection = pin!(http.serve_connection(io, service));
                tokio::select! {
                    ended = connection.as_mut() => {
                        if let Err(error) = ended {
                            tracing::debug!(%error, "health: probe connection ended");
                        }
                        return;
                    }
                    _ = &mut slot.evicted => return,
                    _ = stopped.changed() => {}
                }
                connection.as_mut().graceful_shutdown();
                let _ = connection.await;
            })
        });
        let server = Server {
            listener,
            serve,
            connections: Connections::new(self.max_connections),
            stopped: stopped.clone(),
        };
        // The agent check: the same accept loop and bound, one line per connection.
        let agent = agent_listener.map(|(listener, agent)| {
            let agent = Arc::new(agent);
            let serve: Serve = Box::new(move |stream, _peer, slot, stopped| {
                Box::pin(agent.clone().answer(stream, slot, stopped))
            });
            Server {
                listener,
                serve,
                connections: Connections::new(self.max_connections),
                stopped: stopped.clone(),
            }
        });
        let (judging, judge) = oneshot::channel::<Judge>();
        let thread = std::thread::Builder::new()
            .name("tower-health-probes".to_owned())
            .spawn(move || {
                runtime.block_on(async move {
                    // Err: no watchdog.
                    if let Ok(judge) = judge.await {
                        tokio::spawn(judge);
                    }
                    let agent = async {
                        if let Some(agent) = agent {
                            agent.run().await;
                        }
                    };
                    tokio::join!(server.run(), agent);
                });
            })?;
        if let Some((watchdog, runtime)) = watchdog {
            let _ = judging.send(Box::pin(watchdog.start(&runtime, &self.health, stopped)));
        }
        Ok(ProbeServerHandle::new(local_addr, agent_addr, stop, thread))
    }
}

struct Server {
    listener: TcpListener,
    serve: Serve,
    connections: Connections,
    /// Resolves when the handle is gone or shut down.
    stopped: watch::Receiver<()>,
}

impl Server {
    async fn run(mut self) {
        let mut tasks = JoinSet::new();
        loop {
            tokio::select! {
                biased;
                _ = self.stopped.changed() => break,
                accepted = self.listener.accept() => match accepted {
                    Ok((stream, peer)) => {
                        let slot = self.connections.admit();
                        tasks.spawn((self.serve)(stream, peer, slot, self.stopped.clone()));
                    }
                    Err(error) => {
                        tracing::warn!(%error, "health: the probe server could not accept");
                        tokio::time::sleep(ACCEPT_BACKOFF).await;
                    }
                },
            }
            while tasks.try_join_next().is_some() {}
        }
        drop(self.listener);
        let ended = async { while tasks.join_next().await.is_some() {} };
        let _ = tokio::time::timeout(SHUTDOWN_GRACE, ended).await;
    }
}
