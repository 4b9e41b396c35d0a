//! [`AddError`], [`RemoveError`] and [`DemoteError`]: why a check added, a check or
//! component removed, demoted or restored while running was refused.

use std::time::Duration;

use crate::model::owner::Owner;

/// Why [`Health::add_check`](super::Health::add_check) refused a check. Nothing changed:
/// what has the name keeps it.
///
/// ```
/// use tower_health::health::{AddError, Holder};
/// use tower_health::{Health, NamedCheck};
///
/// let health = Health::builder().component("database").build();
/// let error = health
///     .add_check(NamedCheck::new("database", || async { Ok::<(), String>(()) }))
///     .unwrap_err();
/// assert_eq!(
///     error,
///     AddError::NameTaken { name: "database".into(), by: Holder::Component }
/// );
/// assert_eq!(error.to_string(), "\"database\" is taken by a manual component");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AddError {
    /// The name is already a check's, a component's or a group's. A check is never
    /// replaced silently: [remove](super::Health::remove) it first.
    NameTaken {
        /// The name asked for.
        name: String,
        /// What has it.
        by: Holder,
    },
    /// The name cannot be a check's: empty, or a [shared](crate::NamedCheck::shared)
    /// check's name that cannot be part of a path.
    InvalidName {
        /// The name asked for.
        name: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The check counts for [startup](crate::Probe::Startup), and the service has started:
    /// startup is a latch, which a new member that has not passed yet would undo (readiness
    /// would answer `starting` again). Add it without the startup probe.
    StartupPassed {
        /// The name asked for.
        name: String,
    },
}

/// What has a name [`Health::add_check`](super::Health::add_check) was asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Holder {
    /// A dependency check.
    Check,
    /// A manual component ([`mark_up`](super::Health::mark_up), the builder's `component`).
    Component,
    /// A component a part of tower-health keeps: the traffic component, the watchdog's.
    Owned(Owner),
    /// A [group](crate::Group): the names of groups and components share the gRPC service
    /// names.
    Group,
}

impl std::fmt::Display for Holder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Holder::Check => f.write_str("a check"),
            Holder::Component => f.write_str("a manual component"),
            Holder::Owned(owner) => write!(f, "a component of {owner}"),
            Holder::Group => f.write_str("a group"),
        }
    }
}

impl std::fmt::Display for AddError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AddError::NameTaken { name, by } => write!(f, "{name:?} is taken by {by}"),
            AddError::InvalidName { reason, .. } => f.write_str(reason),
            AddError::StartupPassed { name } => write!(
                f,
                "{name:?} counts for startup, which has passed: add it without Probe::Startup"
            ),
        }
    }
}

impl std::error::Error for AddError {}

/// Why [`Health::remove`](super::Health::remove) refused. Nothing changed.
///
/// ```
/// use tower_health::health::RemoveError;
/// use tower_health::model::Owner;
/// use tower_health::{Health, Traffic};
///
/// let health = Health::builder().traffic(Traffic::new()).build();
/// assert_eq!(
///     health.remove("search"),
///     Err(RemoveError::Unknown { name: "search".into() })
/// );
/// assert_eq!(
///     health.remove("traffic"),
///     Err(RemoveError::Owned { name: "traffic".into(), by: Owner::Traffic })
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RemoveError {
    /// No check or component has the name.
    Unknown {
        /// The name asked for.
        name: String,
    },
    /// A part of tower-health keeps the component and would go on writing it: turn that
    /// part off instead (do not observe traffic, do not run the watchdog).
    Owned {
        /// The name asked for.
        name: String,
        /// Who keeps it.
        by: Owner,
    },
}

impl std::fmt::Display for RemoveError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RemoveError::Unknown { name } => write!(f, "no check or component is named {name:?}"),
            RemoveError::Owned { name, by } => {
                write!(f, "{name:?} is kept by {by}, not removed by hand")
            }
        }
    }
}

impl std::error::Error for RemoveError {}

/// Why [`Health::demote`](super::Health::demote) or [`Health::restore`](super::Health::restore)
/// refused. Nothing changed.
///
/// ```
/// use std::time::Duration;
/// use tower_health::health::DemoteError;
/// use tower_health::Health;
///
/// let health = Health::builder().component("redis").build();
/// assert_eq!(
///     health.demote("search", "reindexing", None),
///     Err(DemoteError::Unknown { name: "search".into() })
/// );
/// assert_eq!(
///     health.demote("redis", " ", None),
///     Err(DemoteError::InvalidReason { name: "redis".into() })
/// );
/// assert_eq!(
///     health.restore("redis"),
///     Err(DemoteError::NotDemoted { name: "redis".into() })
/// );
/// let error = health.demote("redis", "failover", Some(Duration::ZERO)).unwrap_err();
/// assert_eq!(
///     error.to_string(),
///     "a demotion of \"redis\" cannot last 0ns: more than zero, ending by year 9999"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DemoteError {
    /// No check or component has the name (`demote` and `restore`).
    Unknown {
        /// The name asked for.
        name: String,
    },
    /// The reason is blank (`demote`): a demotion says why, in every view and in its
    /// history. Or it holds a control character: a line break would forge lines of the
    /// `?verbose` body.
    InvalidReason {
        /// The name asked for.
        name: String,
    },
    /// The duration is zero, or ends past what the clocks (or RFC 3339: year 9999) can
    /// hold (`demote`). No duration at all is a demotion until restored.
    Deadline {
        /// The name asked for.
        name: String,
        /// The duration given.
        duration: Duration,
    },
    /// It is not demoted (`restore`): nothing to restore.
    NotDemoted {
        /// The name asked for.
        name: String,
    },
}

impl std::fmt::Display for DemoteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DemoteError::Unknown { name } => write!(f, "no check or component is named {name:?}"),
            DemoteError::InvalidReason { name } => write!(
                f,
                "a demotion of {name:?} needs a reason, on one line without control characters"
            ),
            DemoteError::Deadline { name, duration } => write!(
                f,
                "a demotion of {name:?} cannot last {duration:?}: more than zero, ending by year 9999"
            ),
            DemoteError::NotDemoted { name } => write!(f, "{name:?} is not demoted"),
        }
    }
}

impl std::error::Error for DemoteError {}
