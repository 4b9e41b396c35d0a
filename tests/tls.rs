//! The TLS certificate check against `openssl s_server` presenting certificates made by
//! `openssl`: valid, in its warning window, expired, not yet valid, signed by a given root
//! or not, for another name; a refused port, a peer that never speaks, and the gauge.

mod common;

use std::time::{Duration, Instant};

use common::client::wait_for_status;
use common::deps::{Blackhole, free_port};
use common::serve::serve_counting;
use common::tls::{Certificates, Leaf, TlsServer, Validity};
use http::StatusCode;
use tower_health::checks::{self, CheckError, TlsCheck};
use tower_health::{Check, ComponentStatus, Details, Health, NamedCheck, Probe, Status};

/// The certificate's expiry as the check writes it, read by `openssl x509`.
fn expiry_of(leaf: &Leaf) -> String {
    let output = std::process::Command::new("openssl")
        .args(["x509", "-noout", "-enddate", "-dateopt", "iso_8601", "-in"])
        .arg(&leaf.cert)
        .output()
        .expect("openssl x509");
    // `notAfter=2026-12-08 10:00:00Z`
    let text = String::from_utf8(output.stdout).unwrap();
    text.trim()
        .trim_start_matches("notAfter=")
        .replacen(' ', "T", 1)
}

async fn run(check: &TlsCheck) -> Result<(), CheckError> {
    tokio::time::timeout(Duration::from_secs(10), check.check())
        .await
        .expect("a TLS check against a local server hung")
}

#[tokio::test]
async fn a_valid_certificate_passes_with_or_without_its_root() {
    let certificates = Certificates::new();
    let server = TlsServer::start(&certificates.signed("api.test", Validity::Days(90)));
    let check = checks::tls(server.address()).server_name("api.test");
    run(&check).await.expect("valid for 90 days");
    let verified = check.clone().root_pem_file(certificates.root());
    run(&verified)
        .await
        .expect("valid, signed by the root, for its name");
    let pem = std::fs::read(certificates.root()).unwrap();
    run(&check.root_pem(pem))
        .await
        .expect("the root as PEM bytes");
    // No server name: SNI-less, by IP address; an expiry monitor does not mind.
    run(&checks::tls(server.address()))
        .await
        .expect("by address");
}

#[tokio::test]
async fn two_days_before_expiry_is_degraded_naming_the_subject_and_date() {
    let certificates = Certificates::new();
    let leaf = certificates.signed("api.test", Validity::Days(2));
    let server = TlsServer::start(&leaf);
    let check = checks::tls(server.address()).server_name("api.test");
    let error = run(&check).await.unwrap_err();
    assert!(error.is_degraded(), "{error}");
    let expected = format!("CN=api.test expires {} (in 2 days)", expiry_of(&leaf));
    assert_eq!(error.message(), expected);
    // Outside a one-day window it passes.
    run(&check.warn_before(Duration::from_secs(86_400)))
        .await
        .expect("2 days left, 1 day window");
}

#[tokio::test]
async fn expired_and_not_yet_valid_certificates_are_down() {
    let certificates = Certificates::new();
    let expired = Validity::Between("20200101000000Z", "20200201000000Z");
    let server = TlsServer::start(&certificates.signed("api.test", expired));
    let check = checks::tls(server.address()).server_name("api.test");
    for check in [check.clone(), check.root_pem_file(certificates.root())] {
        let error = run(&check).await.unwrap_err();
        assert!(!error.is_degraded(), "{error}");
        assert!(
            error
                .message()
                .starts_with("CN=api.test expired 2020-02-01T00:00:00Z ("),
            "{error}"
        );
        assert!(error.message().ends_with(" days ago)"), "{error}");
    }

    let future = Validity::Between("20990101000000Z", "20991231000000Z");
    let server = TlsServer::start(&certificates.signed("api.test", future));
    let error = run(&checks::tls(server.address())).await.unwrap_err();
    assert!(!error.is_degraded(), "{error}");
    assert!(
        error
            .message()
            .starts_with("CN=api.test not valid before 2099-01-01T00:00:00Z (in "),
        "{error}"
    );
}

#[tokio::test]
async fn a_given_root_verifies_the_chain_and_the_name() {
    let certificates = Certificates::new();
    let root = certificates.root();

    // Signed by the root, for another name.
    let server = TlsServer::start(&certificates.signed("other.test", Validity::Days(90)));
    let check = checks::tls(server.address()).server_name("api.test");
    run(&check)
        .await
        .expect("without a root: an expiry monitor");
    let error = run(&check.root_pem_file(&root)).await.unwrap_err();
    assert!(!error.is_degraded());
    let message = error.message();
    assert!(
        message.starts_with(&format!("handshake {}: ", server.addr)),
        "{message}"
    );
    assert!(message.contains("not valid for name"), "{message}");

    // Self-signed, for another name: no chain to the root.
    let server = TlsServer::start(&certificates.self_signed("other.test", 90));
    let check = checks::tls(server.address()).server_name("other.test");
    run(&check).await.expect("self-signed, without a root");
    let error = run(&check.root_pem_file(&root)).await.unwrap_err();
    assert!(!error.is_degraded());
    assert!(error.message().contains("UnknownIssuer"), "{error}");
}

/// Build `check` into a handle, start it at once, wait for its first result.
async fn first_result(check: NamedCheck) -> Health {
    let health = Health::builder().add_check(check).build();
    health.mark_started();
    health.start_checks();
    common::health::settled(&health).await;
    health
}

#[tokio::test]
async fn a_refused_port_is_down_at_once_and_a_silent_peer_times_out() {
    let address = format!("127.0.0.1:{}", free_port());
    let started = Instant::now();
    let named = NamedCheck::new("certificate", checks::tls(address.clone()))
        .timeout(Duration::from_secs(2))
        .initial_jitter(Duration::ZERO);
    let health = first_result(named).await;
    let seen = started.elapsed();
    let snapshot = health.snapshot();
    let component = snapshot.component("certificate").unwrap();
    assert_eq!(component.status(), ComponentStatus::Down);
    assert_eq!(
        component.error(),
        Some(format!("connect {address}: connection refused").as_str())
    );
    let took = component.last_duration().unwrap();
    assert!(took < Duration::from_millis(100), "the run took {took:?}");
    assert!(seen < Duration::from_millis(500), "seen after {seen:?}");

    let silent = Blackhole::start().await;
    let named = NamedCheck::new("certificate", checks::tls(silent.addr.to_string()))
        .timeout(Duration::from_millis(300))
        .initial_jitter(Duration::ZERO);
    let health = first_result(named).await;
    let snapshot = health.snapshot();
    let component = snapshot.component("certificate").unwrap();
    assert_eq!(component.status(), ComponentStatus::Down);
    assert_eq!(component.error(), Some("timed out after 300ms"));
    assert_eq!(
        silent.accepted(),
        1,
        "it connected, then waited on the handshake"
    );
}

#[tokio::test]
async fn readiness_answers_200_degraded_in_the_warning_window() {
    let certificates = Certificates::new();
    let server = TlsServer::start(&certificates.signed("api.test", Validity::Days(2)));
    let check = checks::tls(server.address()).server_name("api.test");
    // Critical (the default): a degraded result still passes.
    let health = Health::builder()
        .add_check(NamedCheck::new("certificate", check).initial_jitter(Duration::ZERO))
        .details(Details::Always)
        .build();
    health.mark_started();
    health.start_checks();
    let (addr, _calls) = serve_counting(&health).await;
    let ready = wait_for_status(addr, "/readyz", StatusCode::OK).await;
    let body = ready.json();
    assert_eq!(body["status"], "degraded", "{body}");
    assert_eq!(
        body["checks"]["certificate"]["status"], "degraded",
        "{body}"
    );
    let error = body["checks"]["certificate"]["error"].as_str().unwrap();
    assert!(error.starts_with("CN=api.test expires "), "{error}");
    assert!(error.ends_with(" (in 2 days)"), "{error}");
    assert_eq!(health.snapshot().status(Probe::Readiness), Status::Degraded);
}

#[test]
fn the_gauge_carries_the_seconds_left_under_the_check_name() {
    use metrics_util::debugging::{DebugValue, DebuggingRecorder};

    let certificates = Certificates::new();
    let soon = TlsServer::start(&certificates.signed("api.test", Validity::Days(2)));
    let expired = Validity::Between("20200101000000Z", "20200201000000Z");
    let old = TlsServer::start(&certificates.signed("old.test", expired));
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    metrics::with_local_recorder(&recorder, || {
        runtime.block_on(async {
            let health = Health::builder()
                .check("certificate", checks::tls(soon.address()))
                .check("old-certificate", checks::tls(old.address()))
                .initial_jitter(Duration::ZERO)
                .build();
            health.start_checks();
            common::health::settled(&health).await;
        });
    });
    // A snapshot drains the recorder: read it once.
    let seen = snapshotter.snapshot().into_vec();
    let gauge = |check: &str| {
        let found = seen.iter().find(|(key, ..)| {
            let key = key.key();
            key.name() == tower_health::metrics::CERTIFICATE_EXPIRY
                && key
                    .labels()
                    .any(|l| l.key() == "check" && l.value() == check)
        });
        match found {
            Some((.., DebugValue::Gauge(value))) => value.into_inner(),
            other => panic!("no expiry gauge for {check}: {other:?}"),
        }
    };
    let left = gauge("certificate");
    assert!((172_000.0..=172_800.0).contains(&left), "{left} s left");
    let old = gauge("old-certificate");
    assert!(old < -86_400.0 * 365.0, "expired in 2020: {old}");
}
