//! A TLS certificate check: the dates of the certificate an endpoint presents and, given a
//! root, its chain and name.

mod leaf;
mod verifier;

use std::path::PathBuf;
use std::time::Duration;

use rustls::pki_types::ServerName;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

use super::check::{Check, CheckFuture};
use super::error::CheckError;
use leaf::Leaf;

/// The gauge of seconds left before each TLS check's certificate expires (negative once
/// expired), labelled `check`: see `metrics::CERTIFICATE_EXPIRY`.
#[cfg(feature = "metrics")]
pub(crate) const EXPIRY_GAUGE: &str = "health_certificate_expiry_seconds";

/// Watches the TLS certificate `address` (`host:port`) presents: `degraded` within the
/// [warning window](TlsCheck::warn_before) before it expires (14 days by default), `down`
/// once it has expired, before it is valid, or when the handshake fails. The reason names
/// the subject and the expiry date: `CN=api.example.com expires 2026-12-08T10:00:00Z (in 2
/// days)`.
///
/// It is an expiry monitor first: it reads the presented (leaf) certificate's dates without
/// judging its chain, so internal and self-signed certificates are watched too (the
/// handshake's signatures are still verified). Given a root ([`root_pem_file`] or
/// [`root_pem`]), it also verifies the chain and the name against it, and a failure there
/// is `down` with the reason.
///
/// Each run opens a connection and completes a handshake, sending nothing else; the
/// engine's timeout bounds it. A refused port fails at once with `connection refused`. With
/// the `metrics` feature, each run that reads a certificate sets the gauge
/// `health_certificate_expiry_seconds{check="<name>"}` to the seconds left (negative once
/// expired), `<name>` the name the check is registered under.
///
/// ```no_run
/// use std::time::Duration;
/// use tower_health::{Health, NamedCheck, checks};
///
/// let health = Health::builder()
///     .add_check(
///         NamedCheck::new("certificate", checks::tls("api.example.com:443"))
///             .non_critical()
///             .interval(Duration::from_secs(3600)),
///     )
///     // An internal service, its chain and name verified against the company's root.
///     .check(
///         "billing-certificate",
///         checks::tls("10.0.0.7:8443")
///             .server_name("billing.internal")
///             .root_pem_file("/etc/ssl/internal-root.pem")
///             .warn_before(Duration::from_secs(30 * 24 * 3600)),
///     )
///     .build();
/// ```
///
/// [`root_pem_file`]: TlsCheck::root_pem_file
/// [`root_pem`]: TlsCheck::root_pem
pub fn tls(address: impl Into<String>) -> TlsCheck {
    TlsCheck {
        address: address.into(),
        server_name: None,
        warn_before: Duration::from_secs(14 * 24 * 3600),
        root: None,
        name: None,
    }
}

/// The check made by [`tls()`].
#[derive(Debug, Clone)]
#[must_use]
pub struct TlsCheck {
    address: String,
    server_name: Option<String>,
    warn_before: Duration,
    root: Option<Root>,
    /// The name it is registered under: the gauge's label.
    name: Option<String>,
}

/// Where the root certificates come from.
#[derive(Debug, Clone)]
enum Root {
    /// Read on each run, so a replaced file is taken up.
    File(PathBuf),
    Pem(Vec<u8>),
}

impl TlsCheck {
    /// The name sent in SNI, and verified against a given root: the address's host by
    /// default.
    pub fn server_name(mut self, name: impl Into<String>) -> Self {
        self.server_name = Some(name.into());
        self
    }

    /// How long before expiry the check turns `degraded` (14 days by default).
    pub fn warn_before(mut self, window: Duration) -> Self {
        self.warn_before = window;
        self
    }

    /// Verify the chain and the name against the root certificate(s) in this PEM file,
    /// read on each run (a missing or unreadable file fails the run).
    pub fn root_pem_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.root = Some(Root::File(path.into()));
        self
    }

    /// Verify the chain and the name against the root certificate(s) in `pem`.
    pub fn root_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.root = Some(Root::Pem(pem.into()));
        self
    }

    /// The host part of `host:port` (`[::1]:443` → `::1`).
    fn host(&self) -> &str {
        let host = self
            .address
            .rsplit_once(':')
            .map_or(self.address.as_str(), |(host, _)| host);
        host.strip_prefix('[')
            .and_then(|host| host.strip_suffix(']'))
            .unwrap_or(host)
    }

    async fn run(&self) -> Result<(), CheckError> {
        let address = &self.address;
        let root =
            match &self.root {
                None => None,
                Some(Root::Pem(pem)) => Some(pem.clone()),
                Some(Root::File(path)) => Some(std::fs::read(path).map_err(|error| {
                    CheckError::new(format!("root {}: {error}", path.display()))
                })?),
            };
        let config = verifier::config(root.as_deref()).map_err(CheckError::new)?;
        let name = self.server_name.as_deref().unwrap_or_else(|| self.host());
        let server_name = ServerName::try_from(name.to_owned())
            .map_err(|error| CheckError::new(format!("server name {name:?}: {error}")))?;
        let stream = TcpStream::connect(address.as_str())
            .await
            .map_err(|error| match error.kind() {
                std::io::ErrorKind::ConnectionRefused => {
                    CheckError::new(format!("connect {address}: connection refused"))
                }
                _ => CheckError::new(format!("connect {address}: {error}")),
            })?;
        let tls = TlsConnector::from(config)
            .connect(server_name, stream)
            .await
            .map_err(|error| CheckError::new(format!("handshake {address}: {error}")))?;
        let presented = tls.get_ref().1.peer_certificates().and_then(|c| c.first());
        let der = presented.ok_or_else(|| {
            CheckError::new(format!("handshake {address}: no certificate presented"))
        })?;
        let leaf = Leaf::parse(der).map_err(CheckError::new)?;
        let now = leaf::now();
        #[cfg(feature = "metrics")]
        if let Some(name) = &self.name {
            let left = leaf.seconds_left(now) as f64;
            ::metrics::gauge!(EXPIRY_GAUGE, "check" => name.clone()).set(left);
        }
        leaf.judge(now, self.warn_before)
    }
}

impl Check for TlsCheck {
    fn is_remote(&self) -> bool {
        true
    }

    fn set_name(&mut self, name: &str) {
        self.name = Some(name.to_owned());
    }

    fn check(&self) -> CheckFuture<'_> {
        Box::pin(self.run())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_server_name_defaults_to_the_host() {
        assert_eq!(tls("api.example.com:443").host(), "api.example.com");
        assert_eq!(tls("[::1]:8443").host(), "::1");
        assert_eq!(tls("127.0.0.1:443").host(), "127.0.0.1");
    }

    #[tokio::test]
    async fn a_bad_root_fails_the_run() {
        let error = tls("127.0.0.1:1").root_pem("not a pem").check().await;
        assert_eq!(
            error.unwrap_err().message(),
            "root: no certificate in the PEM"
        );
        let missing = tls("127.0.0.1:1").root_pem_file("/no/such/root.pem");
        let error = missing.check().await.unwrap_err();
        assert!(
            error.message().starts_with("root /no/such/root.pem: "),
            "{error}"
        );
    }
}
