//! Start-up gates over real HTTP: three start-up tasks finishing in any order hold
//! `/startupz` and `/readyz` at 503, naming the gates still closed, until the last one and
//! `mark_started`; a task that panics holding its gate fails start-up naming it (liveness
//! untouched); a gate released by a future completing.

mod common;

use std::net::SocketAddr;

use common::client::{fetch, send};
use common::serve::serve_counting;
use http::{Method, StatusCode};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tower_health::Health;

const TASKS: [&str; 3] = ["migrations", "cache-warmup", "index"];

/// A start-up task holding the gate `name` until told to finish.
fn task(health: &Health, name: &str) -> (oneshot::Sender<()>, JoinHandle<()>) {
    let gate = health.startup_gate(name);
    let (finish, finished) = oneshot::channel();
    let task = tokio::spawn(async move {
        let _ = finished.await;
        gate.release();
    });
    (finish, task)
}

/// The reply's JSON field `field` as a list of names (empty when absent).
fn names(reply: &serde_json::Value, field: &str) -> Vec<String> {
    let list = reply.get(field).and_then(|value| value.as_array());
    let list = list.map(Vec::as_slice).unwrap_or_default();
    list.iter()
        .map(|name| name.as_str().unwrap().to_owned())
        .collect()
}

/// `/startupz` and `/readyz` both 503 with `reason`, the JSON naming `closed`; liveness 200.
async fn holds(addr: SocketAddr, reason: &str, closed: &[&str]) {
    for path in ["/startupz", "/readyz", "/health"] {
        let reply = fetch(addr, path).await;
        assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE, "{path}");
        let body = reply.json();
        assert_eq!(body["reason"], reason, "{path}");
        assert_eq!(names(&body, "closed_gates"), closed, "{path}");
    }
    assert_eq!(fetch(addr, "/healthz").await.status, StatusCode::OK);
}

#[tokio::test]
async fn three_tasks_finishing_in_any_order_hold_startup_until_the_last_and_mark_started() {
    let orders = [[0, 1, 2], [2, 1, 0], [1, 2, 0]];
    for (run, order) in orders.into_iter().enumerate() {
        let health = Health::default();
        let mut tasks: Vec<_> = TASKS.iter().map(|name| Some(task(&health, name))).collect();
        // The last run marks started only after every task is done.
        let mark_first = run < 2;
        if mark_first {
            health.mark_started();
        }
        let (addr, calls) = serve_counting(&health).await;
        holds(
            addr,
            "starting: waiting for migrations, cache-warmup, index",
            &TASKS,
        )
        .await;
        let verbose = fetch(addr, "/startupz?verbose").await.text();
        assert_eq!(
            verbose,
            "[-]started failed: starting: waiting for migrations, cache-warmup, index\n\
             [-]gate migrations closed\n[-]gate cache-warmup closed\n[-]gate index closed\n\
             startup check failed\n"
        );
        // The app is served all along: start-up holds the probes, not the requests.
        assert_eq!(fetch(addr, "/api/items").await.text(), "inner");
        assert_eq!(calls.count(), 1);

        for (done, at) in order.into_iter().enumerate() {
            let (finish, task) = tasks[at].take().unwrap();
            finish.send(()).unwrap();
            task.await.unwrap();
            let left: Vec<&str> = (0..3)
                .filter(|i| !order[..=done].contains(i))
                .map(|i| TASKS[i])
                .collect();
            if left.is_empty() {
                break;
            }
            // The snapshot changed with the release: the very next probe sees it.
            let reason = format!("starting: waiting for {}", left.join(", "));
            holds(addr, &reason, &left).await;
        }
        if !mark_first {
            // Every gate open, but the service has not said it started: still starting.
            holds(addr, "starting", &[]).await;
            health.mark_started();
        }
        let started = fetch(addr, "/startupz").await;
        assert_eq!(started.status, StatusCode::OK, "order {order:?}");
        assert_eq!(started.json(), serde_json::json!({"status": "ok"}));
        assert_eq!(fetch(addr, "/readyz").await.status, StatusCode::OK);
        let combined = fetch(addr, "/health").await.json();
        assert_eq!(combined["started"], true);
        assert!(combined.get("closed_gates").is_none(), "{combined}");
    }
}

#[tokio::test]
async fn a_task_that_panics_holding_its_gate_fails_start_up_naming_it() {
    let health = Health::default();
    let (finish, warm_up) = task(&health, "cache-warmup");
    let migrations = health.startup_gate("migrations");
    health.mark_started();
    let (addr, _) = serve_counting(&health).await;

    let failing = tokio::spawn(async move {
        let _gate = migrations;
        tokio::task::yield_now().await;
        panic!("migration 42 does not apply");
    });
    assert!(failing.await.unwrap_err().is_panic());

    let failed = "start-up failed: migrations panicked";
    holds(addr, failed, &["cache-warmup"]).await;
    let startup = fetch(addr, "/startupz").await.json();
    assert_eq!(names(&startup, "panicked_gates"), ["migrations"]);
    assert_eq!(
        fetch(addr, "/readyz?verbose").await.text(),
        format!(
            "[-]lifecycle failed: {failed}\n[-]gate cache-warmup closed\n\
             [-]gate migrations panicked\nreadiness check failed\n"
        )
    );
    let liveness = fetch(addr, "/healthz").await;
    assert_eq!(liveness.status, StatusCode::OK);
    assert_eq!(liveness.json(), serde_json::json!({"status": "ok"}));

    // The other task finishing does not open it: a failed start-up stays failed.
    finish.send(()).unwrap();
    warm_up.await.unwrap();
    holds(addr, failed, &[]).await;
    let page = send(addr, Method::GET, "/health", &[("accept", "text/html")]).await;
    assert_eq!(page.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(page.text().contains(failed), "{}", page.text());
    // Nor does a gate taken afterwards, released.
    health.startup_gate("retry").release();
    holds(addr, failed, &[]).await;
}

#[tokio::test]
async fn a_gate_is_released_by_a_future_completing() {
    let health = Health::default();
    let (send_rows, rows) = oneshot::channel::<usize>();
    let sync = tokio::spawn(health.startup_gate("first-sync").release_after(rows));
    health.mark_started();
    let (addr, _) = serve_counting(&health).await;
    holds(addr, "starting: waiting for first-sync", &["first-sync"]).await;

    send_rows.send(1200).unwrap();
    assert_eq!(sync.await.unwrap(), Ok(1200), "the future's output");
    assert_eq!(fetch(addr, "/startupz").await.status, StatusCode::OK);
    assert_eq!(fetch(addr, "/readyz").await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_future_that_panics_under_release_after_fails_start_up() {
    let health = Health::default();
    let gate = health.startup_gate("first-sync");
    let sync = tokio::spawn(gate.release_after(async {
        tokio::task::yield_now().await;
        panic!("the upstream sent garbage");
    }));
    health.mark_started();
    let (addr, _) = serve_counting(&health).await;
    assert!(sync.await.unwrap_err().is_panic());
    holds(addr, "start-up failed: first-sync panicked", &[]).await;
}
