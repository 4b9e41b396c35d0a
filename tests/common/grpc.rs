//! The client side of the gRPC health protocol (`grpc.health.v1`), with the crate's own
//! client (`tower_health::grpc::pb`, which has `List`; tonic-health's has not): `Check`,
//! `Watch` and `List` calls, each bounded by [`NO_HANG`].

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;

use tonic::transport::{Channel, Endpoint};
use tonic::{Code, Streaming};
use tower_health::grpc::pb::health_check_response::ServingStatus;
use tower_health::grpc::pb::health_client::HealthClient;
use tower_health::grpc::pb::{HealthCheckRequest, HealthCheckResponse, HealthListRequest};

use super::NO_HANG;

pub type Client = HealthClient<Channel>;

/// A client connected to `addr`.
pub async fn connect(addr: SocketAddr) -> Client {
    let endpoint = Endpoint::from_shared(format!("http://{addr}")).unwrap();
    let channel = tokio::time::timeout(NO_HANG, endpoint.connect())
        .await
        .expect("connect hung")
        .expect("connect");
    HealthClient::new(channel)
}

/// One `List` call: every name with its status, sorted.
pub async fn list(client: &mut Client) -> Result<BTreeMap<String, ServingStatus>, Code> {
    let call = client.list(HealthListRequest {});
    match tokio::time::timeout(NO_HANG, call)
        .await
        .expect("List hung")
    {
        Ok(response) => Ok((response.into_inner().statuses.into_iter())
            .map(|(name, answer)| (name, answer.status()))
            .collect()),
        Err(status) => Err(status.code()),
    }
}

/// `[(name, status)]` as `List` gives it.
pub fn listed<const N: usize>(
    statuses: [(&str, ServingStatus); N],
) -> BTreeMap<String, ServingStatus> {
    (statuses.into_iter())
        .map(|(name, status)| (name.to_owned(), status))
        .collect()
}

/// Call `List` until it answers `expected`, for at most [`NO_HANG`].
pub async fn wait_for_list(client: &mut Client, expected: &BTreeMap<String, ServingStatus>) {
    let deadline = tokio::time::Instant::now() + NO_HANG;
    loop {
        let seen = list(client).await;
        if seen.as_ref() == Ok(expected) {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "List never answered {expected:?}; last: {seen:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

pub fn request(service: &str) -> HealthCheckRequest {
    HealthCheckRequest {
        service: service.into(),
    }
}

/// One `Check` call.
pub async fn check(client: &mut Client, service: &str) -> Result<ServingStatus, Code> {
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
pub async fn wait_for(client: &mut Client, service: &str, expected: ServingStatus) {
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
pub async fn watch(client: &mut Client, service: &str) -> Streaming<HealthCheckResponse> {
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

/// Nothing more on a `Watch` stream for a while (it neither sends nor ends).
pub async fn quiet(stream: &mut Streaming<HealthCheckResponse>) {
    let waited = tokio::time::timeout(Duration::from_millis(300), stream.message()).await;
    assert!(waited.is_err(), "the Watch stream went on: {waited:?}");
}
