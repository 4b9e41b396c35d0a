//! A component's past on the status page: its statuses as a bar (SVG, no script), its
//! changes as a list.

use std::fmt::{self, Write};
use std::time::SystemTime;

use super::escape::Escaped;
use super::html::{Short, class};
use crate::model::component::Component;
use crate::model::history::{HistoryEntry, HistoryEvent};
use crate::model::status::ComponentStatus;

/// The page's width of a timeline, in SVG user units.
const TIMELINE_WIDTH: f64 = 300.0;

/// The component's recent statuses as a bar: one rectangle per status held, its width the
/// share of time since the oldest one in the history began, each with a tooltip. Demotions
/// and restorations change no status: they are in the list, not on the bar.
pub(super) fn timeline(out: &mut String, component: &Component, now: SystemTime) -> fmt::Result {
    let mut spans: Vec<(ComponentStatus, SystemTime, SystemTime)> = component
        .history()
        .filter(|entry| entry.is_status_change())
        .map(|entry| (entry.from, entry.at - entry.lasted, entry.at))
        .collect();
    let current_since = spans.last().map_or(now, |&(_, _, end)| end);
    spans.push((component.status(), current_since, now));
    let start = spans[0].1;
    let total = now.duration_since(start).unwrap_or_default().as_secs_f64();
    write!(
        out,
        "<svg viewBox=\"0 0 {TIMELINE_WIDTH} 10\" preserveAspectRatio=\"none\" role=\"img\" \
         aria-label=\"status timeline\">"
    )?;
    for (status, from, to) in spans {
        let offset = from.duration_since(start).unwrap_or_default().as_secs_f64();
        let lasted = to.duration_since(from).unwrap_or_default();
        let (x, width) = match total > 0.0 {
            true => (
                offset / total * TIMELINE_WIDTH,
                lasted.as_secs_f64() / total * TIMELINE_WIDTH,
            ),
            false => (0.0, TIMELINE_WIDTH),
        };
        write!(
            out,
            "<rect class=\"{}\" x=\"{x:.2}\" y=\"0\" width=\"{:.2}\" height=\"10\">\
             <title>{} for {} from {}</title></rect>",
            class(status),
            width.max(1.0),
            status.as_str(),
            Short(lasted),
            humantime::format_rfc3339_seconds(from),
        )?;
    }
    out.push_str("</svg>");
    Ok(())
}

/// The component's history as a list, newest first, folded: each change of status with how
/// long the one before lasted (and its error where details are revealed), each demotion
/// with its deadline and reason, each restoration.
pub(super) fn changes(out: &mut String, component: &Component, reveal: bool) -> fmt::Result {
    let history: Vec<&HistoryEntry> = component.history().collect();
    if history.is_empty() {
        return Ok(());
    }
    write!(
        out,
        "<details><summary>{} change{}</summary><ol reversed>",
        history.len(),
        if history.len() == 1 { "" } else { "s" },
    )?;
    for entry in history.iter().rev() {
        let at = humantime::format_rfc3339_seconds(entry.at);
        match &entry.event {
            HistoryEvent::Demoted { reason, until } => {
                write!(out, "<li>{at} demoted by operator")?;
                if let Some(until) = until {
                    // Within year 9999: a deadline is refused beyond.
                    write!(out, " until {}", humantime::format_rfc3339_seconds(*until))?;
                }
                write!(out, ": {}", Escaped(reason))?;
            }
            HistoryEvent::Restored { by_deadline } => {
                let by = if *by_deadline {
                    "at its deadline"
                } else {
                    "by operator"
                };
                write!(out, "<li>{at} restored {by} after {}", Short(entry.lasted))?;
            }
            HistoryEvent::StatusChange => {
                write!(
                    out,
                    "<li>{at} {} → {} after {}",
                    entry.from.as_str(),
                    entry.to.as_str(),
                    Short(entry.lasted),
                )?;
                if let Some(error) = entry.error.as_deref().filter(|_| reveal) {
                    write!(out, ": <span class=\"error\">{}</span>", Escaped(error))?;
                }
            }
        }
        out.push_str("</li>");
    }
    out.push_str("</ol></details>");
    Ok(())
}
