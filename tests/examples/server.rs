//! `examples/server.rs`, the reference server: its app, admin routes, start-up delay,
//! configuration, and its drain on SIGTERM and Ctrl-C.

use std::process::Command;

use http::{Method, StatusCode};

use crate::common::client::{fetch, send, wait_for_status};
use crate::common::deps::free_port;
use crate::common::drain::drains_on_signal;
use crate::common::examples::{Example, example_binary};

#[tokio::test]
async fn reference_server_guards_the_app_but_not_the_probes() {
    let server = Example::start("server", &[]);
    let addr = server.addr;

    let root = fetch(addr, "/").await;
    assert_eq!(root.status, StatusCode::OK);
    assert!(root.text().contains("reference server"));

    let denied = fetch(addr, "/api/items").await;
    assert_eq!(denied.status, StatusCode::UNAUTHORIZED);
    assert_eq!(denied.header("www-authenticate"), "Bearer");
    let wrong = send(
        addr,
        Method::GET,
        "/api/items",
        &[("authorization", "Bearer nope")],
    )
    .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    let items = send(
        addr,
        Method::GET,
        "/api/items",
        &[("authorization", "Bearer dev-token")],
    )
    .await;
    assert_eq!(items.status, StatusCode::OK);
    assert_eq!(items.json()[0]["id"], 1);

    assert_eq!(fetch(addr, "/healthz").await.status, StatusCode::OK);
    wait_for_status(addr, "/readyz", StatusCode::OK).await;
    assert_eq!(fetch(addr, "/startupz").await.status, StatusCode::OK);
    assert_eq!(fetch(addr, "/health").await.json()["started"], true);
}

#[tokio::test]
async fn reference_server_admin_routes_hold_readiness_out() {
    let server = Example::start("server", &[("API_TOKEN", "s3cret")]);
    let addr = server.addr;
    let token = [("authorization", "Bearer s3cret")];
    wait_for_status(addr, "/readyz", StatusCode::OK).await;

    let denied = send(addr, Method::POST, "/admin/unready", &[]).await;
    assert_eq!(denied.status, StatusCode::UNAUTHORIZED);
    assert_eq!(fetch(addr, "/readyz").await.status, StatusCode::OK);
    let old_token = send(
        addr,
        Method::GET,
        "/api/items",
        &[("authorization", "Bearer dev-token")],
    )
    .await;
    assert_eq!(old_token.status, StatusCode::UNAUTHORIZED);

    let held = send(addr, Method::POST, "/admin/unready", &token).await;
    assert_eq!(held.status, StatusCode::NO_CONTENT);
    let ready = fetch(addr, "/readyz").await;
    assert_eq!(ready.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(ready.json()["reason"], "held out by /admin/unready");
    assert_eq!(fetch(addr, "/healthz").await.status, StatusCode::OK);
    assert_eq!(
        send(addr, Method::GET, "/api/items", &token).await.status,
        StatusCode::OK
    );

    let back = send(addr, Method::POST, "/admin/ready", &token).await;
    assert_eq!(back.status, StatusCode::NO_CONTENT);
    assert_eq!(fetch(addr, "/readyz").await.status, StatusCode::OK);
}

#[tokio::test]
async fn reference_server_waits_its_startup_delay() {
    let server = Example::start("server", &[("STARTUP_DELAY_MS", "1500")]);
    let addr = server.addr;
    assert_eq!(fetch(addr, "/healthz").await.status, StatusCode::OK);
    let startup = fetch(addr, "/startupz").await;
    assert_eq!(startup.status, StatusCode::SERVICE_UNAVAILABLE);
    // The warm-up is a start-up task holding its gate.
    assert_eq!(startup.json()["reason"], "starting: waiting for warm-up");
    assert_eq!(
        startup.json()["closed_gates"],
        serde_json::json!(["warm-up"])
    );
    assert_eq!(
        fetch(addr, "/readyz").await.status,
        StatusCode::SERVICE_UNAVAILABLE
    );
    wait_for_status(addr, "/startupz", StatusCode::OK).await;
    assert_eq!(fetch(addr, "/readyz").await.status, StatusCode::OK);
}

#[test]
fn reference_server_refuses_bad_configuration() {
    for (name, value) in [
        ("STARTUP_DELAY_MS", "soon"),
        ("LISTEN_ADDR", "localhost"),
        ("PROBE_ADDR", "localhost"),
    ] {
        let output = Command::new(example_binary("server"))
            .env(name, value)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{name}={value}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains(name) && stderr.contains("is not valid"),
            "{stderr}"
        );
    }
}

#[tokio::test]
async fn reference_server_prints_its_configuration_without_secrets() {
    let output = Command::new(example_binary("server"))
        .env("API_TOKEN", "very-secret-token")
        .env("STARTUP_DELAY_MS", "x")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("LISTEN_ADDR=127.0.0.1:3000"), "{stdout}");
    assert!(
        stdout.contains("  PROBE_ADDR=(unset: probes on the app port only)"),
        "{stdout}"
    );
    assert!(stdout.contains("API_TOKEN=(set"), "{stdout}");
    assert!(!stdout.contains("very-secret-token"), "{stdout}");
}

#[tokio::test]
async fn reference_server_start_up_lines_say_no_more_than_they_should() {
    let port = free_port();
    let with_passwords = Example::start(
        "server",
        &[
            (
                "DATABASE_URL",
                &format!("postgres://app:hunter2@127.0.0.1:{port}/app"),
            ),
            ("REDIS_URL", &format!("redis://:hunter2@127.0.0.1:{port}")),
            ("HEALTH_DETAILS_TOKEN", "s3cret-token"),
            ("PROBE_ADDR", "127.0.0.1:0"),
        ],
    );
    let output = with_passwords.output();
    let lines: Vec<&str> = output.lines().collect();
    for expected in [
        format!("  DATABASE_URL=postgres://app@127.0.0.1:{port}/app (password not shown)"),
        format!("  REDIS_URL=127.0.0.1:{port} (password not shown)"),
        // Nothing derived from the token but that it is set: not its length either.
        "  HEALTH_DETAILS_TOKEN=(set)".to_owned(),
        "  PROBE_ADDR=127.0.0.1:0".to_owned(),
    ] {
        assert!(
            lines.contains(&expected.as_str()),
            "no {expected:?} in: {output}"
        );
    }
    assert!(
        !output.contains("hunter2") && !output.contains("s3cret"),
        "{output}"
    );
    // Logs go to a pipe here: plain text, no colour codes.
    assert!(!output.contains('\x1b'), "{output}");
    // How long a failing dependency takes to leave the Service, with the defaults.
    assert!(
        output.contains("\"database\" takes up to 32.5s to take the pod out of the Service"),
        "{output}"
    );

    let without = Example::start(
        "server",
        &[
            (
                "DATABASE_URL",
                &format!("postgres://app@127.0.0.1:{port}/app"),
            ),
            ("REDIS_URL", &format!("redis://127.0.0.1:{port}")),
        ],
    );
    let output = without.output();
    let lines: Vec<&str> = output.lines().collect();
    for expected in [
        format!("  DATABASE_URL=postgres://app@127.0.0.1:{port}/app"),
        format!("  REDIS_URL=127.0.0.1:{port}"),
        "  HEALTH_DETAILS_TOKEN=(unset: no token shows details)".to_owned(),
        "  HEALTH_DETAILS_LOOPBACK=off".to_owned(),
        "  PROBE_ADDR=(unset: probes on the app port only)".to_owned(),
    ] {
        assert!(
            lines.contains(&expected.as_str()),
            "no {expected:?} in: {output}"
        );
    }
    assert!(!output.contains("password"), "{output}");
}

#[tokio::test]
async fn reference_server_warns_about_settings_that_do_not_fit_its_manifests() {
    let unreachable = format!("postgres://app:pw@127.0.0.1:{}/app", free_port());
    let server = Example::start(
        "server",
        &[
            ("DATABASE_URL", &unreachable),
            ("CHECK_TIMEOUT_MS", "4000"),
            ("SHUTDOWN_DELAY_MS", "45000"),
            ("STARTUP_DELAY_MS", "70000"),
        ],
    );
    let output = server.output();
    for expected in [
        "check timeout of \"database\" (4s) is at or above the readinessProbe timeoutSeconds (3s)",
        "drain delay (45s) is at or above terminationGracePeriodSeconds (30s)",
        "startupProbe budget (failureThreshold × periodSeconds = 60s) is shorter than start-up may take",
    ] {
        assert!(output.contains(expected), "no {expected:?} in: {output}");
    }
    let quiet = Example::start("server", &[]);
    assert!(
        !quiet.output().contains("health configuration"),
        "{}",
        quiet.output()
    );
}

const TOKEN: &[(&str, &str)] = &[("authorization", "Bearer dev-token")];

#[tokio::test]
async fn axum_reference_server_drains_on_sigterm() {
    drains_on_signal(
        "server",
        "TERM",
        "/api/items",
        Some("/api/slow?ms=2500"),
        TOKEN,
    )
    .await;
}

#[tokio::test]
async fn axum_reference_server_drains_on_ctrl_c() {
    drains_on_signal("server", "INT", "/", None, &[]).await;
}
