//! `checks::grpc` with `examples/tonic.rs` as the downstream, run by the engine: serving is
//! up, killed is refused at once, SIGTERM (the drain, still serving) is down before it
//! exits, an unknown service name is down.

use std::time::Duration;

use http::StatusCode;
use tokio::time::Instant;
use tonic::transport::{Channel, Endpoint};
use tower_health::{ComponentStatus, Health, NamedCheck, checks};

use crate::common::NO_HANG;
use crate::common::client::fetch;
use crate::common::examples::Example;

/// How often the test's own engine runs the check.
const INTERVAL: Duration = Duration::from_millis(100);

/// A lazily connected channel to the example, as an application makes one.
fn channel(server: &Example) -> Channel {
    Endpoint::from_shared(format!("http://{}", server.addr))
        .unwrap()
        .connect_lazy()
}

/// A handle running `check` as `downstream` every [`INTERVAL`], down at the first failure.
fn engine(check: NamedCheck) -> Health {
    let health = Health::builder()
        .add_check(
            check
                .interval(INTERVAL)
                .timeout(Duration::from_secs(2))
                .failure_threshold(1),
        )
        .initial_jitter(Duration::ZERO)
        .build();
    health.mark_started();
    health.start_checks();
    health
}

/// Wait (at most [`NO_HANG`]) until `downstream` is `status`; its error then.
async fn downstream_is(health: &Health, status: ComponentStatus) -> Option<String> {
    let mut changes = health.subscribe();
    let snapshot = tokio::time::timeout(
        NO_HANG,
        changes.wait_for(|s| s.component("downstream").unwrap().status() == status),
    )
    .await
    .unwrap_or_else(|_| panic!("downstream never {status:?}: {:?}", health.snapshot()))
    .unwrap()
    .clone();
    let error = snapshot.component("downstream").unwrap().error();
    error.map(str::to_owned)
}

#[tokio::test]
async fn serving_is_up_and_killed_is_refused_at_once() {
    let server = Example::start("tonic", &[]);
    let health = engine(NamedCheck::new(
        "downstream",
        checks::grpc(channel(&server)),
    ));
    downstream_is(&health, ComponentStatus::Up).await;

    drop(server); // killed and reaped
    let killed = Instant::now();
    let error = downstream_is(&health, ComponentStatus::Down).await;
    let seen = killed.elapsed();
    // The run that finds the connection gone may say so in its own words; the next ones
    // are refused.
    let error = match error.as_deref() {
        Some("connection refused") => error,
        _ => {
            tokio::time::sleep(2 * INTERVAL).await;
            let snapshot = health.snapshot();
            snapshot
                .component("downstream")
                .unwrap()
                .error()
                .map(str::to_owned)
        }
    };
    assert_eq!(error.as_deref(), Some("connection refused"));
    // At the next run: within an interval and its 10 % jitter, plus scheduling.
    assert!(
        seen < INTERVAL * 2,
        "a killed downstream seen after {seen:?}"
    );
    let duration = health
        .snapshot()
        .component("downstream")
        .unwrap()
        .last_duration();
    eprintln!("killed: down after {seen:?} ({error:?}), the refused run took {duration:?}");
    assert!(
        duration.unwrap() < Duration::from_millis(100),
        "a refused run took {duration:?}"
    );
}

#[tokio::test]
async fn a_draining_downstream_is_down_before_it_stops() {
    let delay = Duration::from_millis(3000);
    let mut server = Example::start("tonic", &[("SHUTDOWN_DELAY_MS", "3000")]);
    let health = engine(NamedCheck::new(
        "downstream",
        checks::grpc(channel(&server)),
    ));
    downstream_is(&health, ComponentStatus::Up).await;

    server.signal("TERM");
    let signalled = Instant::now();
    let error = downstream_is(&health, ComponentStatus::Down).await;
    let seen = signalled.elapsed();
    eprintln!("SIGTERM: down after {seen:?} ({error:?}), {delay:?} before the exit");
    assert_eq!(error.as_deref(), Some("NOT_SERVING"));
    assert!(seen < INTERVAL * 3, "the drain seen after {seen:?}");
    // Still running and answering: the check saw the drain, not the exit.
    assert_eq!(fetch(server.addr, "/healthz").await.status, StatusCode::OK);

    assert_eq!(server.exit_code().await, Some(0));
    assert!(
        signalled.elapsed() >= delay,
        "stopped before its drain delay"
    );
}

#[tokio::test]
async fn an_unknown_service_name_is_down() {
    let server = Example::start("tonic", &[]);
    let channel = channel(&server);
    let check = checks::grpc(channel.clone()).service("billing");
    let health = engine(NamedCheck::new("downstream", check));
    let error = downstream_is(&health, ComponentStatus::Down).await;
    assert_eq!(error.as_deref(), Some(r#"unknown service "billing""#));
    // The example's own names are known: `""`, and its checks (none without a database).
    let whole = engine(NamedCheck::new("downstream", checks::grpc(channel)));
    downstream_is(&whole, ComponentStatus::Up).await;
}
