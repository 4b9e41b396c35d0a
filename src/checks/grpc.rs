//! A downstream gRPC service's own health (`grpc.health.v1`), asked over the application's
//! tonic channel with tonic-health's client.

use std::error::Error;
use std::io::ErrorKind;

use bytes::Bytes;
use tonic::client::GrpcService;
use tonic::{Code, Status};
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;

use super::check::{Check, CheckFuture};
use super::error::CheckError;

/// What tonic's client services fail with.
type BoxError = Box<dyn Error + Send + Sync>;

/// The longest part of a downstream's own error message kept in a reason, in bytes.
const MESSAGE_LIMIT: usize = 120;

/// Passes when the downstream's standard gRPC health service (`grpc.health.v1.Health`)
/// answers `SERVING` for the whole server (service name `""`; another with
/// [`GrpcCheck::service`]), asked over `channel`.
///
/// Give it the application's own `tonic::transport::Channel` to the downstream (a clone is
/// cheap and shares its connection: no new connection per run), or any tonic client
/// service. Each failure is down with a short reason:
///
/// | the downstream | reason |
/// |---|---|
/// | answers `NOT_SERVING` (it is draining, or says it is unhealthy) | `NOT_SERVING` |
/// | answers `SERVICE_UNKNOWN` or `UNKNOWN` | `SERVICE_UNKNOWN`, `UNKNOWN` |
/// | does not know the service name (`NOT_FOUND`) | `unknown service "billing"` |
/// | refuses the connection (nothing listens) | `connection refused`, at once |
/// | the channel's own timeout or a deadline runs out | `timed out` |
/// | serves no health service (`UNIMPLEMENTED`) | `no grpc.health.v1 service` |
/// | any other error status | its code and the start of its message, `UNAVAILABLE: …` |
///
/// A hanging downstream is cut by the engine's timeout. A lazily connected channel
/// ([`Endpoint::connect_lazy`]) lets the application start while the downstream is away:
/// every run then tries to connect, so a refused port fails the run at once instead of
/// waiting for the timeout, and the check passes as soon as the downstream is back.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use tonic::transport::Endpoint;
/// use tower_health::{Health, checks};
///
/// // The application's channel to its downstream; connects on first use.
/// let billing = Endpoint::from_static("http://billing.internal:50051").connect_lazy();
/// let health = Health::builder()
///     .check("billing", checks::grpc(billing.clone()))
///     .check("ledger", checks::grpc(billing.clone()).service("ledger.v1.Ledger"))
///     .build();
/// # Ok(()) }
/// ```
///
/// [`Endpoint::connect_lazy`]: https://docs.rs/tonic/0.14/tonic/transport/struct.Endpoint.html#method.connect_lazy
pub fn grpc<T>(channel: T) -> GrpcCheck<T>
where
    T: GrpcService<tonic::body::Body> + Clone + Send + Sync + 'static,
    T::Error: Into<BoxError>,
    T::ResponseBody: http_body::Body<Data = Bytes> + Send + 'static,
    <T::ResponseBody as http_body::Body>::Error: Into<BoxError> + Send,
{
    GrpcCheck {
        client: HealthClient::new(channel),
        service: String::new(),
    }
}

/// The check made by [`grpc()`].
#[derive(Clone)]
pub struct GrpcCheck<T> {
    client: HealthClient<T>,
    service: String,
}

impl<T> GrpcCheck<T> {
    /// Ask about the service `name` (a fully qualified gRPC service name, such as
    /// `ledger.v1.Ledger`, or whatever names the downstream reports) instead of `""`, the
    /// whole server.
    #[must_use]
    pub fn service(mut self, name: impl Into<String>) -> Self {
        self.service = name.into();
        self
    }
}

impl<T> std::fmt::Debug for GrpcCheck<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GrpcCheck")
            .field("service", &self.service)
            .finish_non_exhaustive()
    }
}

impl<T> Check for GrpcCheck<T>
where
    T: GrpcService<tonic::body::Body> + Clone + Send + Sync + 'static,
    T::Error: Into<BoxError>,
    T::Future: Send,
    T::ResponseBody: http_body::Body<Data = Bytes> + Send + 'static,
    <T::ResponseBody as http_body::Body>::Error: Into<BoxError> + Send,
{
    fn is_remote(&self) -> bool {
        true
    }

    fn check(&self) -> CheckFuture<'_> {
        let mut client = self.client.clone();
        Box::pin(async move {
            let request = HealthCheckRequest {
                service: self.service.clone(),
            };
            match client.check(request).await {
                Ok(response) => match response.into_inner().status() {
                    ServingStatus::Serving => Ok(()),
                    status => Err(CheckError::new(status.as_str_name())),
                },
                Err(status) => Err(CheckError::new(reason(&status, &self.service))),
            }
        })
    }
}

/// A short reason for a failed `Check` call.
fn reason(status: &Status, service: &str) -> String {
    if io_error_in(status, ErrorKind::ConnectionRefused) {
        return "connection refused".into();
    }
    if io_error_in(status, ErrorKind::TimedOut)
        || chain(status).any(|error| error.is::<tonic::TimeoutExpired>())
        || status.code() == Code::DeadlineExceeded
    {
        return "timed out".into();
    }
    match status.code() {
        Code::NotFound => format!("unknown service {service:?}"),
        Code::Unimplemented => "no grpc.health.v1 service".into(),
        code => {
            // The status's message and its innermost cause (`tcp connect error: No route
            // to host`), cut short.
            let mut message = status.message().to_owned();
            if let Some(cause) = chain(status).skip(1).last().map(ToString::to_string)
                && !message.contains(&cause)
            {
                message = format!("{message}: {cause}");
            }
            let mut end = message.len().min(MESSAGE_LIMIT);
            while !message.is_char_boundary(end) {
                end -= 1;
            }
            let ellipsis = if end < message.len() { "…" } else { "" };
            format!("{}: {}{ellipsis}", code_name(code), &message[..end])
        }
    }
}

/// `status` and its sources.
fn chain(status: &Status) -> impl Iterator<Item = &(dyn Error + 'static)> {
    std::iter::successors(Some(status as &(dyn Error + 'static)), |error| {
        (*error).source()
    })
}

/// Whether an I/O error of `kind` is among `status`'s sources, or (when a client service
/// kept only the text, as tonic-health's client does for a channel that is not ready) its
/// message names it.
fn io_error_in(status: &Status, kind: ErrorKind) -> bool {
    chain(status).any(|error| {
        error
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == kind)
    }) || status
        .message()
        .to_ascii_lowercase()
        .contains(&std::io::Error::from(kind).to_string().to_ascii_lowercase())
}

/// The canonical name of a gRPC status code, as `grpc.health.v1` names serving statuses.
fn code_name(code: Code) -> &'static str {
    match code {
        Code::Ok => "OK",
        Code::Cancelled => "CANCELLED",
        Code::Unknown => "UNKNOWN",
        Code::InvalidArgument => "INVALID_ARGUMENT",
        Code::DeadlineExceeded => "DEADLINE_EXCEEDED",
        Code::NotFound => "NOT_FOUND",
        Code::AlreadyExists => "ALREADY_EXISTS",
        Code::PermissionDenied => "PERMISSION_DENIED",
        Code::ResourceExhausted => "RESOURCE_EXHAUSTED",
        Code::FailedPrecondition => "FAILED_PRECONDITION",
        Code::Aborted => "ABORTED",
        Code::OutOfRange => "OUT_OF_RANGE",
        Code::Unimplemented => "UNIMPLEMENTED",
        Code::Internal => "INTERNAL",
        Code::Unavailable => "UNAVAILABLE",
        Code::DataLoss => "DATA_LOSS",
        Code::Unauthenticated => "UNAUTHENTICATED",
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    fn from_error(error: impl Error + Send + Sync + 'static) -> Status {
        Status::from_error(Box::new(error))
    }

    #[test]
    fn reasons_are_short() {
        let refused = from_error(std::io::Error::from(ErrorKind::ConnectionRefused));
        assert_eq!(reason(&refused, ""), "connection refused");
        let text_only = Status::unknown("Service was not ready: Connection refused (os error 111)");
        assert_eq!(reason(&text_only, ""), "connection refused");
        let timeout = from_error(tonic::TimeoutExpired(()));
        assert_eq!(reason(&timeout, ""), "timed out");
        assert_eq!(reason(&Status::deadline_exceeded("late"), ""), "timed out");
        let unknown = Status::not_found("unknown service");
        assert_eq!(reason(&unknown, "billing"), r#"unknown service "billing""#);
        let unimplemented = Status::unimplemented("");
        assert_eq!(reason(&unimplemented, ""), "no grpc.health.v1 service");
        let other = Status::permission_denied("no");
        assert_eq!(reason(&other, ""), "PERMISSION_DENIED: no");
        let unreachable = from_error(std::io::Error::from(ErrorKind::HostUnreachable));
        assert_eq!(
            reason(&unreachable, ""),
            "UNKNOWN: host unreachable" // the message is the cause's text already
        );
        let mut wrapped = Status::unavailable("tcp connect error");
        wrapped.set_source(Arc::new(std::io::Error::other("no route to host")));
        assert_eq!(
            reason(&wrapped, ""),
            "UNAVAILABLE: tcp connect error: no route to host"
        );
    }

    #[test]
    fn a_long_message_is_cut() {
        let long = Status::internal("é".repeat(200));
        let text = reason(&long, "");
        assert!(text.starts_with("INTERNAL: é"), "{text}");
        assert!(text.ends_with('…'), "{text}");
        assert!(text.len() <= "INTERNAL: ".len() + MESSAGE_LIMIT + '…'.len_utf8());
    }
}
