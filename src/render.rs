//! Response bodies rendered once per state change, so a probe answer is a clone of bytes.

use bytes::Bytes;
use http::{HeaderValue, StatusCode};
use serde::ser::{Serialize, Serializer};

use crate::component::Component;
use crate::snapshot::State;
use crate::{Probe, Status};

/// A ready-made answer to one probe: status code, body and its length header.
#[derive(Debug, Clone)]
pub(crate) struct Answer {
    pub(crate) status: StatusCode,
    pub(crate) body: Bytes,
    pub(crate) content_length: HeaderValue,
}

impl Answer {
    pub(crate) fn new(status: StatusCode, body: Bytes) -> Self {
        let content_length = HeaderValue::from(body.len());
        Answer {
            status,
            body,
            content_length,
        }
    }
}

/// The answers to every probe for one state.
#[derive(Debug, Clone)]
pub(crate) struct Rendered {
    answers: [Answer; 4],
}

impl Rendered {
    pub(crate) fn new(state: &State) -> Self {
        Rendered {
            answers: Probe::ALL.map(|probe| {
                let status = state.status(probe);
                Answer::new(status.http_status(), render(state, probe, status))
            }),
        }
    }

    pub(crate) fn answer(&self, probe: Probe) -> &Answer {
        &self.answers[probe.index()]
    }
}

/// The JSON body of one probe.
#[derive(serde::Serialize)]
struct Body<'a> {
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    started: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    draining: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    live: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    checks: Option<Checks<'a>>,
}

/// The `checks` object: one entry per component, by name.
struct Checks<'a>(&'a State);

impl Serialize for Checks<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.components.iter().map(|(name, c)| (name, Entry(c))))
    }
}

/// One component's entry. Error texts are never part of it.
struct Entry<'a>(&'a Component);

impl Serialize for Entry<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(2))?;
        map.serialize_entry("status", self.0.status().as_str())?;
        map.serialize_entry("critical", &self.0.is_critical())?;
        map.end()
    }
}

fn render(state: &State, probe: Probe, status: Status) -> Bytes {
    let lifecycle = &state.lifecycle;
    let body = match probe {
        Probe::Liveness => Body {
            status: status.as_str(),
            reason: lifecycle.broken.as_ref().map(|_| "broken"),
            started: None,
            draining: None,
            live: None,
            checks: None,
        },
        Probe::Startup => Body {
            status: status.as_str(),
            reason: (!state.is_started()).then_some("starting"),
            started: None,
            draining: None,
            live: None,
            checks: None,
        },
        Probe::Readiness => Body {
            status: status.as_str(),
            reason: state.lifecycle_reason(),
            started: None,
            draining: None,
            live: None,
            checks: Some(Checks(state)),
        },
        Probe::Combined => Body {
            status: status.as_str(),
            reason: state.lifecycle_reason(),
            started: Some(state.is_started()),
            draining: Some(lifecycle.draining),
            live: Some(lifecycle.broken.is_none()),
            checks: Some(Checks(state)),
        },
    };
    // Serializing plain strings, bools and maps with string keys cannot fail.
    Bytes::from(serde_json::to_vec(&body).unwrap_or_else(|_| br#"{"status":"down"}"#.to_vec()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ComponentKind;
    use crate::ComponentStatus;
    use crate::snapshot::Lifecycle;

    fn body(state: &State, probe: Probe) -> serde_json::Value {
        serde_json::from_slice(&Rendered::new(state).answer(probe).body).unwrap()
    }

    #[test]
    fn fresh_state_bodies() {
        let state = State::default();
        assert_eq!(
            body(&state, Probe::Liveness),
            serde_json::json!({"status": "ok"})
        );
        assert_eq!(
            body(&state, Probe::Startup),
            serde_json::json!({"status": "down", "reason": "starting"})
        );
        assert_eq!(
            body(&state, Probe::Readiness),
            serde_json::json!({"status": "down", "reason": "starting", "checks": {}})
        );
        let rendered = Rendered::new(&state);
        assert_eq!(rendered.answer(Probe::Liveness).status, StatusCode::OK);
        assert_eq!(
            rendered.answer(Probe::Readiness).status,
            StatusCode::SERVICE_UNAVAILABLE
        );
    }

    #[test]
    fn combined_shows_lifecycle_and_every_component_without_errors() {
        let mut component = Component::new(ComponentKind::Check, false);
        component.status = ComponentStatus::Down;
        component.error = Some("password=hunter2".into());
        let state = State {
            lifecycle: Lifecycle {
                started: true,
                ..Lifecycle::default()
            },
            components: [("search".to_owned(), component)].into(),
            ..State::default()
        };
        let answer = Rendered::new(&state).answer(Probe::Combined).clone();
        assert_eq!(answer.status, StatusCode::OK);
        assert_eq!(answer.content_length, answer.body.len().to_string());
        assert!(!String::from_utf8_lossy(&answer.body).contains("hunter2"));
        assert_eq!(
            body(&state, Probe::Combined),
            serde_json::json!({
                "status": "degraded", "started": true, "draining": false, "live": true,
                "checks": {"search": {"status": "down", "critical": false}}
            })
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
        let value = body(&state, Probe::Readiness);
        assert_eq!(value["checks"]["a\"b\n"]["status"], "unknown");
    }
}
