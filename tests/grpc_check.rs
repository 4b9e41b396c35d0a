//! `checks::grpc` against real tonic servers over real sockets: tonic-health's own service
//! in process, a port nothing listens on, a proxy cut and restored, a hung peer.
//! (The crate's tonic example as the downstream, killed and drained: tests/examples/grpc_check.rs.)

mod common;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::NO_HANG;
use common::deps::{Blackhole, Proxy, free_port};
use common::health::started_with_results;
use common::serve::{ephemeral_listener, serve_tonic};
use tokio::time::Instant;
use tonic::transport::{Channel, Endpoint};
use tonic_health::ServingStatus;
use tonic_health::server::HealthReporter;
use tower_health::{Check, ComponentStatus, Health, NamedCheck, checks};

/// How fast a refused connection must fail a run.
const REFUSED_WITHIN: Duration = Duration::from_millis(100);

/// tonic-health's own service on a tonic server, `""` SERVING; its reporter and address.
async fn downstream() -> (HealthReporter, SocketAddr) {
    let (reporter, service) = tonic_health::server::health_reporter();
    reporter
        .set_service_status("", ServingStatus::Serving)
        .await;
    let addr = serve_tonic(&Health::builder().build(), service).await;
    (reporter, addr)
}

/// A lazily connected channel to `addr`, as an application makes one.
fn channel(addr: SocketAddr) -> Channel {
    Endpoint::from_shared(format!("http://{addr}"))
        .unwrap()
        .connect_lazy()
}

/// One run, bounded by [`NO_HANG`], and how long it took.
async fn run(check: &impl Check) -> (Result<(), String>, Duration) {
    let started = Instant::now();
    let result = tokio::time::timeout(NO_HANG, check.check())
        .await
        .expect("the check hung");
    (result.map_err(|error| error.to_string()), started.elapsed())
}

#[tokio::test]
async fn follows_the_downstreams_serving_status_and_service_names() {
    let (reporter, addr) = downstream().await;
    let channel = channel(addr);
    let whole = checks::grpc(channel.clone());
    let billing = checks::grpc(channel.clone()).service("billing");
    assert!(whole.is_remote());
    assert_eq!(run(&whole).await.0, Ok(()));
    assert_eq!(
        run(&billing).await.0,
        Err(r#"unknown service "billing""#.into())
    );

    reporter
        .set_service_status("billing", ServingStatus::Serving)
        .await;
    assert_eq!(run(&billing).await.0, Ok(()));
    reporter
        .set_service_status("", ServingStatus::NotServing)
        .await;
    assert_eq!(run(&whole).await.0, Err("NOT_SERVING".into()));
    assert_eq!(run(&billing).await.0, Ok(()));
    reporter
        .set_service_status("", ServingStatus::Serving)
        .await;
    assert_eq!(run(&whole).await.0, Ok(()));
}

#[tokio::test]
async fn runs_reuse_the_channels_one_connection() {
    let (_reporter, addr) = downstream().await;
    let (front, connections) = counting_forwarder(addr).await;
    let check = checks::grpc(channel(front));
    for _ in 0..20 {
        assert_eq!(run(&check).await.0, Ok(()));
    }
    assert_eq!(connections.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_refused_port_fails_at_once_every_run() {
    let addr = SocketAddr::from(([127, 0, 0, 1], free_port()));
    let check = checks::grpc(channel(addr));
    for _ in 0..3 {
        let (result, took) = run(&check).await;
        assert_eq!(result, Err("connection refused".into()));
        eprintln!("a refused port: {took:?}");
        assert!(took < REFUSED_WITHIN, "a refused port took {took:?}");
    }
}

#[tokio::test]
async fn a_downstream_cut_off_is_refused_at_once_and_back_without_a_new_channel() {
    let (_reporter, addr) = downstream().await;
    let mut proxy = Proxy::start(addr).await;
    let check = checks::grpc(channel(proxy.addr));
    assert_eq!(run(&check).await.0, Ok(()));

    proxy.cut();
    // The run that finds the connection broken may say so; the next ones are refused.
    let mut refused = None;
    for _ in 0..5 {
        let (result, took) = run(&check).await;
        assert!(result.is_err(), "passed while cut off");
        if result == Err("connection refused".into()) {
            refused = Some(took);
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let took = refused.expect("never refused");
    eprintln!("cut off: refused in {took:?}");
    assert!(took < REFUSED_WITHIN, "a refused port took {took:?}");

    proxy.restore().await;
    assert_eq!(run(&check).await.0, Ok(()));
}

#[tokio::test]
async fn a_hung_downstream_times_out() {
    let blackhole = Blackhole::start().await;
    // The channel's own timeout…
    let endpoint = Endpoint::from_shared(format!("http://{}", blackhole.addr)).unwrap();
    let check = checks::grpc(
        endpoint
            .clone()
            .timeout(Duration::from_millis(200))
            .connect_lazy(),
    );
    assert_eq!(run(&check).await.0, Err("timed out".into()));

    // …or, without one, the engine's.
    let check = NamedCheck::new("downstream", checks::grpc(endpoint.connect_lazy()))
        .timeout(Duration::from_millis(200));
    let health = started_with_results(Health::builder().add_check(check)).await;
    let snapshot = health.snapshot();
    let component = snapshot.component("downstream").unwrap();
    assert_eq!(component.status(), ComponentStatus::Down);
    assert!(
        component.error().unwrap().starts_with("timed out"),
        "{:?}",
        component.error()
    );
    assert!(blackhole.accepted() >= 1);
}

/// A TCP forwarder in front of `target` counting the connections it accepts.
async fn counting_forwarder(target: SocketAddr) -> (SocketAddr, Arc<AtomicUsize>) {
    let (listener, addr) = ephemeral_listener().await;
    let accepted = Arc::new(AtomicUsize::new(0));
    let counter = accepted.clone();
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                let mut server = tokio::net::TcpStream::connect(target).await.unwrap();
                let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
            });
        }
    });
    (addr, accepted)
}
