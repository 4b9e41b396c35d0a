//! A tonic-health [`HealthReporter`] as a [`Sink`]: for servers that build on tonic-health's
//! own service ([`report`](super::report)).

use tonic_health::server::HealthReporter;

use super::follow::Sink;
use super::pb::health_check_response::ServingStatus;

impl Sink for HealthReporter {
    async fn set(&mut self, name: &str, status: ServingStatus) {
        let status = match status {
            ServingStatus::Serving => tonic_health::ServingStatus::Serving,
            ServingStatus::NotServing => tonic_health::ServingStatus::NotServing,
            // The task only ever sets these two.
            ServingStatus::Unknown | ServingStatus::ServiceUnknown => {
                tonic_health::ServingStatus::Unknown
            }
        };
        self.set_service_status(name, status).await;
    }

    /// tonic-health answers `NOT_FOUND` for the name from now on, and ends its `Watch`
    /// streams.
    async fn clear(&mut self, name: &str) {
        self.clear_service_status(name).await;
    }
}

#[cfg(test)]
mod tests {
    use tonic::Request;
    use tonic_health::pb::HealthCheckRequest;
    use tonic_health::pb::health_check_response::ServingStatus as Answer;
    use tonic_health::pb::health_server::Health as _;
    use tonic_health::server::HealthService;

    use super::*;
    use crate::grpc::follow::Reported;
    use crate::grpc::statuses::state;
    use crate::health::Snapshot;
    use crate::model::status::ComponentStatus;

    #[tokio::test]
    async fn a_removed_name_is_cleared_after_a_last_not_serving() {
        let mut reporter = HealthReporter::new();
        let service = HealthService::from_health_reporter(reporter.clone());
        let check = |name: &str| {
            let request = Request::new(HealthCheckRequest {
                service: name.into(),
            });
            let service = &service;
            async move {
                service
                    .check(request)
                    .await
                    .map(|r| r.into_inner().status())
            }
        };
        let mut reported = Reported::default();
        let up = ComponentStatus::Up;
        let both = state(true, false, &[("db", up), ("q", up)]);
        reported.sync(&mut reporter, &Snapshot::new(both, 0)).await;
        assert_eq!(check("q").await.unwrap(), Answer::Serving);
        let one = state(true, false, &[("db", up)]);
        reported.sync(&mut reporter, &Snapshot::new(one, 1)).await;
        assert_eq!(check("db").await.unwrap(), Answer::Serving);
        let missing = check("q").await.unwrap_err();
        assert_eq!(missing.code(), tonic::Code::NotFound);
    }
}
