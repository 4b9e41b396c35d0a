//! Every series of a state written again, changed or not: what keeps the series of what is
//! still there alive in an exporter that drops idle ones.

use ::metrics::gauge;

use super::{CHECK_DOWN_ACROSS_FLEET, CHECK_FAILURES};
use crate::model::component::ComponentKind;
use crate::model::state::State;

/// Write every gauge of `state` again: each probe's and group's verdict, each component's
/// status, flapping, criticality and demotion ([`record_state`](super::record_state)), and each
/// check's failures in a row and, when shared, whether it is down across the fleet.
///
/// Histograms and counters are not: a sample or an increment is an event, and there is
/// none to write.
pub(crate) fn refresh(state: &State) {
    super::record_state(state);
    let checks = (state.components.iter()).filter(|(_, c)| c.kind() == ComponentKind::Check);
    for (name, component) in checks {
        gauge!(CHECK_FAILURES, "check" => name.to_owned())
            .set(f64::from(component.consecutive_failures()));
        if component.is_shared() {
            let fleet_wide = f64::from(u8::from(component.is_down_across_the_fleet()));
            gauge!(CHECK_DOWN_ACROSS_FLEET, "check" => name.to_owned()).set(fleet_wide);
        }
    }
}
