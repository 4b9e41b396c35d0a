//! [`Lifecycle`]: what the application said about itself.

use tokio::time::Instant;

use super::gates::Gates;

/// What the application said about itself: started, the start-up gates, draining, refusing
/// traffic, broken, in maintenance.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Lifecycle {
    pub(crate) started: bool,
    pub(crate) gates: Gates,
    pub(crate) draining: bool,
    pub(crate) refusing: Option<String>,
    pub(crate) broken: Option<String>,
    pub(crate) maintenance: Option<Maintenance>,
}

/// Out of service for maintenance, until lifted or until a moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Maintenance {
    pub(crate) reason: String,
    pub(crate) until: Option<Instant>,
}
