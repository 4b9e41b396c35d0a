//! The configuration linter: a health configuration against the orchestrator's probe
//! settings.
//!
//! Describe the deployment ([`Deployment`], [`ProbeSettings`]) and ask the handle:
//! [`Health::lint`](crate::health::Health::lint) returns a [`ConfigWarning`] for each
//! mistake (and logs it). The rules here read the configuration only; they never run a
//! check.

mod demotion;
mod deployment;
mod detection;
mod rules;
mod settings;
mod warning;

pub use deployment::Deployment;
pub use detection::DetectionTime;
pub(crate) use detection::detection_times;
pub(crate) use rules::lint;
pub use settings::ProbeSettings;
pub use warning::ConfigWarning;
