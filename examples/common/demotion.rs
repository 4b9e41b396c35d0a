//! `POST /admin/checks/<name>/demote?minutes=N&reason=…` and `POST
//! /admin/checks/<name>/restore`: an operator makes a check report-only for a while (it
//! fails no probe, every view says so) and brings it back.

use std::collections::HashMap;
use std::time::Duration;

use axum::Extension;
use axum::extract::{Path, Query};
use http::StatusCode;
use tower_health::Health;
use tower_health::health::DemoteError;

/// The longest demotion the route takes, in minutes: a week.
const MAX_MINUTES: u64 = 7 * 24 * 60;

/// The longest reason the route takes, in bytes (the handle keeps 256).
const MAX_REASON: usize = 256;

/// `POST /admin/checks/<name>/demote?reason=…[&minutes=N]`: `200` with the line the views
/// show; `404` for no such check or component; `400` for a reason missing, blank, over 256
/// bytes, not UTF-8 or with a control character, or minutes that are not a whole number
/// from 1 to 10080 (a week). Without `minutes` it lasts until restored.
pub(crate) async fn demote(
    Extension(health): Extension<Health>,
    Path(name): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> (StatusCode, String) {
    let Some(reason) = query.get("reason") else {
        return bad_request("reason=… is required: say why, every view shows it");
    };
    if reason.len() > MAX_REASON {
        return bad_request("reason is over 256 bytes");
    }
    // What the query's decoding put for bytes that are not UTF-8.
    if reason.contains(char::REPLACEMENT_CHARACTER) {
        return bad_request("reason is not valid UTF-8");
    }
    let duration = match query.get("minutes").map(|minutes| minutes.parse::<u64>()) {
        None => None,
        Some(Ok(minutes @ 1..=MAX_MINUTES)) => Some(Duration::from_secs(minutes * 60)),
        Some(_) => return bad_request("minutes must be a whole number from 1 to 10080 (a week)"),
    };
    match health.demote(&name, reason.as_str(), duration) {
        Ok(()) => {
            let snapshot = health.snapshot();
            let demotion = snapshot.component(&name).and_then(|c| c.demotion());
            let line = demotion.map(ToString::to_string).unwrap_or_default();
            (StatusCode::OK, format!("{name} {line}\n"))
        }
        Err(error) => refused(&error),
    }
}

/// `POST /admin/checks/<name>/restore`: `204` once it counts again; `404` for no such check
/// or component; `409` when it is not demoted.
pub(crate) async fn restore(
    Extension(health): Extension<Health>,
    Path(name): Path<String>,
) -> (StatusCode, String) {
    match health.restore(&name) {
        Ok(()) => (StatusCode::NO_CONTENT, String::new()),
        Err(error) => refused(&error),
    }
}

/// The answer to a refusal: `404` for an unknown name, `409` for nothing to restore, `400`
/// for the rest (a request the handle cannot take).
fn refused(error: &DemoteError) -> (StatusCode, String) {
    let status = match error {
        DemoteError::Unknown { .. } => StatusCode::NOT_FOUND,
        DemoteError::NotDemoted { .. } => StatusCode::CONFLICT,
        _ => StatusCode::BAD_REQUEST,
    };
    (status, format!("{error}\n"))
}

fn bad_request(why: &str) -> (StatusCode, String) {
    (StatusCode::BAD_REQUEST, format!("{why}\n"))
}
