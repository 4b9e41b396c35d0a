//! The client side of the gRPC health protocol (`grpc.health.v1`), with tonic-health's own
//! client: `Check` and `Watch` calls, each bounded by [`NO_HANG`].

use std::net::SocketAddr;
use std::time::Duration;

use tonic::transport::{Channel, Endpoint};
use tonic::{Code, Streaming};
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;
use tonic_health::pb::{HealthCheckRequest, HealthCheckResponse};

use super::NO_HANG;

/// A gRPC health client connected to `addr`.
pub async fn connect(addr: SocketAddr) -> HealthClient<Channel> {
    let endpoint = Endpoint::from_shared(format!("http://{addr}")).unwrap();
    let channel = tokio::time::timeout(NO_HANG, endpoint.connect())
        .await
        .expect("connect hung")
        .expect("connect");
    HealthClient::new(channel)
}

pub fn request(service: &str) -> HealthCheckRequest {
    HealthCheckRequest {
        service: service.into(),
    }
}

/// One `Check` call.
pub async fn check(
    client: &mut HealthClient<Channel>,
    service: &str,
) -> Result<ServingStatus, Code> {
    let call = client.check(request(service));
    match tokio::time::timeout(NO_HANG, call)
        .await
        .expect("Check hung")
    {
        Ok(response) => Ok(response.into_inner().status()),
        Err(status) => Err(status.code()),
    }
}

/// Poll `Check(service)` until it answers `expected`, for at most [`NO_HANG`].
pub async fn wait_for(client: &mut HealthClient<Channel>, service: &str, expected: ServingStatus) {
    let deadline = tokio::time::Instant::now() + NO_HANG;
    loop {
        let status = check(client, service).await;
        if status == Ok(expected) {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "Check({service:?}) never answered {expected:?}; last: {status:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Open a `Watch` stream on `service`.
pub async fn watch(
    client: &mut HealthClient<Channel>,
    service: &str,
) -> Streaming<HealthCheckResponse> {
    let call = client.watch(request(service));
    tokio::time::timeout(NO_HANG, call)
        .await
        .expect("Watch hung")
        .expect("Watch")
        .into_inner()
}

/// The next status on a `Watch` stream.
pub async fn next(stream: &mut Streaming<HealthCheckResponse>) -> ServingStatus {
    tokio::time::timeout(NO_HANG, stream.message())
        .await
        .expect("no message on the Watch stream")
        .expect("Watch stream failed")
        .expect("Watch stream ended")
        .status()
}
