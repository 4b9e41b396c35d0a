//! [`Bodies`]: every body of one state, rendered once.

use std::sync::OnceLock;

use super::{Body, Format, render};
use crate::model::probe::Probe;
use crate::model::scope::Scope;
use crate::model::state::State;

/// Every body for one state: probe × format × details, for the whole scope.
#[derive(Debug)]
pub(crate) struct Bodies {
    bodies: [OnceLock<Body>; Probe::ALL.len() * Format::ALL.len() * 2],
}

impl Bodies {
    /// Render the default bodies (JSON, details withheld) at once; the rest on first use.
    pub(crate) fn new(state: &State) -> Self {
        let bodies = Bodies {
            bodies: std::array::from_fn(|_| OnceLock::new()),
        };
        for probe in Probe::ALL {
            let body = render(state, probe, Scope::All, Format::Json, false);
            let _ = bodies.bodies[Self::index(probe, Format::Json, false)].set(body);
        }
        bodies
    }

    fn index(probe: Probe, format: Format, reveal: bool) -> usize {
        (probe.index() * Format::ALL.len() + format.index()) * 2 + usize::from(reveal)
    }

    /// The body in `format`, rendered from `state` (the state these bodies belong to) on
    /// first use.
    pub(crate) fn get(&self, state: &State, probe: Probe, format: Format, reveal: bool) -> &Body {
        self.bodies[Self::index(probe, format, reveal)]
            .get_or_init(|| render(state, probe, Scope::All, format, reveal))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::status::Status;

    #[test]
    fn bodies_follow_the_state_and_carry_their_length() {
        let mut state = State::default();
        let bodies = Bodies::new(&state);
        let startup = bodies.get(&state, Probe::Startup, Format::Json, false);
        assert_eq!(startup.status, Status::Down);
        assert_eq!(
            startup.bytes.as_ref(),
            br#"{"status":"down","reason":"starting"}"#
        );
        assert_eq!(startup.length, startup.bytes.len().to_string());
        state.lifecycle.started = true;
        let bodies = Bodies::new(&state);
        let startup = bodies.get(&state, Probe::Startup, Format::Verbose, false);
        assert_eq!(startup.status, Status::Ok);
        assert_eq!(startup.format, Format::Verbose);
    }
}
