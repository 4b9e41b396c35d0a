//! [`Bodies`]: every body of one state, rendered once.

use std::sync::OnceLock;

use super::{Body, Variant, render};
use crate::model::scope::Scope;
use crate::model::state::State;
use crate::model::target::Target;

/// Every body for one state: target (probe or group) × [`Variant`] (format, details,
/// history), for the whole scope.
#[derive(Debug)]
pub(crate) struct Bodies {
    bodies: Box<[OnceLock<Body>]>,
}

impl Bodies {
    /// Render the default bodies (JSON, details withheld) at once; the rest on first use.
    pub(crate) fn new(state: &State) -> Self {
        let count = state.targets().count() * Variant::COUNT;
        let bodies = Bodies {
            bodies: (0..count).map(|_| OnceLock::new()).collect(),
        };
        for target in state.targets() {
            let body = render(state, target, Scope::All, Variant::DEFAULT);
            let _ = bodies.bodies[Self::index(target, Variant::DEFAULT)].set(body);
        }
        bodies
    }

    fn index(target: Target, variant: Variant) -> usize {
        target.index() * Variant::COUNT + variant.index()
    }

    /// The `variant` body for `target`, rendered from `state` (the state these bodies
    /// belong to) on first use.
    pub(crate) fn get(&self, state: &State, target: Target, variant: Variant) -> &Body {
        self.bodies[Self::index(target, variant)]
            .get_or_init(|| render(state, target, Scope::All, variant))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::probe::Probe;
    use crate::render::Format;

    #[test]
    fn bodies_follow_the_state_and_carry_their_length() {
        let mut state = State::default();
        let bodies = Bodies::new(&state);
        let startup = bodies.get(&state, Probe::Startup.into(), Variant::DEFAULT);
        assert!(!startup.passing);
        assert_eq!(
            startup.bytes.as_ref(),
            br#"{"status":"down","reason":"starting"}"#
        );
        assert_eq!(startup.length, startup.bytes.len().to_string());
        state.lifecycle.started = true;
        let bodies = Bodies::new(&state);
        let verbose = Variant {
            format: Format::Verbose,
            ..Variant::DEFAULT
        };
        let startup = bodies.get(&state, Probe::Startup.into(), verbose);
        assert!(startup.passing);
        assert_eq!(startup.format, Format::Verbose);
    }
}
