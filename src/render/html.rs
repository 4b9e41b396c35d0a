//! The status page for people: a self-contained HTML page (no script, no external asset)
//! that reloads itself, readable on a phone, in light and dark.

use std::fmt::{self, Write};
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use tokio::time::Instant;

use super::escape::Escaped;
use super::page_history::{changes, timeline};
use super::subject::Subject;
use crate::model::component::Component;
use crate::model::status::ComponentStatus;

/// Seconds between the page's reloads (`<meta http-equiv="refresh">`).
pub(crate) const REFRESH_SECONDS: u32 = 5;

const STYLE: &str = "\
:root{color-scheme:light dark;--bg:#f6f7f9;--card:#fff;--fg:#1d2330;--muted:#5d6675;\
--line:#d9dde3;--ok:#1f8a3b;--down:#c62828;--degraded:#b26a00;--unknown:#7a828e}\
@media (prefers-color-scheme:dark){:root{--bg:#12151b;--card:#1b2029;--fg:#e6e9ef;\
--muted:#9aa3b2;--line:#2c3340;--ok:#3fb75f;--down:#ef5350;--degraded:#f0a43a;--unknown:#8b93a1}}\
*{box-sizing:border-box}body{margin:0;padding:1rem;background:var(--bg);color:var(--fg);\
font:15px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif}\
header,main{max-width:72rem;margin:0 auto}h1{font-size:1.4rem;margin:.2rem 0 .6rem;\
overflow-wrap:anywhere}h2{font-size:1.05rem;margin:0 0 .4rem;overflow-wrap:anywhere}\
.badge{display:inline-block;padding:.05rem .55rem;border-radius:1rem;color:#fff;\
font-size:.8rem;font-weight:600;vertical-align:middle;text-transform:uppercase}\
.ok{background:var(--ok)}.down{background:var(--down)}.degraded,.flapping{background:var(--degraded)}\
.demoted{background:var(--muted)}\
.unknown{background:var(--unknown)}.facts{display:flex;flex-wrap:wrap;gap:.3rem 1rem;\
margin:.3rem 0;color:var(--muted)}.facts b{color:var(--fg);font-weight:600}\
.reason{margin:.3rem 0;font-weight:600}\
main{display:grid;grid-template-columns:repeat(auto-fill,minmax(19rem,1fr));gap:.8rem;margin-top:1rem}\
section{background:var(--card);border:1px solid var(--line);border-radius:.5rem;padding:.8rem;\
min-width:0}svg{display:block;width:100%;height:14px;margin:.5rem 0 .2rem;border-radius:3px}\
svg .ok{fill:var(--ok)}svg .down{fill:var(--down)}svg .unknown{fill:var(--unknown)}\
details{margin-top:.3rem}summary{cursor:pointer;color:var(--muted)}\
ol{margin:.3rem 0 0;padding-left:1.2rem;font-size:.88rem}li{overflow-wrap:anywhere}\
.error{overflow-wrap:anywhere;color:var(--down)}footer{max-width:72rem;margin:1rem auto 0;\
color:var(--muted);font-size:.85rem}";

pub(super) fn render(subject: &Subject<'_>) -> Bytes {
    let mut page = String::with_capacity(4096);
    // Writing into a String cannot fail.
    let _ = write_page(&mut page, subject, SystemTime::now(), Instant::now());
    Bytes::from(page)
}

fn write_page(
    out: &mut String,
    subject: &Subject<'_>,
    now: SystemTime,
    instant: Instant,
) -> fmt::Result {
    let state = subject.state;
    let service = state.meta.service_id.as_deref().unwrap_or("service");
    // Each verdict word has a badge class of the same name.
    let word = subject.status.as_str();
    write!(
        out,
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <meta http-equiv=\"refresh\" content=\"{REFRESH_SECONDS}\">\
         <title>{word} · {service} health</title><style>{STYLE}</style></head><body><header>\
         <h1><span class=\"badge {word}\">{word}</span> {service} health</h1>",
        service = Escaped(service),
    )?;
    if let Some(reason) = subject.reason() {
        write!(out, "<p class=\"reason\">{}</p>", Escaped(&reason))?;
    }
    // The failing members by what they do to the verdict: fail it, degrade it, nothing
    // (demoted by an operator, whatever their status).
    let listed = |keep: &dyn Fn(&Component) -> bool| -> Vec<String> {
        subject
            .listed()
            .filter(|(_, c)| keep(c))
            .map(|(name, _)| Escaped(name).to_string())
            .collect()
    };
    let failing = |c: &Component, critical| !c.status().is_passing() && c.is_critical() == critical;
    let summary = [
        ("down", listed(&|c| !c.is_demoted() && failing(c, true))),
        (
            "non-critical down",
            listed(&|c| !c.is_demoted() && failing(c, false)),
        ),
        ("demoted by operator", listed(&Component::is_demoted)),
    ];
    for (label, names) in summary {
        if !names.is_empty() {
            write!(out, "<p class=\"reason\">{label}: {}</p>", names.join(", "))?;
        }
    }
    let lifecycle = &state.lifecycle;
    let yes_no = |yes: bool| if yes { "yes" } else { "no" };
    write!(
        out,
        "<div class=\"facts\"><span>started <b>{}</b></span><span>draining <b>{}</b></span>\
         <span>live <b>{}</b></span>",
        yes_no(state.is_started()),
        yes_no(lifecycle.draining),
        yes_no(lifecycle.broken.is_none()),
    )?;
    if let Some(maintenance) = &lifecycle.maintenance {
        write!(
            out,
            "<span>maintenance <b>{}</b>",
            Escaped(&maintenance.reason)
        )?;
        if let Some(until) = maintenance.until {
            let left = until.saturating_duration_since(instant);
            let ends = humantime::format_rfc3339_seconds(now + left);
            write!(out, " until {ends} (in {})", Short(left))?;
        }
        out.push_str("</span>");
    }
    if let Some(reason) = &lifecycle.refusing {
        write!(
            out,
            "<span>refusing traffic <b>{}</b></span>",
            Escaped(reason)
        )?;
    }
    out.push_str("</div></header><main>");
    for (name, component) in subject.listed() {
        write_component(out, subject, name, component, now)?;
    }
    if subject.listed().next().is_none() {
        out.push_str("<section>No checks or components.</section>");
    }
    writeln!(
        out,
        "</main><footer>As of {} · reloads every {REFRESH_SECONDS} s · ages are as of then. \
         <a href=\"?verbose\">text</a></footer></body></html>",
        humantime::format_rfc3339_seconds(now),
    )?;
    Ok(())
}

/// One component's card: status, flags, facts, timeline and history.
fn write_component(
    out: &mut String,
    subject: &Subject<'_>,
    name: &str,
    component: &Component,
    now: SystemTime,
) -> fmt::Result {
    let status = component.status();
    let class = class(status);
    write!(
        out,
        "<section><h2><span class=\"badge {class}\">{}</span> {}",
        status.as_str(),
        Escaped(name),
    )?;
    if component.is_flapping() {
        out.push_str(" <span class=\"badge flapping\">flapping</span>");
    }
    if component.is_demoted() {
        out.push_str(" <span class=\"badge demoted\">demoted</span>");
    }
    out.push_str("</h2><div class=\"facts\">");
    let critical = if component.is_critical() {
        "critical"
    } else {
        "non-critical"
    };
    write!(out, "<span><b>{critical}</b></span>")?;
    let counts: Vec<String> = subject
        .state
        .counted_by(name, component)
        .map(|probe| Escaped(probe).to_string())
        .collect();
    let once = if component.is_demoted() {
        " once restored"
    } else {
        ""
    };
    match counts.is_empty() {
        true => out.push_str("<span>report-only</span>"),
        false => write!(
            out,
            "<span>counts for <b>{}</b>{once}</span>",
            counts.join(", ")
        )?,
    }
    if let Some(demotion) = component.demotion() {
        write!(
            out,
            "<span><b>{}</b></span>",
            Escaped(&demotion.to_string())
        )?;
    }
    if let Some(took) = component.last_duration() {
        write!(out, "<span>took <b>{}</b></span>", Short(took))?;
    }
    if let Some(checked) = component.last_checked() {
        let age = now.duration_since(checked).unwrap_or_default();
        write!(out, "<span>checked <b>{} ago</b></span>", Short(age))?;
    }
    if let Some(fleet) = component.fleet().filter(|_| !status.is_passing()) {
        write!(out, "<span>{fleet}</span>")?;
    }
    if let Some(figures) = component.traffic().filter(|_| subject.reveal) {
        write!(out, "<span>{}</span>", Escaped(&figures.to_string()))?;
    }
    out.push_str("</div>");
    if let Some(error) = component.error().filter(|_| subject.reveal) {
        write!(out, "<div class=\"error\">{}</div>", Escaped(error))?;
    }
    timeline(out, component, now)?;
    changes(out, component, subject.reveal)?;
    out.push_str("</section>");
    Ok(())
}

/// The CSS class of a component status.
pub(super) fn class(status: ComponentStatus) -> &'static str {
    match status {
        ComponentStatus::Up => "ok",
        ComponentStatus::Down => "down",
        ComponentStatus::Degraded => "degraded",
        _ => "unknown",
    }
}

/// A duration for people: `850ms`, `42s`, `7m 5s`, `3h 2m`, `2d 4h`.
pub(super) struct Short(pub(super) Duration);

impl fmt::Display for Short {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secs = self.0.as_secs();
        match secs {
            0 if self.0 < Duration::from_millis(1) => f.write_str("<1ms"),
            0 => write!(f, "{}ms", self.0.as_millis()),
            1..60 => write!(f, "{secs}s"),
            60..3600 => write!(f, "{}m {}s", secs / 60, secs % 60),
            3600..86400 => write!(f, "{}h {}m", secs / 3600, secs % 3600 / 60),
            _ => write!(f, "{}d {}h", secs / 86400, secs % 86400 / 3600),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::component::ComponentKind;
    use crate::model::history::HistoryRule;
    use crate::model::lifecycle::Maintenance;
    use crate::model::probe::Probe;
    use crate::model::scope::Scope;
    use crate::model::state::State;

    const INJECTION: &str = "<img src=x onerror=alert(1)>";

    fn state() -> State {
        let mut state = State::default();
        state.lifecycle.started = true;
        let mut db = Component::new(ComponentKind::Check, true);
        db.status = ComponentStatus::Up;
        db.last_duration = Some(Duration::from_millis(3));
        db.last_checked = Some(SystemTime::now());
        let now = Instant::now();
        let mut odd = Component::new(ComponentKind::Manual, false);
        for (n, status) in [
            ComponentStatus::Down,
            ComponentStatus::Up,
            ComponentStatus::Down,
        ]
        .into_iter()
        .enumerate()
        {
            let from = odd.status;
            odd.status = status;
            odd.error = Some("<script>secret</script>".into());
            let at = now + Duration::from_secs(n as u64);
            let _ = odd.changed(INJECTION, from, at, HistoryRule::default());
        }
        state.components.insert("db".into(), db);
        state.components.insert(INJECTION.into(), odd);
        state
    }

    fn page(state: &State, reveal: bool) -> String {
        let subject = Subject::new(state, Probe::Combined.into(), Scope::All, reveal);
        String::from_utf8(render(&subject).to_vec()).unwrap()
    }

    #[test]
    fn names_and_texts_are_text_and_there_is_no_script() {
        for reveal in [false, true] {
            let html = page(&state(), reveal);
            assert!(!html.contains("<img"), "{html}");
            assert!(!html.contains("<script"), "{html}");
            assert!(
                html.contains("&lt;img src=x onerror=alert(1)&gt;"),
                "{html}"
            );
            assert_eq!(
                html.contains("&lt;script&gt;secret"),
                reveal,
                "details policy"
            );
            assert!(html.contains("http-equiv=\"refresh\""));
            assert!(html.contains("name=\"viewport\""));
            assert!(html.contains("prefers-color-scheme:dark"));
        }
    }

    #[test]
    fn the_page_shows_status_lifecycle_components_and_history() {
        let mut state = state();
        state.lifecycle.maintenance = Some(Maintenance {
            reason: "migrating <v2>".into(),
            until: Some(Instant::now() + Duration::from_secs(300)),
        });
        let html = page(&state, false);
        assert!(html.contains("<span class=\"badge down\">down</span> service health"));
        assert!(
            html.contains("maintenance <b>migrating &lt;v2&gt;</b> until "),
            "{html}"
        );
        assert!(html.contains("(in 4m 5"), "{html}");
        assert!(html.contains("<span class=\"badge ok\">ok</span> db"));
        assert!(html.contains("<b>critical</b>"));
        assert!(html.contains("counts for <b>readiness</b>"));
        assert!(html.contains("took <b>3ms</b>"));
        assert!(html.contains("<b>non-critical</b>"));
        let summary =
            "<p class=\"reason\">non-critical down: &lt;img src=x onerror=alert(1)&gt;</p>";
        assert!(html.contains(summary), "{html}");
        assert!(html.contains("<summary>3 changes</summary>"));
        assert_eq!(
            html.matches("<rect ").count(),
            1 + 4,
            "db: now; the other: 3 + now"
        );
        assert!(html.matches("<li>").count() == 3);
    }

    #[test]
    fn durations_for_people() {
        let short = |secs: u64| Short(Duration::from_secs(secs)).to_string();
        assert_eq!(Short(Duration::from_millis(850)).to_string(), "850ms");
        assert_eq!(Short(Duration::from_micros(300)).to_string(), "<1ms");
        assert_eq!(short(42), "42s");
        assert_eq!(short(425), "7m 5s");
        assert_eq!(short(3 * 3600 + 120), "3h 2m");
        assert_eq!(short(2 * 86400 + 4 * 3600), "2d 4h");
    }

    #[test]
    fn a_demoted_member_has_a_badge_and_its_history_says_when() {
        let mut state = state();
        let rule = state.history;
        state.components.get_mut("db").unwrap().status = ComponentStatus::Down;
        state.demote_at_ten_past_three("db", "failover <now>", Some(30));
        let html = page(&state, false);
        assert!(
            html.contains("<p class=\"reason\">demoted by operator: db</p>"),
            "{html}"
        );
        assert!(!html.contains("<p class=\"reason\">down: db"), "{html}");
        assert!(
            html.contains("<span class=\"badge demoted\">demoted</span>"),
            "{html}"
        );
        let line = "<b>demoted by operator until 03:40Z: failover &lt;now&gt;</b>";
        assert!(html.contains(line), "{html}");
        assert!(html.contains("counts for <b>readiness</b> once restored"));
        assert!(html.contains(
            " demoted by operator until 2030-06-01T03:40:00Z: failover &lt;now&gt;</li>"
        ));
        let db = state.components.get_mut("db").unwrap();
        db.restore(Instant::now(), SystemTime::now(), false, rule);
        let html = page(&state, false);
        assert!(!html.contains("badge demoted"), "{html}");
        assert!(html.contains(" restored by operator after "), "{html}");
        // Neither is a status on the bar: db has its one status still, the other 3 + now.
        assert_eq!(html.matches("<rect ").count(), 1 + 4, "{html}");
    }
}
