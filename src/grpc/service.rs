//! The crate's own `grpc.health.v1.Health` service: `Check`, `Watch` and `List`, read from the
//! status table the reporting task keeps.

use std::sync::Arc;

use tokio::sync::watch;
use tonic::{Request, Response, Status};

use super::follow;
use super::pb::health_server::Health as HealthRpc;
use super::pb::{HealthCheckRequest, HealthCheckResponse, HealthListRequest, HealthListResponse};
use super::table::{Statuses, Table};
use super::watch::{WatchStream, message};
use crate::health::Health;

/// The most service names `List` answers with; a server that has more fails the call with
/// `RESOURCE_EXHAUSTED`, as gRPC proposal A90 sets.
pub const LIST_LIMIT: usize = 100;

/// The standard gRPC health service (`grpc.health.v1.Health`: `Check`, `Watch` and `List`),
/// reporting a [`Health`] handle's state.
///
/// [`health_service`](super::health_service) returns it ready to serve; make one with
/// [`HealthService::new`] to wrap it yourself (`HealthServer::new(service)` with compression
/// or message limits, an interceptor). Its clones share one status table. See the
/// [module documentation](super) for each service name's meaning.
#[derive(Debug, Clone)]
pub struct HealthService {
    statuses: watch::Receiver<Arc<Statuses>>,
}

impl HealthService {
    /// The service for `health`, with the background task that keeps its statuses up to
    /// date. It returns once they reflect the current snapshot, so the first call already
    /// tells the truth. The task ends after the last [`Health`] handle is dropped, every name
    /// turning `NOT_SERVING` (nothing vouches for them any more) and the `Watch` streams
    /// ending.
    ///
    /// Its methods can be called without a server, through the generated trait:
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), tonic::Status> {
    /// use tonic::Request;
    /// use tower_health::Health;
    /// use tower_health::grpc::pb::health_check_response::ServingStatus;
    /// use tower_health::grpc::pb::health_server::Health as _;
    /// use tower_health::grpc::pb::{HealthCheckRequest, HealthListRequest};
    /// use tower_health::grpc::{HealthServer, HealthService};
    ///
    /// let health = Health::builder().component("queue-consumer").build();
    /// let service = HealthService::new(&health).await;
    ///
    /// let list = service.list(Request::new(HealthListRequest {})).await?;
    /// let statuses = list.into_inner().statuses;
    /// assert_eq!(statuses.len(), 2); // "" and the component
    /// assert_eq!(statuses[""].status(), ServingStatus::NotServing); // not started
    ///
    /// let unknown = HealthCheckRequest { service: "billing".into() };
    /// let refused = service.check(Request::new(unknown)).await.unwrap_err();
    /// assert_eq!(refused.code(), tonic::Code::NotFound);
    ///
    /// // Served with settings of your own:
    /// let server = HealthServer::new(service).max_decoding_message_size(4 * 1024);
    /// # drop(server);
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Panics
    ///
    /// When awaited outside a tokio runtime, like [`tokio::spawn`].
    pub async fn new(health: &Health) -> HealthService {
        let (table, statuses) = Table::new();
        follow::start(health, table).await;
        HealthService { statuses }
    }
}

#[tonic::async_trait]
impl HealthRpc for HealthService {
    /// The status of the name asked for; `NOT_FOUND` for a name the server does not know.
    async fn check(
        &self,
        request: Request<HealthCheckRequest>,
    ) -> Result<Response<HealthCheckResponse>, Status> {
        let name = &request.get_ref().service;
        match self.statuses.borrow().get(name) {
            Some(&status) => Ok(Response::new(message(status))),
            None => Err(Status::not_found("unknown service")),
        }
    }

    /// Every name with its status, or `RESOURCE_EXHAUSTED` past [`LIST_LIMIT`] names.
    async fn list(
        &self,
        _request: Request<HealthListRequest>,
    ) -> Result<Response<HealthListResponse>, Status> {
        let statuses = self.statuses.borrow().clone();
        if statuses.len() > LIST_LIMIT {
            return Err(Status::resource_exhausted(format!(
                "{} services, more than the {LIST_LIMIT} List answers with",
                statuses.len()
            )));
        }
        let statuses = (statuses.iter())
            .map(|(name, &status)| (name.clone(), message(status)))
            .collect();
        Ok(Response::new(HealthListResponse { statuses }))
    }

    type WatchStream = WatchStream;

    /// The name's status at once, then on each change; see [`WatchStream`].
    async fn watch(
        &self,
        request: Request<HealthCheckRequest>,
    ) -> Result<Response<WatchStream>, Status> {
        let name = request.into_inner().service;
        Ok(Response::new(WatchStream::new(name, self.statuses.clone())))
    }
}
