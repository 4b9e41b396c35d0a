//! [`History`]: the last status changes of one component, for the people reading it.

use std::collections::VecDeque;
use std::time::{Duration, SystemTime};

use super::flapping::FlapRule;
use super::status::ComponentStatus;

/// The longest error text an entry keeps, in bytes: a history's memory is bounded whatever
/// a check's errors say.
pub(crate) const ERROR_LIMIT: usize = 256;

/// One past change of a component, from its [history](super::Component::history): a
/// change of status, or an operator's [demotion](crate::health::Health::demote) and its end
/// (see [`event`](HistoryEntry::event)).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct HistoryEntry {
    /// When it changed (wall-clock time).
    pub at: SystemTime,
    /// The status before.
    pub from: ComponentStatus,
    /// The status after (the same as `from` for a demotion or a restoration).
    pub to: ComponentStatus,
    /// How long the status before lasted (from registration, for the first change); for a
    /// demotion, how long its status had lasted then; for a restoration, how long the
    /// demotion lasted.
    pub lasted: Duration,
    /// The error behind a failing status, cut at 256 bytes. Bodies show it only where
    /// details are revealed.
    pub error: Option<String>,
    /// What happened: a change of status, a demotion, a restoration.
    pub event: HistoryEvent,
}

/// What a [`HistoryEntry`] records.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum HistoryEvent {
    /// Its status changed, from `from` to `to`.
    StatusChange,
    /// An operator [demoted](crate::health::Health::demote) it to report-only.
    Demoted {
        /// Why, as the operator said it (cut at 256 bytes).
        reason: String,
        /// When the demotion was to end by itself, if it had a deadline.
        until: Option<SystemTime>,
    },
    /// Its demotion ended: it counts for its probes and groups again.
    Restored {
        /// `true` when its deadline passed, `false` when an operator
        /// [restored](crate::health::Health::restore) it.
        by_deadline: bool,
    },
}

impl HistoryEntry {
    pub(crate) fn new(
        at: SystemTime,
        from: ComponentStatus,
        to: ComponentStatus,
        lasted: Duration,
        error: Option<&str>,
    ) -> Self {
        HistoryEntry {
            at,
            from,
            to,
            lasted,
            error: error.map(cut),
            event: HistoryEvent::StatusChange,
        }
    }

    /// An entry for `event` (a demotion or a restoration) at `at`, the status staying
    /// `status`.
    pub(crate) fn event_at(
        at: SystemTime,
        status: ComponentStatus,
        lasted: Duration,
        event: HistoryEvent,
    ) -> Self {
        HistoryEntry {
            at,
            from: status,
            to: status,
            lasted,
            error: None,
            event,
        }
    }

    /// Whether it records a change of status (not a demotion or a restoration).
    pub fn is_status_change(&self) -> bool {
        self.event == HistoryEvent::StatusChange
    }
}

/// What the state remembers of each component's past: how many changes, and the rule that
/// tells a flapping component.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct HistoryRule {
    /// Changes kept per component (the oldest is dropped beyond it).
    pub(crate) length: usize,
    pub(crate) flap: FlapRule,
}

impl Default for HistoryRule {
    /// The last 20 changes; flapping at 5 changes within 10 minutes.
    fn default() -> Self {
        HistoryRule {
            length: 20,
            flap: FlapRule::default(),
        }
    }
}

/// The last status changes of one component, oldest first, at most the rule's length.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct History {
    entries: VecDeque<HistoryEntry>,
}

impl History {
    /// Add `entry`, dropping the oldest beyond `length` entries.
    pub(crate) fn push(&mut self, entry: HistoryEntry, length: usize) {
        if length == 0 {
            return;
        }
        while self.entries.len() >= length {
            self.entries.pop_front();
        }
        self.entries.push_back(entry);
    }

    /// The entries, oldest first.
    pub(crate) fn entries(&self) -> impl ExactSizeIterator<Item = &HistoryEntry> {
        self.entries.iter()
    }
}

/// `error`, cut on a character boundary at [`ERROR_LIMIT`] bytes (`…` marks the cut).
pub(crate) fn cut(error: &str) -> String {
    if error.len() <= ERROR_LIMIT {
        return error.to_owned();
    }
    let mut end = ERROR_LIMIT - '…'.len_utf8();
    while !error.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &error[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(error: Option<&str>) -> HistoryEntry {
        let (from, to) = (ComponentStatus::Up, ComponentStatus::Down);
        HistoryEntry::new(SystemTime::UNIX_EPOCH, from, to, Duration::ZERO, error)
    }

    #[test]
    fn keeps_the_last_entries_oldest_first() {
        let mut history = History::default();
        for n in 0..50u64 {
            let mut next = entry(None);
            next.lasted = Duration::from_secs(n);
            history.push(next, 20);
        }
        let lasted: Vec<u64> = history.entries().map(|e| e.lasted.as_secs()).collect();
        assert_eq!(lasted, (30..50).collect::<Vec<_>>());
        let mut none = History::default();
        none.push(entry(None), 0);
        assert_eq!(none.entries().len(), 0, "length 0 keeps nothing");
    }

    #[test]
    fn long_errors_are_cut_on_a_character_boundary() {
        assert_eq!(entry(Some("refused")).error.as_deref(), Some("refused"));
        let long = "é".repeat(400);
        let kept = entry(Some(&long)).error.unwrap();
        assert!(kept.len() <= ERROR_LIMIT, "{}", kept.len());
        assert!(kept.ends_with('…'));
        assert!(kept.trim_end_matches('…').chars().all(|c| c == 'é'));
    }
}
