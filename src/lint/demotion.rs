//! The demotion rule: a critical check an operator demoted no longer protects anything.

use tokio::time::Instant;

use crate::model::component::ComponentKind;
use crate::model::state::State;

/// A warning for each critical check or component of `state` demoted at `now`: what it no
/// longer does, until when, and, past its deadline, that it is restored.
pub(super) fn demoted(state: &State, now: Instant) -> Vec<String> {
    let critical = (state.components.iter()).filter(|(_, component)| component.is_critical());
    let demoted =
        critical.filter_map(|(name, component)| Some((name, component, component.demotion()?)));
    demoted
        .map(|(name, component, demotion)| {
            let what = match component.kind() {
                ComponentKind::Check => "critical check",
                _ => "critical component",
            };
            let until = demotion.until_text();
            match until {
                Some(until) if demotion.is_over(now) => format!(
                    "{what} {name:?} stayed demoted past its deadline ({until}): it is \
                     restored with the next snapshot and counts for its probes again"
                ),
                Some(_) => format!(
                    "{what} {name:?} is {demotion}: it fails no probe while demoted, so its \
                     failure takes no pod out of the Service; it restores itself at its \
                     deadline, restore it sooner once it is healthy"
                ),
                None => format!(
                    "{what} {name:?} is {demotion}, with no deadline: it fails no probe until \
                     an operator restores it; restore it once it is healthy, or demote it \
                     again with a deadline"
                ),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, SystemTime};

    use super::*;
    use crate::model::component::Component;
    use crate::model::demotion::{Deadline, Demotion};
    use crate::model::history::HistoryRule;

    fn demote(state: &mut State, name: &str, until: Option<Duration>, now: Instant) {
        let wall = SystemTime::now();
        let until = until.map(|until| Deadline::after(until, now, wall).unwrap());
        let demotion = Demotion::new("failover", until, now, wall);
        let component = state.components.get_mut(name).unwrap();
        component.demote(demotion, now, HistoryRule::default());
    }

    #[test]
    fn a_critical_demoted_member_is_said_until_restored() {
        let mut state = State::default();
        let check = |critical| Component::new(ComponentKind::Check, critical);
        state.components.insert("redis".into(), check(true));
        state.components.insert("search".into(), check(false));
        state
            .components
            .insert("queue".into(), Component::new(ComponentKind::Manual, true));
        let now = Instant::now();
        assert!(demoted(&state, now).is_empty());

        demote(&mut state, "search", None, now);
        assert!(
            demoted(&state, now).is_empty(),
            "non-critical: it only degraded"
        );

        demote(&mut state, "redis", Some(Duration::from_secs(600)), now);
        demote(&mut state, "queue", None, now);
        let warnings = demoted(&state, now);
        assert_eq!(warnings.len(), 2, "{warnings:?}");
        assert!(
            warnings[0].starts_with(
                "critical component \"queue\" is demoted by operator: failover, with no deadline"
            ),
            "{}",
            warnings[0]
        );
        assert!(
            warnings[1].starts_with("critical check \"redis\" is demoted by operator until "),
            "{}",
            warnings[1]
        );
        assert!(
            warnings[1].contains("restores itself at its deadline"),
            "{}",
            warnings[1]
        );

        let later = demoted(&state, now + Duration::from_secs(600));
        assert!(
            later[1].starts_with("critical check \"redis\" stayed demoted past its deadline ("),
            "{}",
            later[1]
        );
        let wall = SystemTime::now();
        state.restore("redis", now, wall, false).unwrap();
        state.restore("queue", now, wall, false).unwrap();
        assert!(demoted(&state, now).is_empty());
    }
}
