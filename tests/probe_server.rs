//! The probe server: the layer's own answers on a port of their own, from a dedicated
//! thread, hardened like an admin port, through a drain and a shutdown.

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use axum::Extension;
use common::NO_HANG;
use common::bad_input;
use common::client::{Reply, fetch, send};
use common::details;
use common::serve::{serve_counting, serve_probes};
use http::{Method, StatusCode};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tower_health::health::PeerAddr;
use tower_health::probe_server::ProbeServerHandle;
use tower_health::{Details, Group, Health, HealthLayer, Probe, ProbeServer};

/// A started health with an up `database`, a down critical `redis`, a down non-critical
/// `search`, a group, details revealed to a token; manual components, so nothing changes
/// between two reads.
fn health() -> Health {
    let health = Health::builder()
        .component("database")
        .component("redis")
        .non_critical_component("search")
        .group(Group::new("lb", "/lbz").members(["database", "search"]))
        .details(Details::when(|request| {
            request.headers().contains_key("x-health-token")
        }))
        .build();
    health.mark_started();
    health.mark_up("database");
    health.mark_down("redis", "connect redis.internal:6379: refused");
    health.mark_down("search", "index offline");
    health
}

/// Stop `probes` from the test's runtime without blocking it.
async fn shutdown(probes: ProbeServerHandle) {
    tokio::task::spawn_blocking(move || probes.shutdown())
        .await
        .unwrap();
}

/// Read until the server closes the connection (or resets it); panics if it never does.
async fn closed_by_server(stream: &mut TcpStream) {
    let mut sink = Vec::new();
    let closed = tokio::time::timeout(NO_HANG, stream.read_to_end(&mut sink)).await;
    assert!(closed.is_ok(), "the server never closed the connection");
}

/// Request headers, as the client helpers take them.
type Headers<'a> = &'a [(&'a str, &'a str)];

fn same(probe: &Reply, layer: &Reply, what: &str) {
    assert_eq!(probe.status, layer.status, "{what}");
    assert_eq!(probe.body, layer.body, "{what}");
    for header in ["content-type", "cache-control", "allow"] {
        assert_eq!(
            probe.headers.get(header),
            layer.headers.get(header),
            "{what}: {header}"
        );
    }
}

#[tokio::test]
async fn every_probe_view_and_format_is_the_layers_own_answer() {
    let health = health();
    let (probes, calls) = serve_probes(&health);
    let (layer, _) = serve_counting(&health).await;
    let token = [("x-health-token", "yes")];
    let health_json = [("accept", "application/health+json")];
    let cases: &[(Method, &str, Headers)] = &[
        (Method::GET, "/healthz", &[]),
        (Method::GET, "/readyz", &[]),
        (Method::GET, "/startupz", &[]),
        (Method::GET, "/health", &[]),
        (Method::GET, "/lbz", &[]),
        (Method::GET, "/readyz?verbose", &[]),
        (Method::GET, "/health?verbose", &token),
        (Method::GET, "/readyz?exclude=redis", &[]),
        (Method::GET, "/readyz/database", &[]),
        (Method::GET, "/readyz/redis", &token),
        (Method::GET, "/lbz/redis", &[]),
        (Method::GET, "/readyz", &health_json),
        (Method::GET, "/health", &token),
        (Method::HEAD, "/readyz", &[]),
        (Method::POST, "/healthz", &[]),
    ];
    for (method, path, headers) in cases {
        let what = format!("{method} {path} {headers:?}");
        let from_probes = send(probes.local_addr(), method.clone(), path, headers).await;
        let from_layer = send(layer, method.clone(), path, headers).await;
        same(&from_probes, &from_layer, &what);
    }
    assert_eq!(fetch(probes.local_addr(), "/readyz").await.status, 503);
    assert_eq!(fetch(probes.local_addr(), "/lbz").await.status, 200);
    let withheld = fetch(probes.local_addr(), "/health").await;
    assert!(
        !withheld.text().contains("redis.internal"),
        "{}",
        withheld.text()
    );
    let revealed = send(probes.local_addr(), Method::GET, "/health", &token).await;
    assert!(
        revealed.text().contains("redis.internal"),
        "{}",
        revealed.text()
    );
    assert_eq!(calls.count(), 0);
    shutdown(probes).await;
}

#[tokio::test]
async fn other_paths_are_404_or_the_fallbacks() {
    let health = health();
    let plain = ProbeServer::bind(([127, 0, 0, 1], 0), health.clone())
        .spawn()
        .unwrap();
    let missing = fetch(plain.local_addr(), "/metrics").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.body.is_empty());
    assert_eq!(fetch(plain.local_addr(), "/healthz/").await.status, 404);
    assert_eq!(fetch(plain.local_addr(), "/healthz").await.status, 200);

    let metrics =
        axum::Router::new().route("/metrics", axum::routing::get(|| async { "probe_up 1\n" }));
    let custom = HealthLayer::new(health.clone()).path(Probe::Liveness, "/livez");
    let with = ProbeServer::bind(([127, 0, 0, 1], 0), health)
        .fallback(metrics)
        .health_layer(custom)
        .spawn()
        .unwrap();
    let scrape = fetch(with.local_addr(), "/metrics").await;
    assert_eq!(scrape.status, StatusCode::OK);
    assert_eq!(scrape.text(), "probe_up 1\n");
    assert_eq!(fetch(with.local_addr(), "/livez").await.status, 200);
    assert_eq!(fetch(with.local_addr(), "/other").await.status, 404);
    shutdown(plain).await;
    shutdown(with).await;
}

#[tokio::test]
async fn details_go_to_loopback_peers_only_and_the_fallback_sees_the_peer_too() {
    let health = details::failing(Details::loopback());
    let peer = axum::Router::new().route(
        "/peer",
        axum::routing::get(
            |Extension(PeerAddr(peer)): Extension<PeerAddr>| async move { peer.ip().to_string() },
        ),
    );
    let probes = ProbeServer::bind(([0, 0, 0, 0], 0), health)
        .fallback(peer)
        .spawn()
        .unwrap();
    let (loopback, outside) = details::from_loopback_and_outside(probes.local_addr().port());
    assert!(details::revealed(loopback, &[]).await, "from {loopback}");
    assert!(!details::revealed(outside, &[]).await, "from {outside}");
    assert_eq!(fetch(loopback, "/peer").await.text(), "127.0.0.1");
    assert_eq!(
        fetch(outside, "/peer").await.text(),
        outside.ip().to_string()
    );
    shutdown(probes).await;
}

#[tokio::test]
async fn a_slowloris_and_a_silent_connection_are_cut_at_the_header_timeout() {
    // The default timeout (2 s), headers trickled at a byte per 20 ms for ever.
    let probes = ProbeServer::bind(([127, 0, 0, 1], 0), Health::default())
        .spawn()
        .unwrap();
    let addr = probes.local_addr();
    let mut silent = TcpStream::connect(addr).await.unwrap();
    let stream = TcpStream::connect(addr).await.unwrap();
    let (mut reader, mut writer) = stream.into_split();
    let trickle = tokio::spawn(async move {
        let request = b"GET /healthz HTTP/1.1\r\nhost: x\r\nx-slow: ";
        for byte in request.iter().chain(std::iter::repeat(&b'a')) {
            if writer.write_all(&[*byte]).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    });
    let mut answer = Vec::new();
    let read = tokio::time::timeout(NO_HANG, reader.read_to_end(&mut answer)).await;
    assert!(read.is_ok(), "the trickling connection was never cut");
    trickle.abort();
    // A connection that never sends a byte is cut too.
    closed_by_server(&mut silent).await;
    // Meanwhile and afterwards, probes are answered.
    assert_eq!(fetch(addr, "/healthz").await.status, StatusCode::OK);
    shutdown(probes).await;
}

#[tokio::test]
async fn two_thousand_idle_connections_do_not_keep_a_probe_out() {
    let health = Health::default();
    let probes = ProbeServer::bind(([127, 0, 0, 1], 0), health)
        .header_read_timeout(Duration::from_secs(60))
        .spawn()
        .unwrap();
    let addr = probes.local_addr();
    let mut idle = Vec::with_capacity(2000);
    for _ in 0..2000 {
        idle.push(
            TcpStream::connect(addr)
                .await
                .expect("connect an idle connection"),
        );
    }
    let reply = fetch(addr, "/healthz").await;
    assert_eq!(reply.status, StatusCode::OK);
    // The oldest made room (the header timeout is far off).
    closed_by_server(&mut idle[0]).await;
    shutdown(probes).await;
}

#[tokio::test]
async fn the_bad_input_battery_on_the_probe_port() {
    let health = Health::default();
    health.mark_started();
    let (probes, calls) = serve_probes(&health);
    bad_input::all(probes.local_addr(), &calls).await;
    shutdown(probes).await;
}

#[tokio::test]
async fn answers_through_a_drain() {
    let health = Health::default();
    health.mark_started();
    let (probes, _) = serve_probes(&health);
    let addr = probes.local_addr();
    assert_eq!(fetch(addr, "/readyz").await.status, StatusCode::OK);
    health.mark_draining();
    assert_eq!(fetch(addr, "/healthz").await.status, StatusCode::OK);
    let ready = fetch(addr, "/readyz").await;
    assert_eq!(ready.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(ready.json()["status"], "down");
    shutdown(probes).await;
}

#[tokio::test]
async fn shutdown_closes_the_port_and_its_connections() {
    let health = Health::default();
    let (probes, _) = serve_probes(&health);
    let addr = probes.local_addr();
    let mut idle = TcpStream::connect(addr).await.unwrap();
    assert_eq!(fetch(addr, "/healthz").await.status, StatusCode::OK);
    shutdown(probes).await;
    assert!(TcpStream::connect(addr).await.is_err(), "still listening");
    closed_by_server(&mut idle).await;
}

#[tokio::test]
async fn dropping_the_handle_stops_it() {
    let health = Health::default();
    let (probes, _) = serve_probes(&health);
    let addr: SocketAddr = probes.local_addr();
    drop(probes);
    let closed = async {
        while TcpStream::connect(addr).await.is_ok() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    };
    assert!(
        tokio::time::timeout(NO_HANG, closed).await.is_ok(),
        "still listening"
    );
}

#[test]
fn binding_an_address_in_use_is_an_error() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap();
    let error = ProbeServer::bind(addr, Health::default())
        .spawn()
        .expect_err("bound an address in use");
    assert_eq!(error.kind(), std::io::ErrorKind::AddrInUse);
}
