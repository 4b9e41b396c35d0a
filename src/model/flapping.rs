//! [`Flapping`]: a component that changes status too often, and when it has settled.

use std::collections::VecDeque;
use std::time::Duration;

use tokio::time::Instant;

/// When a component counts as flapping: at least `changes` status changes within `window`
/// (Nagios-style flap detection). It stays flapping until it settles: a whole `window`
/// without a change. `changes` of 0 turns detection off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FlapRule {
    pub(crate) changes: u32,
    pub(crate) window: Duration,
}

impl Default for FlapRule {
    /// 5 changes within 10 minutes.
    fn default() -> Self {
        FlapRule {
            changes: 5,
            window: Duration::from_secs(600),
        }
    }
}

/// The recent status changes of one component, and whether they make it flapping. Keeps
/// at most `changes` instants, whatever the churn.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Flapping {
    /// The last status changes, oldest first.
    recent: VecDeque<Instant>,
    flapping: bool,
}

impl Flapping {
    /// Whether the component is flapping.
    pub(crate) fn is_flapping(&self) -> bool {
        self.flapping
    }

    /// How many status changes it remembers (at most the rule's `changes`).
    #[cfg(test)]
    pub(crate) fn remembered(&self) -> usize {
        self.recent.len()
    }

    /// Note a status change at `now`. Returns whether the component started flapping with it.
    pub(crate) fn change(&mut self, now: Instant, rule: FlapRule) -> bool {
        let keep = rule.changes as usize;
        if keep == 0 {
            return false;
        }
        if self.recent.len() == keep {
            self.recent.pop_front();
        }
        self.recent.push_back(now);
        let started = !self.flapping
            && self.recent.len() == keep
            && self
                .recent
                .front()
                .is_some_and(|&first| now - first <= rule.window);
        self.flapping |= started;
        started
    }

    /// When it settles, while flapping: a whole window after its last change.
    pub(crate) fn settles_at(&self, rule: FlapRule) -> Option<Instant> {
        let last = self.recent.back().filter(|_| self.flapping)?;
        Some(*last + rule.window)
    }

    /// Clear flapping once it has settled by `now`. Returns whether it did.
    pub(crate) fn settle(&mut self, now: Instant, rule: FlapRule) -> bool {
        if self.settles_at(rule).is_none_or(|at| at > now) {
            return false;
        }
        self.flapping = false;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULE: FlapRule = FlapRule {
        changes: 3,
        window: Duration::from_secs(60),
    };

    #[test]
    fn the_nth_change_within_the_window_sets_it_and_a_quiet_window_clears_it() {
        let start = Instant::now();
        let at = |secs| start + Duration::from_secs(secs);
        let mut flapping = Flapping::default();
        assert!(!flapping.change(at(0), RULE));
        assert!(!flapping.change(at(30), RULE));
        assert!(flapping.change(at(60), RULE), "3 changes within 60 s");
        assert!(flapping.is_flapping());
        assert!(!flapping.change(at(70), RULE), "started once");
        assert_eq!(flapping.settles_at(RULE), Some(at(130)));
        assert!(!flapping.settle(at(129), RULE), "a change 59 s ago");
        assert!(flapping.is_flapping());
        assert!(flapping.settle(at(130), RULE));
        assert!(!flapping.is_flapping());
        assert_eq!(flapping.settles_at(RULE), None);
        assert!(!flapping.settle(at(200), RULE), "cleared once");
    }

    #[test]
    fn changes_spread_wider_than_the_window_never_flap() {
        let start = Instant::now();
        let mut flapping = Flapping::default();
        for step in 0..100 {
            let now = start + Duration::from_secs(31 * step);
            assert!(!flapping.change(now, RULE), "step {step}");
        }
        assert!(!flapping.is_flapping());
        assert_eq!(flapping.remembered(), 3, "bounded by the rule");
    }

    #[test]
    fn zero_changes_turns_detection_off() {
        let rule = FlapRule { changes: 0, ..RULE };
        let now = Instant::now();
        let mut flapping = Flapping::default();
        for _ in 0..10 {
            assert!(!flapping.change(now, rule));
        }
        assert_eq!(flapping.remembered(), 0);
    }
}
