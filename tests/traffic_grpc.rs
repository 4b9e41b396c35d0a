//! A tonic service's errors, seen by the traffic component: tonic answers a handler's error
//! Trailers-Only, HTTP 200 with a `grpc-status` header, which the gRPC classifier reads.

mod common;

use std::time::Duration;

use common::grpc::{check, connect};
use common::serve::serve_tonic;
use common::traffic::wait_for_traffic;
use tonic::{Code, Request, Response, Status};
use tonic_health::pb::health_server::{Health as GrpcHealth, HealthServer};
use tonic_health::pb::{HealthCheckRequest, HealthCheckResponse};
use tower_health::grpc::pb::health_check_response::ServingStatus;
use tower_health::traffic::Classifier;
use tower_health::{Details, Health, Traffic};

/// A gRPC service whose `Check` fails with `INTERNAL` for the service `broken`, and with
/// `NOT_FOUND` (the caller's mistake) for `unknown`.
struct Flaky;

#[tonic::async_trait]
impl GrpcHealth for Flaky {
    async fn check(
        &self,
        request: Request<HealthCheckRequest>,
    ) -> Result<Response<HealthCheckResponse>, Status> {
        match request.into_inner().service.as_str() {
            "broken" => Err(Status::internal("the database is gone")),
            "unknown" => Err(Status::not_found("no such service")),
            _ => Ok(Response::new(HealthCheckResponse {
                status: ServingStatus::Serving.into(),
            })),
        }
    }

    type WatchStream = tonic::codegen::tokio_stream::Empty<Result<HealthCheckResponse, Status>>;

    async fn watch(
        &self,
        _request: Request<HealthCheckRequest>,
    ) -> Result<Response<Self::WatchStream>, Status> {
        Err(Status::unimplemented("not here"))
    }
}

fn handle(classifier: Classifier) -> Health {
    let rules = Traffic::new()
        .window(Duration::from_millis(1_200))
        .classifier(classifier);
    let health = Health::builder()
        .details(Details::Always)
        .traffic(rules)
        .build();
    health.mark_started();
    health
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tonic_service_returning_errors_is_seen() {
    let health = handle(Classifier::new().grpc());
    let addr = serve_tonic(&health, HealthServer::new(Flaky)).await;
    let mut client = connect(addr).await;
    for _ in 0..30 {
        assert_eq!(check(&mut client, "broken").await, Err(Code::Internal));
        assert_eq!(check(&mut client, "unknown").await, Err(Code::NotFound));
    }
    wait_for_traffic(addr, "down").await;
    // Every call folded in.
    let deadline = tokio::time::Instant::now() + common::NO_HANG;
    let entry = loop {
        let entry = common::traffic::traffic_entry(addr).await;
        if entry["traffic"]["requests"] == 60 {
            break entry;
        }
        assert!(tokio::time::Instant::now() < deadline, "{entry}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(entry["status"], "down", "{entry}");
    let figures = &entry["traffic"];
    assert_eq!(figures["failures"], 30, "INTERNAL only: {figures}");
    assert_eq!(figures["requests"], 60, "{figures}");
    assert_eq!(
        figures["responses"]["2xx"], 60,
        "Trailers-Only answers are HTTP 200"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_grpc_classifier_they_are_http_200s() {
    let health = handle(Classifier::new());
    let addr = serve_tonic(&health, HealthServer::new(Flaky)).await;
    let mut client = connect(addr).await;
    for _ in 0..30 {
        assert_eq!(check(&mut client, "broken").await, Err(Code::Internal));
    }
    assert_eq!(check(&mut client, "").await, Ok(ServingStatus::Serving));
    let deadline = tokio::time::Instant::now() + common::NO_HANG;
    loop {
        let snapshot = health.snapshot();
        let traffic = snapshot.component("traffic").unwrap();
        if let Some(figures) = traffic.traffic().filter(|f| f.requests() == 31) {
            assert_eq!(figures.failures(), 0);
            assert!(traffic.status().is_up());
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "{traffic:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
