//! Why a probe failed, from the body of a tower-health answer.
//!
//! Two body shapes are understood, the crate's JSON (`application/json`):
//!
//! ```text
//! {"status":"down","reason":"starting","checks":{"redis":{"status":"down","critical":true}}}
//! ```
//!
//! and the IETF draft's (`application/health+json`):
//!
//! ```text
//! {"status":"fail","output":"starting","checks":{"redis":[{"status":"fail"}]}}
//! ```
//!
//! The explanation is the reason if any, then the failing components (`down`/`fail` first,
//! then `unknown`/`warn`), then the passing ones in parentheses:
//! `starting; redis down, queue unknown (database ok)`. Without a reason or a failing
//! component it starts with the overall status (`down (database ok)`). The crate's 404 body
//! (`{"status":"error","error":"no such check"}`) gives its error text. Only names and
//! statuses are read: error texts of components are left out.

use serde_json::{Map, Value};

/// The explanation of a failing answer from its `body`, or `None` when the body is not one
/// of the shapes above.
pub(crate) fn explain(body: &[u8]) -> Option<String> {
    let Ok(Value::Object(body)) = serde_json::from_slice(body) else {
        return None;
    };
    let overall = body.get("status")?.as_str()?;
    let summary = match overall {
        "ok" | "degraded" | "down" => Summary {
            overall,
            reason: text(&body, "reason")?,
            components: components(&body, crate_entry)?,
        },
        "pass" | "warn" | "fail" => Summary {
            overall,
            reason: text(&body, "output")?,
            components: components(&body, ietf_entry)?,
        },
        "error" => return text(&body, "error")?.map(str::to_owned),
        _ => return None,
    };
    Some(summary.render())
}

/// What a body says, by name and status only.
#[derive(Debug)]
struct Summary<'a> {
    /// The probe's status (`down`, `fail`).
    overall: &'a str,
    /// The lifecycle reason (`starting`, `shutting down`), if any.
    reason: Option<&'a str>,
    /// Each component's name and status, in the body's order.
    components: Vec<(&'a str, &'a str)>,
}

impl Summary<'_> {
    /// `reason; failing, … (passing, …)`.
    fn render(mut self) -> String {
        self.components.sort_by_key(|&(_, status)| rank(status));
        let listed = |passing: bool| {
            let names = self.components.iter();
            let names = names.filter(|&&(_, status)| (rank(status) == 2) == passing);
            let names: Vec<String> = names
                .map(|(name, status)| format!("{name} {status}"))
                .collect();
            names.join(", ")
        };
        let (failing, passing) = (listed(false), listed(true));
        let mut head: Vec<&str> = self.reason.into_iter().collect();
        if !failing.is_empty() {
            head.push(&failing);
        }
        if head.is_empty() {
            head.push(self.overall);
        }
        let mut line = head.join("; ");
        if !passing.is_empty() {
            line = format!("{line} ({passing})");
        }
        line
    }
}

/// Orders statuses: failing (0), doubtful (1), passing (2).
fn rank(status: &str) -> u8 {
    match status {
        "down" | "fail" => 0,
        "ok" | "pass" => 2,
        _ => 1,
    }
}

/// The string at `key`: `Some(None)` when absent or empty, `None` when not a string.
fn text<'a>(body: &'a Map<String, Value>, key: &str) -> Option<Option<&'a str>> {
    match body.get(key) {
        None => Some(None),
        Some(value) => Some(Some(value.as_str()?).filter(|s| !s.is_empty())),
    }
}

/// The `checks` object's names and statuses, each read by `entry`; absent means none.
fn components<'a>(
    body: &'a Map<String, Value>,
    entry: fn(&'a Value) -> Option<&'a str>,
) -> Option<Vec<(&'a str, &'a str)>> {
    let Some(checks) = body.get("checks") else {
        return Some(Vec::new());
    };
    let checks = checks.as_object()?.iter();
    checks
        .map(|(name, value)| Some((name.as_str(), entry(value)?)))
        .collect()
}

/// A crate entry's status: `{"status":"down","critical":true}`.
fn crate_entry(entry: &Value) -> Option<&str> {
    let status = entry.get("status")?.as_str()?;
    matches!(status, "ok" | "down" | "unknown").then_some(status)
}

/// An IETF entry's status, the worst of its measurements: `[{"status":"fail"}]`.
fn ietf_entry(entry: &Value) -> Option<&str> {
    let statuses = entry.as_array()?.iter().map(|measurement| {
        let status = measurement.get("status")?.as_str()?;
        matches!(status, "pass" | "warn" | "fail").then_some(status)
    });
    let statuses: Option<Vec<&str>> = statuses.collect();
    statuses?.into_iter().min_by_key(|status| rank(status))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn why(body: &str) -> Option<String> {
        explain(body.as_bytes())
    }

    #[test]
    fn crate_bodies() {
        let checks = r#""checks":{"database":{"status":"ok","critical":true},
            "redis":{"status":"down","critical":true},"queue":{"status":"unknown","critical":false}}"#;
        let cases = [
            (
                format!(r#"{{"status":"down",{checks}}}"#),
                "redis down, queue unknown (database ok)",
            ),
            (
                format!(r#"{{"status":"down","reason":"starting",{checks}}}"#),
                "starting; redis down, queue unknown (database ok)",
            ),
            (
                r#"{"status":"down","reason":"starting","checks":{}}"#.into(),
                "starting",
            ),
            (r#"{"status":"down","reason":"broken"}"#.into(), "broken"),
            (r#"{"status":"down","checks":{}}"#.into(), "down"),
            (
                r#"{"status":"down","reason":"shutting down","started":true,"draining":true,
                   "live":true,"checks":{"database":{"status":"ok","critical":true}}}"#
                    .into(),
                "shutting down (database ok)",
            ),
            (
                r#"{"status":"degraded","checks":{"db":{"status":"ok"},"a":{"status":"ok"}}}"#
                    .into(),
                "degraded (a ok, db ok)",
            ),
            (
                r#"{"status":"error","error":"no such check"}"#.into(),
                "no such check",
            ),
        ];
        for (body, expected) in cases {
            assert_eq!(why(&body).as_deref(), Some(expected), "{body}");
        }
    }

    #[test]
    fn ietf_bodies() {
        let body = r#"{"status":"fail","output":"starting","version":"1","checks":{
            "redis":[{"componentType":"datastore","status":"fail"}],
            "database":[{"componentType":"datastore","status":"pass","observedValue":1.5}],
            "search":[{"status":"pass"},{"status":"warn"}]}}"#;
        assert_eq!(
            why(body).as_deref(),
            Some("starting; redis fail, search warn (database pass)")
        );
        assert_eq!(why(r#"{"status":"fail"}"#).as_deref(), Some("fail"));
    }

    #[test]
    fn other_bodies_explain_nothing() {
        let cases = [
            "",
            "Service Unavailable",
            "<html><body>503</body></html>",
            r#"{"status":"down","checks":{"db":{"status":"ok"}"#,
            r#"["down"]"#,
            r#"{"error":"x"}"#,
            r#"{"status":"DOWN"}"#,
            r#"{"status":"down","reason":7}"#,
            r#"{"status":"down","checks":[]}"#,
            r#"{"status":"down","checks":{"db":{"status":"fail"}}}"#,
            r#"{"status":"down","checks":{"db":"down"}}"#,
            r#"{"status":"fail","checks":{"db":[]}}"#,
            r#"{"status":"fail","checks":{"db":{"status":"fail"}}}"#,
            r#"{"status":"fail","checks":{"db":[{"status":"down"}]}}"#,
            r#"{"status":"error","error":null}"#,
        ];
        for body in cases {
            assert_eq!(why(body), None, "{body}");
        }
    }
}
