//! [`Config`]: what a [`HealthService`](super::HealthService) answers from and how it
//! routes, shared by the layer and every service it makes.

use http::HeaderValue;

use super::paths::Paths;
use super::response::Headers;
use std::sync::Arc;

use crate::health::{Health, Observed, PeerAddrReader};

/// What a [`HealthService`](super::HealthService) answers from and how it routes: the
/// handle, the probe paths, whether forwarded requests carry the handle, the headers
/// every answer starts from, and where the client's address is. One `Arc` for all of it, so cloning the
/// service (hyper-util and axum clone it for every request) costs one reference count.
#[derive(Debug, Clone)]
pub(crate) struct Config {
    pub(crate) health: Health,
    pub(crate) paths: Paths,
    pub(crate) insert_handle: bool,
    pub(crate) headers: Headers,
    /// The handle's instance name, sent with per-check answers so a peer asking a fleet
    /// recognises itself.
    pub(crate) instance: HeaderValue,
    /// Where forwarded requests are recorded, when the handle observes traffic and this
    /// layer records it.
    pub(crate) traffic: Option<Arc<Observed>>,
    /// Where the server keeps the client's address, for a details policy that asks.
    pub(crate) peer_addr_from: Option<PeerAddrReader>,
}

impl Config {
    pub(crate) fn new(health: Health) -> Self {
        let paths = Paths::new(&health.snapshot().state.groups);
        // Sixteen hexadecimal digits: always a valid header value.
        let instance =
            HeaderValue::from_str(health.instance()).unwrap_or(HeaderValue::from_static("-"));
        // The folding runs on the runtime the layer is made in.
        health.start_traffic();
        Config {
            traffic: health.observed().cloned(),
            instance,
            health,
            paths,
            insert_handle: false,
            headers: Headers::default(),
            peer_addr_from: None,
        }
    }
}
