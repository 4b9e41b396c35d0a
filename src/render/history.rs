//! A component's history as JSON (`?history`), shared by the crate's JSON and health+json.

use serde::ser::{Serialize, SerializeMap, Serializer};

use crate::model::component::Component;
use crate::model::history::{HistoryEntry, HistoryEvent};

/// A component's last status changes, oldest first: `[{"at": …, "from": "ok", "to":
/// "down", "lasted_ms": 61000, "error": …}]`, the error only when details are revealed. An
/// operator's demotion and its end are entries too, their status unchanged:
/// `"event": "demoted"` with the `reason` and the `until` of a deadline, `"event":
/// "restored"` with `"by": "operator"` or `"deadline"` (`lasted_ms`: how long it was
/// demoted).
pub(super) struct History<'a> {
    pub(super) component: &'a Component,
    pub(super) reveal: bool,
}

impl Serialize for History<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let reveal = self.reveal;
        serializer.collect_seq(
            self.component
                .history()
                .map(|entry| Entry { entry, reveal }),
        )
    }
}

struct Entry<'a> {
    entry: &'a HistoryEntry,
    reveal: bool,
}

impl Serialize for Entry<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let entry = self.entry;
        let mut map = serializer.serialize_map(None)?;
        let at = humantime::format_rfc3339_millis(entry.at).to_string();
        map.serialize_entry("at", &at)?;
        map.serialize_entry("from", entry.from.as_str())?;
        map.serialize_entry("to", entry.to.as_str())?;
        let lasted_ms = u64::try_from(entry.lasted.as_millis()).unwrap_or(u64::MAX);
        map.serialize_entry("lasted_ms", &lasted_ms)?;
        if let Some(error) = entry.error.as_deref().filter(|_| self.reveal) {
            map.serialize_entry("error", error)?;
        }
        match &entry.event {
            HistoryEvent::Demoted { reason, until } => {
                map.serialize_entry("event", "demoted")?;
                map.serialize_entry("reason", reason)?;
                if let Some(until) = until {
                    // Within year 9999: a deadline is refused beyond.
                    let until = humantime::format_rfc3339_seconds(*until).to_string();
                    map.serialize_entry("until", &until)?;
                }
            }
            HistoryEvent::Restored { by_deadline } => {
                map.serialize_entry("event", "restored")?;
                let by = if *by_deadline { "deadline" } else { "operator" };
                map.serialize_entry("by", by)?;
            }
            HistoryEvent::StatusChange => {}
        }
        map.end()
    }
}
