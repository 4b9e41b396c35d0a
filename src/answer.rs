//! Which answer a health request gets: probe, component, format and details.

use bytes::Bytes;
use http::{Request, Response};

use crate::Health;
use crate::accept::prefers_health_json;
use crate::details::ProbeRequest;
use crate::paths::Route;
use crate::query::View;
use crate::render::{Answer, Format, render};
use crate::snapshot::Scope;

/// The response to a GET (or, with `head`, a HEAD) on a health path. Reads the published
/// snapshot; renders per request only for `?exclude=` and `/<path>/<name>` (pure
/// computation, no I/O).
pub(crate) fn answer<B>(
    health: &Health,
    route: Route<'_>,
    request: &Request<B>,
    head: bool,
) -> Response<Bytes> {
    let view = View::parse(request.uri().query());
    let format = if view.verbose {
        Format::Verbose
    } else if prefers_health_json(request.headers()) {
        Format::HealthJson
    } else {
        Format::Json
    };
    let reveal = health.details().reveal(&ProbeRequest::new(request));
    health.with_snapshot(|snapshot| {
        let state = &snapshot.state;
        let scope = match route.component {
            Some(name) if !state.components.contains_key(name) => {
                return Answer::no_such_component().response(head);
            }
            Some(name) => Scope::Only(name),
            None if view.is_plain() => {
                return snapshot
                    .rendered
                    .answer(state, route.probe, format, reveal)
                    .response(head);
            }
            None => Scope::Exclude(&view.exclude),
        };
        render(state, route.probe, scope, format, reveal).response(head)
    })
}
