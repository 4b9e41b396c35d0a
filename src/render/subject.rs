//! [`Subject`]: what one body is rendered from, and the reading every format shares.

use std::borrow::Cow;

use crate::model::component::Component;
use crate::model::probe::Probe;
use crate::model::scope::Scope;
use crate::model::state::State;
use crate::model::status::Status;
use crate::model::target::Target;

/// What one body is rendered from: the state, the probe or group and the scope asked for,
/// their verdict and whether it passes, and whether details are revealed.
#[derive(Debug, Clone, Copy)]
pub(super) struct Subject<'a> {
    pub(super) state: &'a State,
    pub(super) target: Target,
    pub(super) scope: Scope<'a>,
    pub(super) status: Status,
    pub(super) passing: bool,
    pub(super) reveal: bool,
    /// Whether each listed component's history is shown.
    pub(super) history: bool,
}

impl<'a> Subject<'a> {
    pub(super) fn new(state: &'a State, target: Target, scope: Scope<'a>, reveal: bool) -> Self {
        let status = state.verdict(target, scope);
        Subject {
            state,
            target,
            scope,
            status,
            passing: state.passes(target, status),
            reveal,
            history: false,
        }
    }

    /// The same subject, showing each listed component's history or not.
    pub(super) fn with_history(self, history: bool) -> Self {
        Subject { history, ..self }
    }

    /// The built-in probe the body is for, if it is one.
    pub(super) fn probe(&self) -> Option<Probe> {
        self.target.probe()
    }

    /// The components the body lists: the target's members (every component for the
    /// combined probe), or the one component of a `/<path>/<name>` request.
    pub(super) fn listed(&self) -> impl Iterator<Item = (&'a str, &'a Component)> + use<'a> {
        let Subject {
            state,
            target,
            scope,
            ..
        } = *self;
        state
            .components
            .iter()
            .filter(move |(name, component)| match scope {
                Scope::Only(only) => only == name.as_str(),
                _ => scope.counts(name) && state.lists(target, name, component),
            })
            .map(|(name, component)| (name.as_str(), component))
    }

    /// The target's optional members this deployment does not have (a group's only),
    /// unless the body answers for one component or the name is excluded.
    pub(super) fn absent(&self) -> impl Iterator<Item = &'a str> + use<'a> {
        let Subject {
            state,
            target,
            scope,
            ..
        } = *self;
        let whole = !matches!(scope, Scope::Only(_));
        state
            .absent(target)
            .filter(move |name| whole && scope.counts(name))
    }

    /// Whether the body has a `checks` listing: always for readiness, the combined probe
    /// and groups; for liveness and startup only when they have members.
    pub(super) fn has_listing(&self) -> bool {
        match self.probe() {
            Some(Probe::Liveness | Probe::Startup) => self.listed().next().is_some(),
            _ => true,
        }
    }

    /// The reason the body gives: the lifecycle's, if the probe fails for one, else why it
    /// holds although critical members fail ([`fleet_reason`](Self::fleet_reason)).
    pub(super) fn reason(&self) -> Option<String> {
        self.lifecycle_reason().or_else(|| self.fleet_reason())
    }

    /// The lifecycle reason the probe fails for, if any.
    pub(super) fn lifecycle_reason(&self) -> Option<String> {
        let state = self.state;
        let lifecycle = &state.lifecycle;
        if let Scope::Only(_) = self.scope {
            return None;
        }
        match self.probe() {
            Some(Probe::Liveness) => lifecycle.broken.as_ref().map(|broken| match self.reveal {
                true => format!("broken: {broken}"),
                false => "broken".to_owned(),
            }),
            Some(Probe::Startup) => state.startup_reason().map(Cow::into_owned),
            _ => state.lifecycle_reason().map(Cow::into_owned),
        }
    }

    /// The start-up gates a body names, while start-up waits for them or failed: the tasks
    /// still holding one, then those that panicked. None for liveness (start-up is none of
    /// its business) or a `/<path>/<name>` answer.
    pub(super) fn gates(&self) -> (Vec<&'a str>, Vec<&'a str>) {
        let gates = &self.state.lifecycle.gates;
        if matches!(self.scope, Scope::Only(_)) || self.probe() == Some(Probe::Liveness) {
            return (Vec::new(), Vec::new());
        }
        (gates.closed().collect(), gates.panicked().collect())
    }

    /// Why the verdict holds although critical members fail: their outage is fleet-wide
    /// (`redis down across the fleet (2/2 peers)`, `; `-separated). Readiness, the combined
    /// probe and groups only, never a `/<path>/<name>` answer (the check's own status).
    pub(super) fn fleet_reason(&self) -> Option<String> {
        if matches!(self.scope, Scope::Only(_))
            || matches!(self.probe(), Some(Probe::Liveness | Probe::Startup))
        {
            return None;
        }
        let held: Vec<String> = self
            .state
            .held(self.target)
            .filter(|(name, _)| self.scope.counts(name))
            .filter_map(|(name, component)| Some(format!("{name} {}", component.fleet()?)))
            .collect();
        (!held.is_empty()).then(|| held.join("; "))
    }

    /// The name the verdict is given under: the probe's, the group's, or the component's
    /// for a `/<path>/<name>` request.
    pub(super) fn name(&self) -> &'a str {
        match self.scope {
            Scope::Only(name) => name,
            _ => self.state.name(self.target),
        }
    }

    /// The names in `?exclude=`, as the request sent them (each once).
    pub(super) fn excluded(&self) -> &'a [&'a str] {
        match self.scope {
            Scope::Exclude(names) => names,
            _ => &[],
        }
    }

    /// Names in `?exclude=` that match no component.
    pub(super) fn unmatched(&self) -> impl Iterator<Item = &'a str> + use<'a> {
        let state = self.state;
        (self.excluded().iter().copied()).filter(move |name| !state.components.contains_key(*name))
    }
}
