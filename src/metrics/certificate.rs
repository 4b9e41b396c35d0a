//! The TLS check's gauge: seconds left before each watched certificate expires.
//!
//! The check sets it itself on each run that reads a certificate, labelled with the name it
//! is registered under (checks come before metrics in the flow, so the gauge's name lives
//! with the check and is re-exported here); this module describes it.

use metrics::{Unit, describe_gauge};

/// Seconds left before each TLS check's certificate expires, negative once expired
/// (`check` label).
pub const CERTIFICATE_EXPIRY: &str = crate::checks::tls::EXPIRY_GAUGE;

/// Describe the gauge, with the crate's other metrics.
pub(super) fn describe() {
    describe_gauge!(
        CERTIFICATE_EXPIRY,
        Unit::Seconds,
        "Seconds left before each TLS health check's certificate expires, negative once expired."
    );
}
