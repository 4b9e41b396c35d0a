//! The IETF draft "Health Check Response Format for HTTP APIs" (`application/health+json`).

use bytes::Bytes;
use serde_json::{Map, Value, json};

use super::demotion::Demoted;
use super::history::History;
use super::subject::Subject;
use crate::model::component::Component;
use crate::model::status::{ComponentStatus, Status};

pub(super) fn render(subject: &Subject<'_>) -> Bytes {
    let Subject {
        state,
        status,
        reveal,
        ..
    } = *subject;
    let mut body = Map::new();
    body.insert("status".into(), word(status).into());
    let meta = &state.meta;
    for (key, value) in [
        ("version", &meta.version),
        ("releaseId", &meta.release_id),
        ("serviceId", &meta.service_id),
    ] {
        if let Some(value) = value {
            body.insert(key.into(), value.as_str().into());
        }
    }
    if let Some(reason) = subject.reason() {
        body.insert("output".into(), reason.into());
    }
    // The draft's `notes`: a group's optional members this deployment does not have.
    let notes: Vec<Value> = subject
        .absent()
        .map(|name| format!("{name}: optional, not configured").into())
        .collect();
    if !notes.is_empty() {
        body.insert("notes".into(), notes.into());
    }
    if subject.has_listing() {
        let checks: Map<String, Value> = subject
            .listed()
            .map(|(name, component)| {
                let entry = entry(component, reveal, subject.history);
                (name.to_owned(), json!([entry]))
            })
            .collect();
        body.insert("checks".into(), checks.into());
    }
    Bytes::from(serde_json::to_vec(&Value::Object(body)).unwrap_or_default())
}

/// One component's entry; beyond the draft's fields, `flapping` while it flaps, `demoted`
/// while an operator has demoted it (its status then `warn` at worst), and its `history`
/// when asked (`?history`).
fn entry(component: &Component, reveal: bool, history: bool) -> Value {
    // A demoted component fails nothing: at worst it warns.
    let fails = component.is_critical() && !component.is_demoted();
    let status = match (component.status(), fails) {
        (ComponentStatus::Up, _) => "pass",
        (ComponentStatus::Degraded, _) | (_, false) => "warn",
        (_, true) => "fail",
    };
    let mut entry = Map::new();
    entry.insert("componentType".into(), component.component_type().into());
    entry.insert("status".into(), status.into());
    if let Some(time) = component.last_checked() {
        entry.insert(
            "time".into(),
            humantime::format_rfc3339_seconds(time).to_string().into(),
        );
    }
    if let Some(took) = component.last_duration() {
        let ms = (took.as_secs_f64() * 1e6).round() / 1e3;
        entry.insert("observedValue".into(), ms.into());
        entry.insert("observedUnit".into(), "ms".into());
    }
    if let Some(error) = component.error().filter(|_| reveal) {
        entry.insert("output".into(), error.into());
    }
    if component.is_flapping() {
        entry.insert("flapping".into(), true.into());
    }
    if let Some(demotion) = component.demotion() {
        let demoted = serde_json::to_value(Demoted(demotion)).unwrap_or_default();
        entry.insert("demoted".into(), demoted);
    }
    if let Some(figures) = component.traffic().filter(|_| reveal) {
        entry.insert("traffic".into(), super::traffic::figures(figures));
    }
    if history {
        let history = serde_json::to_value(History { component, reveal }).unwrap_or_default();
        entry.insert("history".into(), history);
    }
    Value::Object(entry)
}

fn word(status: Status) -> &'static str {
    match status {
        Status::Ok => "pass",
        Status::Degraded => "warn",
        Status::Down => "fail",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::component::ComponentKind;
    use crate::model::meta::Meta;
    use crate::model::probe::Probe;
    use crate::model::scope::Scope;
    use crate::model::state::State;
    use crate::model::status::ComponentStatus;
    use std::sync::Arc;
    use std::time::{Duration, SystemTime};

    #[test]
    fn draft_format() {
        let mut db = Component::new(ComponentKind::Check, true);
        db.status = ComponentStatus::Up;
        db.component_type = "datastore".into();
        db.last_duration = Some(Duration::from_micros(1500));
        db.last_checked = Some(SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000));
        let mut search = Component::new(ComponentKind::Check, false);
        search.status = ComponentStatus::Down;
        search.error = Some("index offline".into());
        let mut state = State {
            components: [("db".to_owned(), db), ("search".to_owned(), search)].into(),
            meta: Arc::new(Meta {
                version: Some("1".into()),
                release_id: Some("1.2.3".into()),
                service_id: None,
            }),
            ..State::default()
        };
        state.lifecycle.started = true;
        let render = |reveal| {
            let subject = Subject::new(&state, Probe::Readiness.into(), Scope::All, reveal);
            serde_json::from_slice::<Value>(&render(&subject)).unwrap()
        };
        assert_eq!(
            render(false),
            json!({
                "status": "warn", "version": "1", "releaseId": "1.2.3",
                "checks": {
                    "db": [{"componentType": "datastore", "status": "pass",
                            "time": "2023-11-14T22:13:20Z", "observedValue": 1.5, "observedUnit": "ms"}],
                    "search": [{"componentType": "component", "status": "warn"}],
                }
            })
        );
        assert_eq!(
            render(true)["checks"]["search"][0]["output"],
            "index offline"
        );
    }

    #[test]
    fn a_group_notes_its_absent_optional_members() {
        use crate::model::group::Group;
        use crate::model::target::Target;
        let mut state = State::default();
        state.lifecycle.started = true;
        let lb = Group::new("lb", "/lbz").optional_members(["cache"]);
        state.groups = vec![lb].into();
        let subject = Subject::new(&state, Target::Group(0), Scope::All, false);
        assert_eq!(
            serde_json::from_slice::<Value>(&render(&subject)).unwrap(),
            json!({"status": "pass", "notes": ["cache: optional, not configured"], "checks": {}})
        );
    }

    #[test]
    fn a_demoted_critical_failure_only_warns() {
        let mut redis = Component::new(ComponentKind::Check, true);
        redis.status = ComponentStatus::Down;
        let mut state = State {
            components: [("redis".to_owned(), redis)].into(),
            ..State::default()
        };
        state.lifecycle.started = true;
        state.demote_at_ten_past_three("redis", "failover", None);
        let subject = Subject::new(&state, Probe::Readiness.into(), Scope::All, false);
        assert_eq!(
            serde_json::from_slice::<Value>(&render(&subject)).unwrap(),
            json!({"status": "pass", "checks": {"redis": [{
                "componentType": "component", "status": "warn",
                "demoted": {"reason": "failover", "since": "2030-06-01T03:10:00Z"},
            }]}})
        );
    }
}
