//! Whether a server reveals error details, asked from loopback and from this machine's
//! interface address.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use http::StatusCode;
use tower_health::{Details, Health};

use super::client::send;
use super::interface::non_loopback_ip;

/// The error of [`failing`]'s `queue`: it names an internal host, a detail to withhold.
pub const QUEUE_ERROR: &str = "connect queue.internal:5672: refused";

/// A started handle under `details` with one critical manual component, `queue`, down
/// with [`QUEUE_ERROR`].
pub fn failing(details: Details) -> Health {
    let health = Health::builder()
        .component("queue")
        .details(details)
        .build();
    health.mark_started();
    health.mark_down("queue", QUEUE_ERROR);
    health
}

/// Whether `GET /readyz?verbose` on `addr`, with `headers`, shows [`QUEUE_ERROR`] (a 503
/// either way).
pub async fn revealed(addr: SocketAddr, headers: &[(&str, &str)]) -> bool {
    let reply = send(addr, http::Method::GET, "/readyz?verbose", headers).await;
    assert_eq!(
        reply.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        reply.text()
    );
    let text = reply.text();
    let shown = text.contains(QUEUE_ERROR);
    assert!(
        shown || text.contains("[-]queue failed: reason withheld"),
        "{text}"
    );
    shown
}

/// Where a server listening on every IPv4 address (`0.0.0.0:port`) is reached from
/// loopback, and from this machine's interface address (panics when there is none).
pub fn from_loopback_and_outside(port: u16) -> (SocketAddr, SocketAddr) {
    let outside = non_loopback_ip();
    assert!(
        outside.is_ipv4(),
        "this machine's interface address {outside} is not IPv4; the server listens on 0.0.0.0"
    );
    let loopback = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port);
    (loopback, SocketAddr::new(outside, port))
}
