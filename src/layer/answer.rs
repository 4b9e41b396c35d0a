//! Which answer a health request gets: probe, component, format and details.

use bytes::Bytes;
use http::{HeaderValue, Request, Response};

use super::config::Config;
use super::negotiate::negotiate;
use super::paths::Route;
use super::view::View;
use crate::health::ProbeRequest;
use crate::model::fleet::{INSTANCE_HEADER, LAST_RESULT_HEADER, last_result};
use crate::model::probe::Probe;
use crate::model::scope::Scope;
use crate::model::state::State;
use crate::model::target::Target;
use crate::render::{Format, Variant, render};

/// The response to a `GET` (or, with `head`, a `HEAD`) on a health path. Reads the
/// published snapshot; renders per request only for `?exclude=` and `/<path>/<name>` (pure
/// computation, no I/O). A `/<path>/<name>` answer names the replica (`x-health-instance`)
/// and says whether the check is failing, passing or has no result yet
/// (`x-health-last-result`), for peers asking about a shared check. A readiness answer
/// whose verdict is degraded says `x-envoy-degraded`.
pub(crate) fn answer<B>(
    config: &Config,
    route: Route<'_>,
    request: &Request<B>,
    head: bool,
) -> Response<Bytes> {
    let view = View::parse(request.uri().query());
    // The status page is the combined probe's, for the whole service.
    let page = route.target == Target::Probe(Probe::Combined) && route.component.is_none();
    let format = match view.verbose {
        true => Format::Verbose,
        false => negotiate(request.headers(), page),
    };
    let health = &config.health;
    let headers = &config.headers;
    let readiness = route.target == Target::Probe(Probe::Readiness);
    let variant = Variant {
        format,
        reveal: (health.details())
            .reveals(&ProbeRequest::new(request).with_peer_addr_from(config.peer_addr_from)),
        // The page always shows it.
        history: view.history && format != Format::Html,
    };
    health.with_snapshot(|snapshot| {
        let state = &snapshot.state;
        let scope = match route.component {
            Some(name) if !is_member(state, route.target, name) => {
                return headers.no_such_component(head);
            }
            Some(name) => Scope::Only(name),
            None if view.is_plain() => {
                let body = snapshot.bodies.get(state, route.target, variant);
                return headers.answer(body, head, readiness);
            }
            None => Scope::Exclude(&view.exclude),
        };
        let body = render(state, route.target, scope, variant);
        let mut response = headers.answer(&body, head, readiness);
        if let Scope::Only(name) = scope {
            let headers = response.headers_mut();
            headers.insert(INSTANCE_HEADER, config.instance.clone());
            if let Some(component) = state.components.get(name) {
                let last = HeaderValue::from_static(last_result(component));
                headers.insert(LAST_RESULT_HEADER, last);
            }
        }
        response
    })
}

/// Whether `/<path>/<name>` names something the target answers for: any component under
/// readiness and combined, a member under a group.
fn is_member(state: &State, target: Target, name: &str) -> bool {
    match (target, state.components.get(name)) {
        (_, None) => false,
        (Target::Group(_), Some(component)) => state.counts(target, name, component),
        (Target::Probe(_), Some(_)) => true,
    }
}
