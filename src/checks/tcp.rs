//! A TCP connect check.

use super::check::{Check, CheckFuture};
use super::error::CheckError;

/// Passes when a TCP connection to `address` (`host:port`, resolved on each run) opens.
///
/// ```
/// use tower_health::{Health, checks};
///
/// let health = Health::builder().check("broker", checks::tcp("127.0.0.1:9092")).build();
/// ```
pub fn tcp(address: impl Into<String>) -> TcpCheck {
    TcpCheck {
        address: address.into(),
    }
}

/// The check made by [`tcp`].
#[derive(Debug, Clone)]
pub struct TcpCheck {
    address: String,
}

impl Check for TcpCheck {
    fn is_remote(&self) -> bool {
        true
    }

    fn component_type(&self) -> &'static str {
        "system"
    }

    fn check(&self) -> CheckFuture<'_> {
        Box::pin(async move {
            tokio::net::TcpStream::connect(self.address.as_str())
                .await
                .map(drop)
                .map_err(|error| {
                    let address = &self.address;
                    if error.kind() == std::io::ErrorKind::ConnectionRefused {
                        CheckError::new(format!("connect {address}: connection refused"))
                    } else {
                        CheckError::new(format!("connect {address}: {error}"))
                    }
                })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn passes_on_a_listener_and_fails_on_a_closed_port() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap().to_string();
        assert!(tcp(address.clone()).check().await.is_ok());
        drop(listener);
        let error = tcp(address.clone()).check().await.unwrap_err();
        assert!(
            error.message().starts_with(&format!("connect {address}: ")),
            "{error}"
        );
        assert!(tcp("no-such-host.invalid:1").check().await.is_err());
    }
}
