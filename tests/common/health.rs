//! Driving a [`Health`] handle in tests: closure checks switched on and off, and waiting
//! for every component's first result.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use std::time::Duration;

use tower_health::{Check, ComponentStatus, Health, HealthBuilder};

/// A closure check that fails with `error` while the returned switch is on.
pub fn switch(error: &'static str) -> (Arc<AtomicBool>, impl Check) {
    let failing = Arc::new(AtomicBool::new(false));
    let flag = failing.clone();
    let check = move || {
        let failing = flag.load(Ordering::SeqCst);
        async move {
            match failing {
                true => Err(error),
                false => Ok(()),
            }
        }
    };
    (failing, check)
}

/// Wait until no component of `health` is `unknown` any more.
pub async fn settled(health: &Health) {
    let mut changes = health.subscribe();
    changes
        .wait_for(|s| {
            s.components()
                .all(|(_, c)| c.status() != ComponentStatus::Unknown)
        })
        .await
        .unwrap();
}

/// Build, mark started and start the checks at once (no initial jitter), then wait for
/// every component's first result.
pub async fn started_with_results(builder: HealthBuilder) -> Health {
    let health = builder.initial_jitter(Duration::ZERO).build();
    health.mark_started();
    health.start_checks();
    settled(&health).await;
    health
}

/// Wait until the component `name` of `health` is `status`, at most `within`; its error text
/// then (the reason while it fails).
pub async fn becomes(
    health: &Health,
    name: &str,
    status: ComponentStatus,
    within: Duration,
) -> Option<String> {
    let mut changes = health.subscribe();
    let reached = tokio::time::timeout(
        within,
        changes.wait_for(|s| s.component(name).is_some_and(|c| c.status() == status)),
    )
    .await
    .is_ok();
    let snapshot = health.snapshot();
    let component = snapshot.component(name).expect("a component of that name");
    assert!(
        reached,
        "{name} did not turn {status:?} within {within:?}: {:?}, {:?}",
        component.status(),
        component.error()
    );
    component.error().map(str::to_owned)
}

/// Run `check` until it passes again, for at most about five seconds.
pub async fn recovers(check: &impl Check, what: &str) {
    let mut last = None;
    for _ in 0..50 {
        match check.check().await {
            Ok(()) => return,
            Err(error) => last = Some(error),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{what} check never recovered: {last:?}");
}
