//! The model: pure data and the verdict rules, the first stage every other one reads.
//!
//! What the service is at one moment (its state: the lifecycle the application marks, every
//! [`Component`] and its [`ComponentStatus`]), what each [`Probe`] answers from it
//! ([`Status`]), and the [`Transition`]s a component goes through. No tasks, no I/O, no
//! HTTP serving: the engine writes results into this model through the
//! [`Health`](crate::health::Health) handle, and renderers, the layer and the integrations
//! read it.

#[cfg(feature = "probe-server")]
pub(crate) mod balance;
pub(crate) mod component;
pub(crate) mod demoting;
pub(crate) mod demotion;
pub(crate) mod flapping;
pub(crate) mod fleet;
pub(crate) mod gates;
pub(crate) mod group;
pub(crate) mod history;
pub(crate) mod lifecycle;
pub(crate) mod meta;
pub(crate) mod nesting;
pub(crate) mod owner;
pub(crate) mod path;
pub(crate) mod probe;
pub(crate) mod probe_set;
pub(crate) mod result;
pub(crate) mod scope;
pub(crate) mod state;
pub(crate) mod status;
pub(crate) mod target;
pub(crate) mod thresholds;
pub mod traffic;
pub(crate) mod transition;

pub use component::{Component, ComponentKind};
pub use demotion::Demotion;
pub use fleet::FleetView;
pub use group::Group;
pub use history::{HistoryEntry, HistoryEvent};
pub use owner::Owner;
pub use probe::Probe;
pub use probe_set::ProbeSet;
pub use status::{ComponentStatus, Status};
pub use traffic::{Traffic, TrafficFigures};
pub use transition::Transition;
