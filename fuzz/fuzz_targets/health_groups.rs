//! `HEALTH_GROUPS`: the reference server's parsing of its groups (`examples/common/lists.rs`,
//! included as it is), then what the server does with them: a health built with
//! `try_build`, which refuses what it cannot serve, and each group's path asked through the
//! layer. The input is the variable's value (UTF-8, as the server reads it).
//!
//! Besides never panicking: a health that builds answers each group's path, `200` or `503`,
//! and knows each group's status.

#![no_main]

#[allow(
    dead_code,
    reason = "the server's code; the fuzz target uses part of it"
)]
#[path = "../../examples/common/lists.rs"]
mod lists;

use http::{HeaderMap, Method, Request, StatusCode, Uri};
use libfuzzer_sys::fuzz_target;
use tower_health::{Health, HealthLayer};
use tower_health_fuzz::layer::Teapot;
use tower_health_fuzz::now::now;
use tower_layer::Layer;
use tower_service::Service;

fuzz_target!(|data: &[u8]| {
    let Ok(raw) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(groups) = lists::groups(raw) else {
        return;
    };
    let builder = Health::builder()
        .component("database")
        .component("redis")
        .non_critical_component("upstream");
    let builder = groups
        .iter()
        .cloned()
        .fold(builder, |b, group| b.group(group));
    let Ok(health) = builder.try_build() else {
        return;
    };
    health.mark_started();
    health.mark_up("database");
    health.mark_down("redis", "refused");
    let snapshot = health.snapshot();
    let mut service = HealthLayer::new(health).layer(Teapot);
    for group in &groups {
        assert!(snapshot.group_status(group.name()).is_some(), "{group:?}");
        let Ok(uri) = Uri::try_from(group.path()) else {
            continue;
        };
        let mut request = Request::new(());
        *request.method_mut() = Method::GET;
        *request.uri_mut() = uri;
        *request.headers_mut() = HeaderMap::new();
        let Ok(response) = now(service.call(request), "a group's answer");
        let status = response.status();
        let answered = [StatusCode::OK, StatusCode::SERVICE_UNAVAILABLE].contains(&status);
        assert!(answered, "{} answered {status}", group.path());
    }
});
