//! [`Peers`]: where the other replicas are, and how they are asked.

use std::fmt;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

/// Where the other replicas of the service are, for the fleet verdict on shared checks
/// (see [`HealthBuilder::peers`](crate::health::HealthBuilder::peers)).
///
/// Each address is `host:port` and is resolved again every time the peers are asked: a
/// DNS name stands for every address it resolves to. In Kubernetes, use a headless Service
/// selecting the replicas **with `publishNotReadyAddresses: true`**, or unready replicas
/// vanish from DNS exactly when their view matters. The replica finds and skips itself.
///
/// ```
/// use std::time::Duration;
/// use tower_health::fleet::Peers;
///
/// let peers = Peers::new(["tower-health-peers.shop.svc.cluster.local:9090"])
///     .ask(3)                                 // the default
///     .timeout(Duration::from_millis(500))    // the default
///     .readiness_path("/readyz");             // the default
/// let listed = Peers::new(["10.0.0.7:9090", "10.0.0.8:9090", "10.0.0.9:9090"]);
/// ```
#[derive(Clone)]
#[must_use]
pub struct Peers {
    pub(super) discover: Discover,
    pub(super) ask: usize,
    pub(super) timeout: Duration,
    pub(super) readiness_path: String,
}

/// Finds the peers' addresses, once per round.
pub(super) type Discover = Arc<
    dyn Fn() -> Pin<Box<dyn Future<Output = io::Result<Vec<SocketAddr>>> + Send>> + Send + Sync,
>;

impl fmt::Debug for Peers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Peers")
            .field("ask", &self.ask)
            .field("timeout", &self.timeout)
            .field("readiness_path", &self.readiness_path)
            .finish_non_exhaustive()
    }
}

impl Peers {
    /// The peers at `addresses`, each `host:port` (a DNS name or an IP address), resolved
    /// anew each round. An address that does not resolve is logged and left out of that
    /// round.
    pub fn new(addresses: impl IntoIterator<Item = impl Into<String>>) -> Self {
        let addresses: Arc<[String]> = addresses.into_iter().map(Into::into).collect();
        Peers::discover(move || resolve(addresses.clone()))
    }

    /// The peers found by `discover` each round, instead of by DNS: a service registry of
    /// your own, say. An error is logged and counts as no peer.
    ///
    /// ```
    /// use std::net::SocketAddr;
    /// use tower_health::fleet::Peers;
    ///
    /// let peers = Peers::discover(|| async {
    ///     Ok::<_, std::io::Error>(vec![SocketAddr::from(([10, 0, 0, 7], 9090))])
    /// });
    /// ```
    pub fn discover<F, Fut>(discover: F) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = io::Result<Vec<SocketAddr>>> + Send + 'static,
    {
        Peers {
            discover: Arc::new(move || Box::pin(discover())),
            ask: 3,
            timeout: Duration::from_millis(500),
            readiness_path: "/readyz".to_owned(),
        }
    }

    /// Ask at most `k` peers per round (default 3, at least 1), chosen at random.
    pub fn ask(mut self, k: usize) -> Self {
        self.ask = k.max(1);
        self
    }

    /// How long a round may take, resolving included (default 500 ms): a peer that has not
    /// answered by then counts as no answer.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The peers' readiness path (default `/readyz`): a check is asked at
    /// `<path>/<check>`. The port is the one in each address: the peers' probe port or
    /// their application port, wherever their health layer answers.
    pub fn readiness_path(mut self, path: impl Into<String>) -> Self {
        self.readiness_path = path.into();
        self
    }
}

/// Every address of every `host:port` in `addresses`, without repeats.
async fn resolve(addresses: Arc<[String]>) -> io::Result<Vec<SocketAddr>> {
    let mut found = Vec::new();
    for address in addresses.iter() {
        match tokio::net::lookup_host(address.as_str()).await {
            Ok(resolved) => found.extend(resolved),
            Err(error) => tracing::warn!(%error, "health: peer address {address} does not resolve"),
        }
    }
    found.sort_unstable();
    found.dedup();
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn names_resolve_each_round_and_repeats_go() {
        let peers = Peers::new(["127.0.0.1:9", "localhost:9", "127.0.0.1:10"]);
        let found = (peers.discover)().await.unwrap();
        assert!(
            found.contains(&SocketAddr::from(([127, 0, 0, 1], 9))),
            "{found:?}"
        );
        assert!(
            found.contains(&SocketAddr::from(([127, 0, 0, 1], 10))),
            "{found:?}"
        );
        let nines = found
            .iter()
            .filter(|a| a.port() == 9 && a.ip().is_ipv4())
            .count();
        assert_eq!(nines, 1, "{found:?}");
        assert_eq!(Peers::new(["x:1"]).ask(0).ask, 1);
    }
}
