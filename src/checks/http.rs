//! An HTTP GET check over a hyper-util client.

use bytes::Bytes;
use http::Uri;
use http_body_util::Empty;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::{Connect, HttpConnector};
use hyper_util::rt::TokioExecutor;

use super::check::{Check, CheckFuture};
use super::error::CheckError;

/// Passes when a GET of `uri` answers 2xx, over a plain-HTTP client made for the check.
///
/// For `https` or custom settings, use [`http_with_client`] with your own client.
///
/// ```
/// use tower_health::{Health, checks};
///
/// let uri = "http://search.internal:9200/_cluster/health".parse().unwrap();
/// let health = Health::builder().check("search", checks::http(uri)).build();
/// ```
pub fn http(uri: Uri) -> HttpCheck<HttpConnector> {
    let client = Client::builder(TokioExecutor::new()).build(HttpConnector::new());
    http_with_client(client, uri)
}

/// Passes when a GET of `uri` through `client` answers 2xx.
pub fn http_with_client<C>(client: Client<C, Empty<Bytes>>, uri: Uri) -> HttpCheck<C>
where
    C: Connect + Clone + Send + Sync + 'static,
{
    HttpCheck { client, uri }
}

/// The check made by [`http()`] and [`http_with_client`].
#[derive(Debug, Clone)]
pub struct HttpCheck<C> {
    client: Client<C, Empty<Bytes>>,
    uri: Uri,
}

impl<C> Check for HttpCheck<C>
where
    C: Connect + Clone + Send + Sync + 'static,
{
    fn is_remote(&self) -> bool {
        true
    }

    fn check(&self) -> CheckFuture<'_> {
        Box::pin(async move {
            let uri = super::redact::redact(&self.uri.to_string());
            let response = self
                .client
                .get(self.uri.clone())
                .await
                .map_err(|error| describe(&uri, error))?;
            let status = response.status();
            if status.is_success() {
                Ok(())
            } else {
                Err(CheckError::new(format!("GET {uri}: status {status}")))
            }
        })
    }
}

/// A short reason: `connection refused` when that is what the connect met, else the client's
/// error with its sources.
fn describe(uri: &str, error: hyper_util::client::legacy::Error) -> CheckError {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&error);
    while let Some(cause) = source {
        if let Some(io) = cause.downcast_ref::<std::io::Error>()
            && io.kind() == std::io::ErrorKind::ConnectionRefused
        {
            return CheckError::new(format!("GET {uri}: connection refused"));
        }
        source = cause.source();
    }
    let message = CheckError::new(error).into_message();
    CheckError::new(format!("GET {uri}: {message}"))
}
