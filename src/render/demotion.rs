//! An operator's demotion as JSON, shared by the crate's JSON and health+json:
//! `{"reason": "flapping during failover", "since": "…Z", "until": "…Z"}`.

use serde::ser::{Serialize, SerializeMap, Serializer};

use crate::model::demotion::Demotion;

/// A demotion's reason, since when, and until when (RFC 3339, UTC; no `until` without a
/// deadline).
pub(super) struct Demoted<'a>(pub(super) &'a Demotion);

impl Serialize for Demoted<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let demotion = self.0;
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("reason", demotion.reason())?;
        let since = humantime::format_rfc3339_seconds(demotion.since()).to_string();
        map.serialize_entry("since", &since)?;
        if let Some(until) = demotion.until() {
            // Within year 9999: a deadline is refused beyond.
            let until = humantime::format_rfc3339_seconds(until).to_string();
            map.serialize_entry("until", &until)?;
        }
        map.end()
    }
}
