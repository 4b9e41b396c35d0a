//! [`Subject`]: what one body is rendered from, and the reading every format shares.

use crate::model::component::Component;
use crate::model::probe::Probe;
use crate::model::scope::Scope;
use crate::model::state::State;
use crate::model::status::Status;

/// What one body is rendered from: the state, the probe and scope asked for, their verdict,
/// and whether details are revealed.
#[derive(Debug, Clone, Copy)]
pub(super) struct Subject<'a> {
    pub(super) state: &'a State,
    pub(super) probe: Probe,
    pub(super) scope: Scope<'a>,
    pub(super) status: Status,
    pub(super) reveal: bool,
}

impl<'a> Subject<'a> {
    pub(super) fn new(state: &'a State, probe: Probe, scope: Scope<'a>, reveal: bool) -> Self {
        Subject {
            state,
            probe,
            scope,
            status: state.verdict(probe, scope),
            reveal,
        }
    }

    /// The components the body lists: none for liveness and startup.
    pub(super) fn listed(&self) -> impl Iterator<Item = (&'a str, &'a Component)> + use<'a> {
        let listed = matches!(self.probe, Probe::Readiness | Probe::Combined);
        let scope = self.scope;
        self.state
            .components
            .iter()
            .filter(move |(name, _)| listed && scope.counts(name))
            .map(|(name, component)| (name.as_str(), component))
    }

    /// The lifecycle reason the body gives, if the probe fails for one.
    pub(super) fn reason(&self) -> Option<String> {
        let state = self.state;
        let lifecycle = &state.lifecycle;
        match (self.probe, self.scope) {
            (_, Scope::Only(_)) => None,
            (Probe::Liveness, _) => lifecycle.broken.as_ref().map(|broken| match self.reveal {
                true => format!("broken: {broken}"),
                false => "broken".to_owned(),
            }),
            (Probe::Startup, _) => (!state.is_started()).then(|| "starting".to_owned()),
            (Probe::Readiness | Probe::Combined, _) => state.lifecycle_reason().map(str::to_owned),
        }
    }

    /// Names in `?exclude=` that match no component.
    pub(super) fn unmatched(&self) -> Vec<&'a str> {
        match self.scope {
            Scope::Exclude(names) => names
                .iter()
                .copied()
                .filter(|name| !self.state.components.contains_key(*name))
                .collect(),
            _ => Vec::new(),
        }
    }
}
