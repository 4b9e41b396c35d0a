//! The crate's JSON: `{"status":"ok","checks":{"db":{"status":"ok","critical":true}}}`.

use std::borrow::Cow;

use bytes::Bytes;

use super::echo::Echo;
use super::json_checks::Checks;
use super::subject::Subject;
use crate::model::probe::Probe;
use crate::model::scope::Scope;

/// The JSON body of one probe.
#[derive(serde::Serialize)]
struct Body<'a> {
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    started: Option<bool>,
    /// The start-up tasks still holding a gate (every body but liveness).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    closed_gates: Vec<&'a str>,
    /// The start-up tasks that panicked holding a gate.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    panicked_gates: Vec<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    draining: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    live: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    checks: Option<Checks<'a>>,
    /// A group's optional members this deployment does not have (not counted).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    absent_optional: Vec<&'a str>,
    /// The names of `?exclude=`, and those that matched nothing: the first few of each,
    /// cut short, with how many more were left out ([`Echo`]).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    excluded: Vec<Cow<'a, str>>,
    #[serde(skip_serializing_if = "is_zero")]
    excluded_omitted: usize,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    unmatched_excludes: Vec<Cow<'a, str>>,
    #[serde(skip_serializing_if = "is_zero")]
    unmatched_excludes_omitted: usize,
}

fn is_zero(count: &usize) -> bool {
    *count == 0
}

pub(super) fn render(subject: &Subject<'_>) -> Bytes {
    let Subject {
        state,
        scope,
        status,
        ..
    } = *subject;
    let lifecycle = &state.lifecycle;
    let combined = subject.probe() == Some(Probe::Combined) && !matches!(scope, Scope::Only(_));
    let (closed_gates, panicked_gates) = subject.gates();
    let excluded = Echo::new(subject.excluded().iter().copied());
    let unmatched = Echo::new(subject.unmatched());
    let body = Body {
        status: status.as_str(),
        reason: subject.reason(),
        started: combined.then(|| state.is_started()),
        closed_gates,
        panicked_gates,
        draining: combined.then_some(lifecycle.draining),
        live: combined.then_some(lifecycle.broken.is_none()),
        checks: subject.has_listing().then_some(Checks(*subject)),
        absent_optional: subject.absent().collect(),
        excluded: excluded.shown,
        excluded_omitted: excluded.omitted,
        unmatched_excludes: unmatched.shown,
        unmatched_excludes_omitted: unmatched.omitted,
    };
    // Serializing strings, bools and maps with string keys cannot fail.
    Bytes::from(serde_json::to_vec(&body).unwrap_or_else(|_| br#"{"status":"down"}"#.to_vec()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::component::{Component, ComponentKind};
    use crate::model::lifecycle::Lifecycle;
    use crate::model::state::State;
    use crate::model::status::ComponentStatus;

    fn body(state: &State, probe: Probe, scope: Scope<'_>, reveal: bool) -> serde_json::Value {
        serde_json::from_slice(&render(&Subject::new(state, probe.into(), scope, reveal))).unwrap()
    }

    fn state() -> State {
        let mut search = Component::new(ComponentKind::Check, false);
        search.status = ComponentStatus::Down;
        search.error = Some("password=hunter2".into());
        let mut db = Component::new(ComponentKind::Check, true);
        db.status = ComponentStatus::Up;
        State {
            lifecycle: Lifecycle {
                started: true,
                ..Lifecycle::default()
            },
            components: [("search".to_owned(), search), ("db".to_owned(), db)].into(),
            ..State::default()
        }
    }

    #[test]
    fn fresh_state_bodies() {
        let state = State::default();
        let json = |probe| body(&state, probe, Scope::All, false);
        assert_eq!(json(Probe::Liveness), serde_json::json!({"status": "ok"}));
        assert_eq!(
            json(Probe::Startup),
            serde_json::json!({"status": "down", "reason": "starting"})
        );
        assert_eq!(
            json(Probe::Readiness),
            serde_json::json!({"status": "down", "reason": "starting", "checks": {}})
        );
    }

    #[test]
    fn bodies_name_the_gates_start_up_waits_for() {
        let mut state = State::default();
        state.lifecycle.started = true;
        let gates = &mut state.lifecycle.gates;
        let migrations = gates.close("migrations".into());
        gates.close("cache-warmup".into());
        assert_eq!(
            body(&state, Probe::Startup, Scope::All, false),
            serde_json::json!({
                "status": "down",
                "reason": "starting: waiting for migrations, cache-warmup",
                "closed_gates": ["migrations", "cache-warmup"],
            })
        );
        assert_eq!(
            body(&state, Probe::Liveness, Scope::All, false),
            serde_json::json!({"status": "ok"})
        );
        state.lifecycle.gates.panic(migrations);
        let combined = body(&state, Probe::Combined, Scope::All, false);
        assert_eq!(combined["reason"], "start-up failed: migrations panicked");
        assert_eq!(
            combined["closed_gates"],
            serde_json::json!(["cache-warmup"])
        );
        assert_eq!(
            combined["panicked_gates"],
            serde_json::json!(["migrations"])
        );
        assert_eq!(combined["started"], false);
    }

    #[test]
    fn combined_shows_lifecycle_and_every_component_without_errors() {
        let state = state();
        assert_eq!(
            body(&state, Probe::Combined, Scope::All, false),
            serde_json::json!({
                "status": "degraded", "started": true, "draining": false, "live": true,
                "checks": {
                    "db": {"status": "ok", "critical": true},
                    "search": {"status": "down", "critical": false},
                }
            })
        );
        let revealed = body(&state, Probe::Combined, Scope::All, true);
        assert_eq!(revealed["checks"]["search"]["error"], "password=hunter2");
        assert!(revealed["checks"]["db"].get("error").is_none());
    }

    #[test]
    fn exclude_and_only_scopes() {
        let state = state();
        let names = ["search", "nope"];
        let excluded = body(&state, Probe::Readiness, Scope::Exclude(&names), false);
        assert_eq!(
            excluded,
            serde_json::json!({
                "status": "ok",
                "checks": {"db": {"status": "ok", "critical": true}},
                "excluded": ["search", "nope"],
                "unmatched_excludes": ["nope"],
            })
        );
        // Many names: the first eight of each list, and how many more.
        let many: Vec<String> = (0..20).map(|i| format!("n{i}")).collect();
        let mut names: Vec<&str> = vec!["search"];
        names.extend(many.iter().map(String::as_str));
        let excluded = body(&state, Probe::Readiness, Scope::Exclude(&names), false);
        assert_eq!(excluded["excluded"].as_array().unwrap().len(), 8);
        assert_eq!(excluded["excluded"][0], "search");
        assert_eq!(excluded["excluded_omitted"], 13);
        assert_eq!(excluded["unmatched_excludes"][0], "n0");
        assert_eq!(excluded["unmatched_excludes"][7], "n7");
        assert_eq!(excluded["unmatched_excludes_omitted"], 12);
        let only = body(&state, Probe::Combined, Scope::Only("search"), false);
        assert_eq!(
            only,
            serde_json::json!({"status": "down", "checks": {"search": {"status": "down", "critical": false}}})
        );
    }

    #[test]
    fn names_are_escaped() {
        let state = State {
            components: [(
                "a\"b\n".to_owned(),
                Component::new(ComponentKind::Manual, true),
            )]
            .into(),
            ..State::default()
        };
        let value = body(&state, Probe::Readiness, Scope::All, false);
        assert_eq!(value["checks"]["a\"b\n"]["status"], "unknown");
    }

    #[test]
    fn history_on_request_and_flapping_always() {
        use crate::model::history::HistoryRule;
        use tokio::time::Instant;
        let mut state = state();
        let rule = HistoryRule {
            length: 20,
            flap: crate::model::flapping::FlapRule {
                changes: 2,
                window: std::time::Duration::from_secs(60),
            },
        };
        let search = state.components.get_mut("search").unwrap();
        let now = Instant::now();
        let _ = search.changed("search", ComponentStatus::Up, now, rule);
        search.status = ComponentStatus::Up;
        let _ = search.changed("search", ComponentStatus::Down, now, rule);
        let render = |history: bool, reveal: bool| {
            let subject = Subject::new(&state, Probe::Combined.into(), Scope::All, reveal);
            let bytes = render(&subject.with_history(history));
            serde_json::from_slice::<serde_json::Value>(&bytes).unwrap()
        };
        let plain = render(false, false);
        assert_eq!(plain["checks"]["search"]["flapping"], true);
        assert!(plain["checks"]["search"].get("history").is_none());
        assert!(plain["checks"]["db"].get("flapping").is_none());
        let history = &render(true, false)["checks"]["search"]["history"];
        assert_eq!(history.as_array().unwrap().len(), 2);
        assert_eq!(history[0]["from"], "ok");
        assert_eq!(history[0]["to"], "down");
        assert!(history[0].get("error").is_none(), "withheld");
        assert!(history[0]["at"].as_str().unwrap().ends_with('Z'));
        assert!(history[1]["lasted_ms"].is_u64());
        assert_eq!(
            render(true, false)["checks"]["db"]["history"],
            serde_json::json!([])
        );
        let revealed = &render(true, true)["checks"]["search"]["history"];
        assert_eq!(revealed[0]["error"], "password=hunter2");
    }

    #[test]
    fn a_group_lists_its_absent_optional_members_apart() {
        use crate::model::group::Group;
        use crate::model::target::Target;
        let mut state = state();
        let lb = Group::new("lb", "/lbz")
            .members(["db"])
            .optional_members(["cache", "search"]);
        state.groups = vec![lb].into();
        let subject = Subject::new(&state, Target::Group(0), Scope::All, false);
        let value: serde_json::Value = serde_json::from_slice(&render(&subject)).unwrap();
        assert_eq!(
            value,
            serde_json::json!({
                "status": "degraded",
                "checks": {
                    "db": {"status": "ok", "critical": true},
                    "search": {"status": "down", "critical": false},
                },
                "absent_optional": ["cache"],
            })
        );
        let readiness = body(&state, Probe::Readiness, Scope::All, false);
        assert!(readiness.get("absent_optional").is_none());
    }

    #[test]
    fn a_demoted_member_has_a_demoted_object_and_history_entries() {
        use tokio::time::Instant;
        let mut state = state();
        let rule = state.history;
        state.components.get_mut("db").unwrap().status = ComponentStatus::Down;
        state.demote_at_ten_past_three("db", "flapping during failover", Some(30));
        let readiness = body(&state, Probe::Readiness, Scope::All, false);
        assert_eq!(
            readiness["status"], "degraded",
            "search, non-critical, is down"
        );
        assert_eq!(
            readiness["checks"]["db"],
            serde_json::json!({
                "status": "down", "critical": true,
                "demoted": {
                    "reason": "flapping during failover",
                    "since": "2030-06-01T03:10:00Z",
                    "until": "2030-06-01T03:40:00Z",
                },
            })
        );
        let db = state.components.get_mut("db").unwrap();
        db.restore(Instant::now(), std::time::SystemTime::now(), true, rule);
        let subject = Subject::new(&state, Probe::Combined.into(), Scope::All, false);
        let bytes = render(&subject.with_history(true));
        let value: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        let history = &value["checks"]["db"]["history"];
        assert_eq!(history[0]["event"], "demoted");
        assert_eq!(history[0]["from"], history[0]["to"]);
        assert_eq!(history[0]["reason"], "flapping during failover");
        assert_eq!(history[0]["until"], "2030-06-01T03:40:00Z");
        assert_eq!(history[1]["event"], "restored");
        assert_eq!(history[1]["by"], "deadline");
        assert!(value["checks"]["db"].get("demoted").is_none());
    }
}
