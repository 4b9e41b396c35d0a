//! [`Meta`]: what the service says about itself in the IETF health+json format.

/// The service's identity in the IETF health+json format: `version`, `releaseId`,
/// `serviceId`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Meta {
    pub(crate) version: Option<String>,
    pub(crate) release_id: Option<String>,
    pub(crate) service_id: Option<String>,
}
