//! `examples/server.rs`, its secrets: the default API token said loudly where it is
//! reachable, error details to a token or to this host only, a token no request could send
//! refused at start.

use std::net::SocketAddr;

use http::StatusCode;

use crate::common::client::fetch;
use crate::common::deps::free_port;
use crate::common::details::from_loopback_and_outside;
use crate::common::examples::{Example, run_to_exit};

const WARNING: &str = "!! WARNING: API_TOKEN is the public default \"dev-token\"";

#[test]
fn the_default_token_on_an_address_other_than_loopback_is_said_loudly() {
    let exposed = Example::start("server", &[("LISTEN_ADDR", "0.0.0.0:0")]);
    let log = exposed.output();
    let port = exposed.addr.port();
    let stderr = exposed.stop_and_read_stderr();
    let lines: Vec<&str> = stderr.lines().collect();
    let at = lines
        .iter()
        .position(|line| line.starts_with(WARNING))
        .unwrap_or_else(|| panic!("no warning on stderr: {stderr}"));
    let frame = "!".repeat(78);
    assert_eq!(lines[at - 1], frame, "{stderr}");
    let listens = format!("!! listens on 0.0.0.0:{port}, which is not loopback.");
    assert!(lines[at + 1].starts_with(&listens), "{stderr}");
    assert!(
        stderr.contains("Set API_TOKEN to a secret of your own"),
        "{stderr}"
    );
    assert!(log.contains("API_TOKEN is the public default"), "{log}");

    // On loopback, or with a token of its own: nothing to say.
    for env in [
        &[("LISTEN_ADDR", "127.0.0.1:0")][..],
        &[
            ("LISTEN_ADDR", "0.0.0.0:0"),
            ("API_TOKEN", "a-secret-of-its-own"),
        ],
    ] {
        let quiet = Example::start("server", env);
        let log = quiet.output();
        let stderr = quiet.stop_and_read_stderr();
        assert!(!stderr.contains("WARNING"), "{env:?}: {stderr}");
        assert!(!log.contains("public default"), "{env:?}: {log}");
    }
}

/// The verbose readiness of the server on `addr` once `database` has a result: whether it
/// shows its error.
async fn database_error_shown(addr: SocketAddr, headers: &[(&str, &str)]) -> bool {
    let deadline = std::time::Instant::now() + crate::common::NO_HANG;
    loop {
        let reply =
            crate::common::client::send(addr, http::Method::GET, "/readyz?verbose", headers).await;
        let text = reply.text();
        if text.contains("[-]database failed: reason withheld") {
            return false;
        }
        if text.contains("[-]database failed: ") && !text.contains("no result yet") {
            return true;
        }
        assert!(std::time::Instant::now() < deadline, "no result: {text}");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn details_go_to_this_host_and_to_the_token_only() {
    let unreachable = format!("postgres://app:pw@127.0.0.1:{}/app", free_port());
    let server = Example::start(
        "server",
        &[
            ("LISTEN_ADDR", "0.0.0.0:0"),
            ("PROBE_ADDR", "0.0.0.0:0"),
            ("API_TOKEN", "not-the-default"),
            ("DATABASE_URL", &unreachable),
            ("HEALTH_DETAILS_LOOPBACK", "on"),
            ("HEALTH_DETAILS_TOKEN", "ops-123"),
        ],
    );
    assert!(server.output().contains("  HEALTH_DETAILS_LOOPBACK=on"));
    // The app port (axum's ConnectInfo) and the probe port (the probe server's own).
    for port in [server.addr.port(), server.probe_addr().port()] {
        let (loopback, outside) = from_loopback_and_outside(port);
        assert!(database_error_shown(loopback, &[]).await, "from {loopback}");
        assert!(!database_error_shown(outside, &[]).await, "from {outside}");
        let token = [("x-health-token", "ops-123")];
        assert!(
            database_error_shown(outside, &token).await,
            "{outside}, token"
        );
        for wrong in ["ops-124", "ops-12", "ops-1234", ""] {
            let wrong = [("x-health-token", wrong)];
            assert!(
                !database_error_shown(outside, &wrong).await,
                "{outside}, {wrong:?}"
            );
        }
        assert_eq!(fetch(outside, "/healthz").await.status, StatusCode::OK);
    }
}

#[test]
fn a_details_token_no_request_could_send_stops_start_up() {
    for token in [" zq7-token", "zq7-token\t", "zq7\u{1}token"] {
        let output = run_to_exit("server", &[("HEALTH_DETAILS_TOKEN", token)]);
        assert_eq!(output.status.code(), Some(2), "{token:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains("HEALTH_DETAILS_TOKEN is not valid")
                && stderr.contains("cannot be sent in a header"),
            "{stderr}"
        );
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            !stderr.contains("zq7") && !stdout.contains("zq7"),
            "{stderr}{stdout}"
        );
    }
}
