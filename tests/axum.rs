//! The layer on an axum router, over real HTTP: every probe rule of the crate.

mod common;

use std::net::SocketAddr;

use axum::Router;
use axum::extract::{ConnectInfo, Extension};
use axum::routing::{any, get, post};
use common::client::{Reply, fetch, send};
use common::details;
use common::health::settled;
use common::serve::{Calls, serve_axum, serve_probes};
use http::{Method, StatusCode};
use tower_health::{Details, Health, HealthLayer, NamedCheck, Probe, Status};
use tower_http::validate_request::ValidateRequestHeaderLayer;

/// An app whose every route counts its calls, behind an auth layer, behind the health layer.
fn app(calls: &Calls, layer: HealthLayer) -> Router {
    let count = |calls: Calls| {
        move || {
            calls.hit();
            async { "inner" }
        }
    };
    let api = Router::new()
        .route("/api/items", get(count(calls.clone())))
        .route_layer(
            ValidateRequestHeaderLayer::has_header_value("authorization", "Bearer t").unwrap(),
        );
    Router::new()
        .route(
            "/admin/unready",
            post(|Extension(health): Extension<Health>| async move {
                health.mark_refusing_traffic("held out");
            }),
        )
        .route(
            "/admin/ready",
            post(|Extension(health): Extension<Health>| async move { health.mark_accepting_traffic() }),
        )
        .merge(api)
        .fallback(any(count(calls.clone())))
        .layer(layer)
}

async fn start(health: &Health, calls: &Calls) -> std::net::SocketAddr {
    serve_axum(app(
        calls,
        HealthLayer::new(health.clone()).handle_in_extensions(true),
    ))
    .await
}

#[tokio::test]
async fn every_probe_follows_the_lifecycle() {
    let health = Health::default();
    let calls = Calls::default();
    let addr = start(&health, &calls).await;

    assert_eq!(fetch(addr, "/healthz").await.status, StatusCode::OK);
    let startup = fetch(addr, "/startupz").await;
    assert_eq!(startup.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        startup.json(),
        serde_json::json!({"status": "down", "reason": "starting"})
    );
    let ready = fetch(addr, "/readyz").await;
    assert_eq!(ready.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(ready.json()["reason"], "starting");
    assert_eq!(
        fetch(addr, "/health").await.status,
        StatusCode::SERVICE_UNAVAILABLE
    );

    health.mark_started();
    for path in ["/healthz", "/readyz", "/startupz", "/health"] {
        let reply = fetch(addr, path).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}");
        assert_eq!(reply.json()["status"], "ok", "{path}");
    }

    health.mark_draining();
    let ready = fetch(addr, "/readyz").await;
    assert_eq!(ready.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(ready.json()["reason"], "shutting down");
    assert_eq!(fetch(addr, "/healthz").await.status, StatusCode::OK);
    assert_eq!(fetch(addr, "/startupz").await.status, StatusCode::OK);
    assert_eq!(calls.count(), 0, "the inner service saw a health request");
}

#[tokio::test]
async fn broken_liveness_and_manual_components() {
    let health = Health::builder()
        .component("consumer")
        .non_critical_component("report-cache")
        .build();
    health.mark_started();
    let calls = Calls::default();
    let addr = start(&health, &calls).await;

    let combined = fetch(addr, "/health").await;
    assert_eq!(combined.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        combined.json(),
        serde_json::json!({
            "status": "down", "started": true, "draining": false, "live": true,
            "checks": {
                "consumer": {"status": "unknown", "critical": true},
                "report-cache": {"status": "unknown", "critical": false},
            }
        })
    );

    health.mark_up("consumer");
    let ready = fetch(addr, "/readyz").await;
    assert_eq!(ready.status, StatusCode::OK);
    assert_eq!(ready.json()["status"], "degraded");

    health.mark_up("report-cache");
    assert_eq!(fetch(addr, "/readyz").await.json()["status"], "ok");

    health.mark_down("consumer", "rebalancing at broker-7:9092");
    let ready = fetch(addr, "/readyz").await;
    assert_eq!(ready.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(ready.json()["checks"]["consumer"]["status"], "down");
    assert!(
        !ready.text().contains("broker-7"),
        "error text leaked: {}",
        ready.text()
    );

    health.mark_broken("worker thread died");
    let live = fetch(addr, "/healthz").await;
    assert_eq!(live.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        live.json(),
        serde_json::json!({"status": "down", "reason": "broken"})
    );
    health.mark_alive();
    assert_eq!(fetch(addr, "/healthz").await.status, StatusCode::OK);
    assert_eq!(calls.count(), 0);
}

#[tokio::test]
async fn handlers_behind_the_layer_flip_the_state_through_extensions() {
    let health = Health::default();
    health.mark_started();
    let calls = Calls::default();
    let addr = start(&health, &calls).await;

    assert_eq!(
        send(addr, Method::POST, "/admin/unready", &[]).await.status,
        StatusCode::OK
    );
    let ready = fetch(addr, "/readyz").await;
    assert_eq!(ready.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(ready.json()["reason"], "held out");
    assert_eq!(fetch(addr, "/healthz").await.status, StatusCode::OK);

    assert_eq!(
        send(addr, Method::POST, "/admin/ready", &[]).await.status,
        StatusCode::OK
    );
    assert_eq!(fetch(addr, "/readyz").await.status, StatusCode::OK);
}

#[tokio::test]
async fn auth_guards_the_app_but_never_the_probes() {
    let health = Health::default();
    health.mark_started();
    let calls = Calls::default();
    let addr = start(&health, &calls).await;

    assert_eq!(
        fetch(addr, "/api/items").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(calls.count(), 0);
    let authorized = send(
        addr,
        Method::GET,
        "/api/items",
        &[("authorization", "Bearer t")],
    )
    .await;
    assert_eq!(authorized.status, StatusCode::OK);
    assert_eq!(authorized.text(), "inner");
    assert_eq!(calls.count(), 1);
    for path in ["/healthz", "/readyz", "/startupz", "/health"] {
        assert_eq!(fetch(addr, path).await.status, StatusCode::OK, "{path}");
    }
    assert_eq!(calls.count(), 1);
}

#[tokio::test]
async fn head_get_and_other_methods() {
    let health = Health::default();
    let calls = Calls::default();
    let addr = start(&health, &calls).await;

    for path in ["/healthz", "/readyz"] {
        let full = fetch(addr, path).await;
        assert_eq!(full.header("content-type"), "application/json");
        assert_eq!(full.header("cache-control"), "no-store");
        // Content-Length on GET comes from the body's exact size (the server writes it).
        assert_eq!(full.header("content-length"), full.body.len().to_string());
        let head = send(addr, Method::HEAD, path, &[]).await;
        assert_eq!(head.status, full.status, "{path}");
        assert_eq!(head.header("content-type"), "application/json");
        assert_eq!(head.header("cache-control"), "no-store");
        assert_eq!(head.header("content-length"), full.body.len().to_string());
        assert!(head.body.is_empty());
    }
    for method in [
        Method::POST,
        Method::PUT,
        Method::DELETE,
        Method::PATCH,
        Method::OPTIONS,
    ] {
        let reply = send(addr, method.clone(), "/readyz", &[]).await;
        assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED, "{method}");
        assert_eq!(reply.header("allow"), "GET, HEAD");
        assert_eq!(reply.header("cache-control"), "no-store");
        assert_eq!(reply.header("content-type"), "application/json");
        assert_eq!(reply.json()["error"], "method not allowed");
    }
    assert_eq!(calls.count(), 0);
}

#[tokio::test]
async fn only_exact_paths_are_answered() {
    let health = Health::default();
    health.mark_started();
    let calls = Calls::default();
    let addr = start(&health, &calls).await;

    assert_eq!(
        fetch(addr, "/readyz?verbose=1&x=%20").await.status,
        StatusCode::OK
    );
    assert_eq!(fetch(addr, "/healthz?").await.json()["status"], "ok");
    assert_eq!(calls.count(), 0);

    let others = [
        "/healthzx",
        "/healthz/",
        "/healthz/x",
        "//healthz",
        "/%68ealthz",
        "/healthz%2F",
        "/HEALTHZ",
        "/readyz/../readyz",
        "/health/",
        "/startupz;x",
    ];
    for (seen, path) in others.iter().enumerate() {
        let reply = fetch(addr, path).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}");
        assert_eq!(
            reply.text(),
            "inner",
            "{path} did not reach the inner service"
        );
        assert_eq!(calls.count(), seen + 1, "{path}");
    }
}

#[tokio::test]
async fn paths_are_configurable_and_probes_can_be_turned_off() {
    let health = Health::default();
    health.mark_started();
    let calls = Calls::default();
    let layer = HealthLayer::new(health.clone())
        .path(Probe::Liveness, "/livez")
        .path(Probe::Readiness, "/-/ready")
        .disable(Probe::Startup)
        .disable(Probe::Combined);
    let addr = serve_axum(app(&calls, layer)).await;

    assert_eq!(fetch(addr, "/livez").await.json()["status"], "ok");
    assert_eq!(fetch(addr, "/-/ready").await.json()["status"], "ok");
    assert_eq!(calls.count(), 0);
    for path in ["/healthz", "/readyz", "/startupz", "/health"] {
        assert_eq!(fetch(addr, path).await.text(), "inner", "{path}");
    }
    assert_eq!(calls.count(), 4);
}

const ENVOY_DEGRADED: &str = "x-envoy-degraded";

/// `reply` answered `status`, saying `x-envoy-degraded: degraded` or not at all.
fn assert_envoy(reply: &Reply, status: StatusCode, degraded: bool, what: &str) {
    assert_eq!(reply.status, status, "{what}: {}", reply.text());
    match degraded {
        true => assert_eq!(reply.header(ENVOY_DEGRADED), "degraded", "{what}"),
        false => assert!(
            !reply.headers.contains_key(ENVOY_DEGRADED),
            "{what}: {:?}",
            reply.headers
        ),
    }
}

#[tokio::test]
async fn a_degraded_readiness_answer_says_x_envoy_degraded() {
    // Liveness is degraded throughout (a non-critical liveness check that always fails), and
    // never says it.
    let warmer = NamedCheck::new("cache-warmer", || async { Err::<(), _>("cold") })
        .non_critical()
        .probes([Probe::Liveness]);
    let health = Health::builder()
        .component("consumer")
        .non_critical_component("report-cache")
        .add_check(warmer)
        .initial_jitter(std::time::Duration::ZERO)
        .build();
    health.mark_started();
    health.mark_up("consumer");
    health.mark_up("report-cache");
    health.start_checks();
    settled(&health).await;
    assert_eq!(health.snapshot().status(Probe::Liveness), Status::Degraded);
    let calls = Calls::default();
    let addr = start(&health, &calls).await;
    let (probes, _) = serve_probes(&health);
    let get = |path| send(addr, Method::GET, path, &[]);
    let head = |path| send(addr, Method::HEAD, path, &[]);
    let live = |phase: &'static str| async move {
        for reply in [fetch(addr, "/healthz").await, head("/healthz").await] {
            assert_envoy(&reply, StatusCode::OK, false, phase);
        }
    };

    // Every readiness member up: ok, no header.
    let ready = get("/readyz").await;
    assert_envoy(&ready, StatusCode::OK, false, "all up");
    assert_eq!(ready.json()["status"], "ok");
    assert_envoy(
        &head("/readyz").await,
        StatusCode::OK,
        false,
        "all up, HEAD",
    );
    live("all up").await;

    // A non-critical manual component down: 200 degraded, with the header, in every format.
    health.mark_down("report-cache", "evicted");
    let ready = get("/readyz").await;
    assert_envoy(&ready, StatusCode::OK, true, "degraded");
    assert_eq!(ready.json()["status"], "degraded");
    assert_envoy(&head("/readyz").await, StatusCode::OK, true, "HEAD");
    let verbose = get("/readyz?verbose").await;
    assert_envoy(&verbose, StatusCode::OK, true, "?verbose");
    assert!(
        verbose.text().contains("[-]report-cache"),
        "{}",
        verbose.text()
    );
    assert_envoy(
        &head("/readyz?verbose").await,
        StatusCode::OK,
        true,
        "HEAD ?verbose",
    );
    let ietf = send(
        addr,
        Method::GET,
        "/readyz",
        &[("accept", "application/health+json")],
    )
    .await;
    assert_envoy(&ietf, StatusCode::OK, true, "health+json");
    assert_eq!(ietf.header("content-type"), "application/health+json");
    assert_eq!(ietf.json()["status"], "warn");
    let excluded = get("/readyz?exclude=consumer").await;
    assert_envoy(&excluded, StatusCode::OK, true, "?exclude=consumer");
    // Without the failing member the verdict is ok again: no header.
    let excluded = get("/readyz?exclude=report-cache").await;
    assert_envoy(&excluded, StatusCode::OK, false, "?exclude=report-cache");
    // The probe port answers as the layer does.
    let on_probes = fetch(probes.local_addr(), "/readyz").await;
    assert_envoy(&on_probes, StatusCode::OK, true, "probe server");
    // Not the other probes, nor one component's own answer.
    let combined = get("/health").await;
    assert_envoy(&combined, StatusCode::OK, false, "/health");
    assert_eq!(combined.json()["status"], "degraded");
    assert_envoy(&get("/startupz").await, StatusCode::OK, false, "/startupz");
    let one = get("/readyz/report-cache").await;
    assert_envoy(
        &one,
        StatusCode::SERVICE_UNAVAILABLE,
        false,
        "/readyz/report-cache",
    );
    live("degraded").await;

    // A critical one down too: 503, no header.
    health.mark_down("consumer", "rebalancing");
    assert_envoy(
        &get("/readyz").await,
        StatusCode::SERVICE_UNAVAILABLE,
        false,
        "down",
    );
    let down = head("/readyz").await;
    assert_envoy(&down, StatusCode::SERVICE_UNAVAILABLE, false, "down, HEAD");
    let verbose = get("/readyz?verbose").await;
    assert_envoy(
        &verbose,
        StatusCode::SERVICE_UNAVAILABLE,
        false,
        "down, ?verbose",
    );
    live("down").await;
    assert_eq!(calls.count(), 0);
}

#[tokio::test]
async fn degraded_mapped_to_503_says_no_x_envoy_degraded() {
    let health = Health::builder()
        .non_critical_component("report-cache")
        .fail_when_degraded(Probe::Readiness)
        .build();
    health.mark_started();
    let calls = Calls::default();
    let addr = start(&health, &calls).await;
    let ready = fetch(addr, "/readyz").await;
    assert_envoy(
        &ready,
        StatusCode::SERVICE_UNAVAILABLE,
        false,
        "mapped to 503",
    );
    assert_eq!(ready.json()["status"], "degraded");
}

/// Serve `health` on `0.0.0.0` behind a layer told where axum keeps the client's address
/// (`read_connect_info`: or not), with `ConnectInfo` in every request.
async fn serve_with_connect_info(health: Health, read_connect_info: bool) -> u16 {
    let layer = HealthLayer::new(health);
    let layer = match read_connect_info {
        true => layer.peer_addr_from(|extensions| {
            extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|ConnectInfo(addr)| *addr)
        }),
        false => layer,
    };
    let app = Router::new().fallback(|| async { "inner" }).layer(layer);
    let listener = tokio::net::TcpListener::bind("0.0.0.0:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let app = app.into_make_service_with_connect_info::<SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    port
}

#[tokio::test]
async fn details_go_to_loopback_peers_through_connect_info() {
    let port = serve_with_connect_info(details::failing(Details::loopback()), true).await;
    let (loopback, outside) = details::from_loopback_and_outside(port);
    assert!(details::revealed(loopback, &[]).await, "from {loopback}");
    assert!(!details::revealed(outside, &[]).await, "from {outside}");

    // Token or loopback: from outside, the token opens them.
    let token = Details::token("x-health-token", "open-sesame").unwrap();
    let either = details::failing(token.or(Details::loopback()));
    let (loopback, outside) =
        details::from_loopback_and_outside(serve_with_connect_info(either, true).await);
    assert!(details::revealed(loopback, &[]).await);
    assert!(details::revealed(outside, &[("x-health-token", "open-sesame")]).await);
    assert!(!details::revealed(outside, &[("x-health-token", "open-sesamE")]).await);

    // The layer not told where the address is: unknown, so nobody sees them.
    let untold = serve_with_connect_info(details::failing(Details::loopback()), false).await;
    let (loopback, _) = details::from_loopback_and_outside(untold);
    assert!(!details::revealed(loopback, &[]).await);
}
