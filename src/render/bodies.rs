//! [`Bodies`]: every body of one state, rendered once.

use std::sync::OnceLock;

use super::{Body, Format, render};
use crate::model::scope::Scope;
use crate::model::state::State;
use crate::model::target::Target;

/// Every body for one state: target (probe or group) × format × details, for the whole
/// scope.
#[derive(Debug)]
pub(crate) struct Bodies {
    bodies: Box<[OnceLock<Body>]>,
}

impl Bodies {
    /// Render the default bodies (JSON, details withheld) at once; the rest on first use.
    pub(crate) fn new(state: &State) -> Self {
        let count = state.targets().count() * Format::ALL.len() * 2;
        let bodies = Bodies {
            bodies: (0..count).map(|_| OnceLock::new()).collect(),
        };
        for target in state.targets() {
            let body = render(state, target, Scope::All, Format::Json, false);
            let _ = bodies.bodies[Self::index(target, Format::Json, false)].set(body);
        }
        bodies
    }

    fn index(target: Target, format: Format, reveal: bool) -> usize {
        (target.index() * Format::ALL.len() + format.index()) * 2 + usize::from(reveal)
    }

    /// The body for `target` in `format`, rendered from `state` (the state these bodies
    /// belong to) on first use.
    pub(crate) fn get(&self, state: &State, target: Target, format: Format, reveal: bool) -> &Body {
        self.bodies[Self::index(target, format, reveal)]
            .get_or_init(|| render(state, target, Scope::All, format, reveal))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::probe::Probe;

    #[test]
    fn bodies_follow_the_state_and_carry_their_length() {
        let mut state = State::default();
        let bodies = Bodies::new(&state);
        let startup = bodies.get(&state, Probe::Startup.into(), Format::Json, false);
        assert!(!startup.passing);
        assert_eq!(
            startup.bytes.as_ref(),
            br#"{"status":"down","reason":"starting"}"#
        );
        assert_eq!(startup.length, startup.bytes.len().to_string());
        state.lifecycle.started = true;
        let bodies = Bodies::new(&state);
        let startup = bodies.get(&state, Probe::Startup.into(), Format::Verbose, false);
        assert!(startup.passing);
        assert_eq!(startup.format, Format::Verbose);
    }
}
