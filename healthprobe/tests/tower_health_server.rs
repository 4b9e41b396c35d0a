//! The probe against a real tower-health server: `HealthLayer` over hyper on loopback.

mod common;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::thread;

use common::run;
use http_body_util::Empty;
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use tower::ServiceBuilder;
use tower_health::{Health, HealthLayer};

/// Serves `health` on 127.0.0.1 from a background thread with its own tokio runtime.
fn serve(health: Health) -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let addr = listener.local_addr().unwrap();
    let service = ServiceBuilder::new()
        .layer(HealthLayer::new(health))
        .service_fn(|_: Request<Incoming>| async {
            Ok::<_, Infallible>(Response::new(Empty::<Bytes>::new()))
        });
    thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            loop {
                let (stream, _) = listener.accept().await.unwrap();
                let service = TowerToHyperService::new(service.clone());
                tokio::spawn(async move {
                    let connection = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service);
                    connection.await.ok();
                });
            }
        });
    });
    addr
}

#[test]
fn names_the_failing_component_of_a_real_server() {
    let health = Health::builder()
        .component("database")
        .component("redis")
        .build();
    health.mark_started();
    health.mark_up("database");
    health.mark_down("redis", "refused");
    let url = format!("http://{}/readyz", serve(health.clone()));

    let run_probe = || run(&["--timeout", "5s", &url]);
    let failed = run_probe();
    assert_eq!(failed.code, 1, "{failed:?}");
    assert_eq!(
        failed.reason(),
        format!("healthprobe: {url} answered 503: redis down (database ok)")
    );

    health.mark_up("redis");
    let passed = run_probe();
    assert_eq!(passed.code, 0, "{passed:?}");
    assert_eq!((passed.stdout.as_str(), passed.stderr.as_str()), ("", ""));
}
