//! The `checks` object of the crate's JSON: one entry per listed component, by name.

use serde::ser::{Serialize, SerializeMap, Serializer};

use super::demotion::Demoted;
use super::history::History;
use super::subject::Subject;
use crate::model::component::Component;
use crate::model::probe::Probe;

/// The `checks` object: one entry per listed component, by name.
pub(super) struct Checks<'a>(pub(super) Subject<'a>);

impl Serialize for Checks<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let subject = self.0;
        let entries = subject.listed().map(|(name, component)| {
            let entry = Entry {
                subject,
                name,
                component,
            };
            (name, entry)
        });
        serializer.collect_map(entries)
    }
}

/// One component's entry: status, critical, `flapping` while it flaps, `demoted` while an
/// operator has demoted it, `history` when asked (`?history`). When details are
/// revealed: its error text, and in the combined body the probes and groups it counts for.
struct Entry<'a> {
    subject: Subject<'a>,
    name: &'a str,
    component: &'a Component,
}

impl Serialize for Entry<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let Entry {
            subject,
            name,
            component,
        } = *self;
        let reveal = subject.reveal;
        let error = component.error().filter(|_| reveal);
        let show_probes = reveal && subject.probe() == Some(Probe::Combined);
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("status", component.status().as_str())?;
        map.serialize_entry("critical", &component.is_critical())?;
        if let Some(error) = error {
            map.serialize_entry("error", error)?;
        }
        if component.is_flapping() {
            map.serialize_entry("flapping", &true)?;
        }
        if let Some(demotion) = component.demotion() {
            map.serialize_entry("demoted", &Demoted(demotion))?;
        }
        if let Some(figures) = component.traffic().filter(|_| reveal) {
            map.serialize_entry("traffic", &super::traffic::figures(figures))?;
        }
        // What the peers said, while it is down here (a failure under the threshold leaves
        // it up, and the body says nothing of the peers then).
        if let Some(fleet) = component
            .fleet()
            .filter(|_| !component.status().is_passing())
        {
            map.serialize_entry("fleet", &fleet.to_string())?;
        }
        if show_probes {
            let counted_by: Vec<&str> = subject.state.counted_by(name, component).collect();
            map.serialize_entry("probes", &counted_by)?;
        }
        if subject.history {
            map.serialize_entry("history", &History { component, reveal })?;
        }
        map.end()
    }
}
