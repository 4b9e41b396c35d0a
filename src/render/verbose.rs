//! kube-apiserver style plain text (`?verbose`): one line per check, then the verdict.

use std::fmt::Write;

use bytes::Bytes;

use super::echo::Echo;
use super::escape::OneLine;
use super::subject::Subject;
use crate::model::probe::Probe;
use crate::model::scope::Scope;
use crate::model::status::{ComponentStatus, Status};
use crate::model::target::Target;

pub(super) fn render(subject: &Subject<'_>) -> Bytes {
    let Subject {
        state,
        scope,
        status,
        reveal,
        ..
    } = *subject;
    let mut text = String::new();
    let reason = subject.lifecycle_reason();
    match subject.probe() {
        Some(Probe::Liveness) => line(&mut text, "live", reason.as_deref()),
        Some(Probe::Startup) => line(&mut text, "started", reason.as_deref()),
        _ => {
            if let Some(reason) = &reason {
                line(&mut text, "lifecycle", Some(reason));
            }
            // A hold is no failure: the members' own lines still say they failed.
            if let Some(held) = subject.fleet_reason() {
                let _ = writeln!(text, "[+]fleet ok: {held}");
            }
        }
    }
    // The start-up gates still closed, and those whose task panicked.
    let (closed, panicked) = subject.gates();
    for name in closed {
        let _ = writeln!(text, "[-]gate {name} closed");
    }
    for name in panicked {
        let _ = writeln!(text, "[-]gate {name} panicked");
    }
    let mut demoted = None;
    for (name, component) in subject.listed() {
        let status = component.status();
        let failure = (!status.is_up()).then(|| match (reveal, component.error()) {
            (true, Some(error)) => error,
            _ if status == ComponentStatus::Unknown => "no result yet",
            _ => "reason withheld",
        });
        let failure = match (failure, component.fleet()) {
            (Some(failure), Some(fleet)) => Some(format!("{failure}; {fleet}")),
            (failure, _) => failure.map(str::to_owned),
        };
        let critical = if component.is_critical() {
            ""
        } else {
            " (non-critical)"
        };
        let flapping = if component.is_flapping() {
            " (flapping)"
        } else {
            ""
        };
        let name = format!("{name}{critical}{flapping}");
        // Demoted: it fails nothing. A `/<path>/<name>` answer is its own status, and says
        // the demotion after it.
        match (component.demotion(), scope) {
            (Some(demotion), Scope::Only(_)) => demoted = Some(demotion),
            (Some(demotion), _) => {
                let _ = writeln!(text, "[+]{name} {}", OneLine(&demotion.to_string()));
                continue;
            }
            (None, _) => {}
        }
        match status {
            // The traffic component says its figures where details are revealed.
            ComponentStatus::Up => {
                let figures = component.traffic().filter(|_| reveal);
                let _ = match figures {
                    Some(figures) => writeln!(text, "[+]{name} ok: {figures}"),
                    None => writeln!(text, "[+]{name} ok"),
                };
            }
            ComponentStatus::Degraded => {
                let reason = failure.as_deref().unwrap_or("reason withheld");
                let _ = writeln!(text, "[+]{name} degraded: {}", OneLine(reason));
            }
            _ => line(&mut text, &name, failure.as_deref()),
        }
    }
    if let (Some(demotion), Scope::Only(name)) = (demoted, scope) {
        let demotion = demotion.to_string();
        let _ = writeln!(
            text,
            "warn: {name} {}; it fails no probe",
            OneLine(&demotion)
        );
    }
    // Optional members this deployment does not have: not counted, and said so.
    for name in subject.absent() {
        let _ = writeln!(text, "[+]{name} absent: optional, not configured");
    }
    if let Scope::Exclude(names) = scope {
        for name in names {
            if let Some(component) = state.components.get(*name) {
                let status = if component.status().is_up() {
                    "ok"
                } else {
                    "failed"
                };
                let _ = writeln!(text, "[+]{name} excluded: {status}");
            }
        }
        let unmatched = Echo::new(subject.unmatched());
        if !unmatched.is_empty() {
            let _ = writeln!(
                text,
                "warn: some health checks cannot be excluded: no matches for {unmatched}"
            );
        }
    }
    // A member removed while running: the group goes on without it, and says so.
    if let (Target::Group(group), false) = (subject.target, matches!(scope, Scope::Only(_))) {
        let missing: Vec<String> = (state.groups[group].member_names())
            .filter(|member| !state.components.contains_key(*member))
            .map(|member| format!("{member:?}"))
            .collect();
        if !missing.is_empty() {
            let missing = missing.join(", ");
            let _ = writeln!(text, "warn: members not registered, not counted: {missing}");
        }
    }
    let name = subject.name();
    let verdict = match status {
        Status::Ok => "passed",
        Status::Degraded if subject.passing => "passed (degraded)",
        Status::Degraded => "failed (degraded)",
        Status::Down => "failed",
    };
    let _ = writeln!(text, "{name} check {verdict}");
    Bytes::from(text)
}

fn line(text: &mut String, name: &str, failure: Option<&str>) {
    let _ = match failure {
        None => writeln!(text, "[+]{name} ok"),
        Some(reason) => writeln!(text, "[-]{name} failed: {}", OneLine(reason)),
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::component::{Component, ComponentKind};
    use crate::model::state::State;

    fn text(state: &State, probe: Probe, scope: Scope<'_>, reveal: bool) -> String {
        let body = render(&Subject::new(state, probe.into(), scope, reveal));
        String::from_utf8(body.to_vec()).unwrap()
    }

    #[test]
    fn an_error_text_stays_on_its_line() {
        // A dependency's words, revealed: a newline would add a line that reads as a passing
        // check, an escape sequence would drive the terminal showing it.
        let mut state = State::default();
        state.lifecycle.started = true;
        let mut redis = Component::new(ComponentKind::Check, true);
        redis.status = ComponentStatus::Down;
        redis.error = Some("ERR refused\n[+]redis ok\u{1b}[2J".into());
        state.components.insert("redis".into(), redis);
        assert_eq!(
            text(&state, Probe::Readiness, Scope::All, true),
            "[-]redis failed: ERR refused\\n[+]redis ok\\u{1b}[2J\nreadiness check failed\n"
        );
    }

    #[test]
    fn kube_style_listing() {
        let mut state = State::default();
        state.lifecycle.started = true;
        let mut redis = Component::new(ComponentKind::Check, true);
        redis.status = ComponentStatus::Down;
        redis.error = Some("redis: Connection refused".into());
        let mut db = Component::new(ComponentKind::Check, true);
        db.status = ComponentStatus::Up;
        state.components.insert("redis".into(), redis);
        state.components.insert("db".into(), db);

        assert_eq!(
            text(&state, Probe::Readiness, Scope::All, false),
            "[+]db ok\n[-]redis failed: reason withheld\nreadiness check failed\n"
        );
        assert_eq!(
            text(&state, Probe::Readiness, Scope::All, true),
            "[+]db ok\n[-]redis failed: redis: Connection refused\nreadiness check failed\n"
        );
        assert_eq!(
            text(
                &state,
                Probe::Readiness,
                Scope::Exclude(&["redis", "x"]),
                false
            ),
            "[+]db ok\n[+]redis excluded: failed\n\
             warn: some health checks cannot be excluded: no matches for \"x\"\n\
             readiness check passed\n"
        );
        assert_eq!(
            text(&state, Probe::Readiness, Scope::Only("db"), false),
            "[+]db ok\ndb check passed\n"
        );
        assert_eq!(
            text(&state, Probe::Liveness, Scope::All, false),
            "[+]live ok\nliveness check passed\n"
        );
        state.lifecycle.draining = true;
        assert!(
            text(&state, Probe::Combined, Scope::All, false)
                .starts_with("[-]lifecycle failed: shutting down\n")
        );
    }

    #[test]
    fn gates_have_a_line_each() {
        let mut state = State::default();
        state.lifecycle.started = true;
        let migrations = state.lifecycle.gates.close("migrations".into());
        state.lifecycle.gates.close("cache-warmup".into());
        assert_eq!(
            text(&state, Probe::Startup, Scope::All, false),
            "[-]started failed: starting: waiting for migrations, cache-warmup\n\
             [-]gate migrations closed\n[-]gate cache-warmup closed\n\
             startup check failed\n"
        );
        state.lifecycle.gates.panic(migrations);
        assert_eq!(
            text(&state, Probe::Readiness, Scope::All, false),
            "[-]lifecycle failed: start-up failed: migrations panicked\n\
             [-]gate cache-warmup closed\n[-]gate migrations panicked\n\
             readiness check failed\n"
        );
        assert_eq!(
            text(&state, Probe::Liveness, Scope::All, false),
            "[+]live ok\nliveness check passed\n"
        );
    }

    #[test]
    fn a_fleet_hold_is_no_failed_lifecycle() {
        let mut state = State::default();
        state.lifecycle.started = true;
        let mut redis = Component::new(ComponentKind::Check, true);
        redis.status = ComponentStatus::Down;
        redis.shared = true;
        redis.fleet = Some(crate::model::fleet::FleetView::new(2, 2, 2));
        state.components.insert("redis".into(), redis);

        let readiness = text(&state, Probe::Readiness, Scope::All, false);
        assert_eq!(
            readiness,
            "[+]fleet ok: redis down across the fleet (2/2 peers)\n\
             [-]redis failed: reason withheld; down across the fleet (2/2 peers)\n\
             readiness check passed (degraded)\n"
        );
        assert!(!readiness.contains("lifecycle"), "{readiness}");
        // The check's own answer is its status, without the hold.
        assert_eq!(
            text(&state, Probe::Readiness, Scope::Only("redis"), false),
            "[-]redis failed: reason withheld; down across the fleet (2/2 peers)\n\
             redis check failed\n"
        );
        // Draining: the lifecycle fails, and the hold is still said as what it is.
        state.lifecycle.draining = true;
        assert!(
            text(&state, Probe::Combined, Scope::All, false).starts_with(
                "[-]lifecycle failed: shutting down\n\
                 [+]fleet ok: redis down across the fleet (2/2 peers)\n"
            )
        );
    }

    #[test]
    fn a_group_says_which_optional_members_it_does_not_have() {
        use crate::model::group::Group;
        use crate::model::target::Target;
        let mut state = State::default();
        state.lifecycle.started = true;
        let mut db = Component::new(ComponentKind::Check, true);
        db.status = ComponentStatus::Up;
        state.components.insert("db".into(), db);
        let lb = Group::new("lb", "/lbz")
            .members(["db"])
            .optional_members(["cache", "queue"]);
        state.groups = vec![lb].into();
        let lb = Target::Group(0);
        let text = |scope| {
            let body = render(&Subject::new(&state, lb, scope, false));
            String::from_utf8(body.to_vec()).unwrap()
        };
        assert_eq!(
            text(Scope::All),
            "[+]db ok\n[+]cache absent: optional, not configured\n\
             [+]queue absent: optional, not configured\nlb check passed\n"
        );
        assert_eq!(
            text(Scope::Exclude(&["queue"])),
            "[+]db ok\n[+]cache absent: optional, not configured\n\
             warn: some health checks cannot be excluded: no matches for \"queue\"\n\
             lb check passed\n"
        );
        assert_eq!(text(Scope::Only("db")), "[+]db ok\ndb check passed\n");
    }

    #[test]
    fn a_group_says_which_members_are_not_registered() {
        use crate::model::group::Group;
        let mut state = State::default();
        state.lifecycle.started = true;
        let mut db = Component::new(ComponentKind::Check, true);
        db.status = ComponentStatus::Up;
        state.components.insert("db".into(), db);
        state.groups = vec![Group::new("lb", "/lbz").members(["db", "redis"])].into();
        let lb = Subject::new(&state, Target::Group(0), Scope::All, false);
        assert_eq!(
            String::from_utf8(render(&lb).to_vec()).unwrap(),
            "[+]db ok\nwarn: members not registered, not counted: \"redis\"\nlb check passed\n"
        );
        let only = Subject::new(&state, Target::Group(0), Scope::Only("db"), false);
        assert_eq!(render(&only), "[+]db ok\ndb check passed\n");
    }

    #[test]
    fn a_demoted_member_passes_and_says_why() {
        use crate::model::demotion::Demotion;
        let mut state = State::default();
        state.lifecycle.started = true;
        let mut redis = Component::new(ComponentKind::Check, true);
        redis.status = ComponentStatus::Down;
        state.components.insert("redis".into(), redis);
        state.demote_at_ten_past_three("redis", "flapping during failover", Some(30));
        assert_eq!(
            text(&state, Probe::Readiness, Scope::All, false),
            "[+]redis demoted by operator until 03:40Z: flapping during failover\n\
             readiness check passed\n"
        );
        // Its own answer is its own status, and says it is demoted.
        assert_eq!(
            text(&state, Probe::Readiness, Scope::Only("redis"), false),
            "[-]redis failed: reason withheld\n\
             warn: redis demoted by operator until 03:40Z: flapping during failover; \
             it fails no probe\nredis check failed\n"
        );
        let redis = state.components.get_mut("redis").unwrap();
        redis.demotion = Some(Demotion::at_ten_past_three("failover", None));
        redis.critical = false;
        assert_eq!(
            text(&state, Probe::Combined, Scope::All, false),
            "[+]redis (non-critical) demoted by operator: failover\ncombined check passed\n"
        );
    }
}
