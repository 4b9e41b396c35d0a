//! `examples/minimal.rs`, the README's first snippet: probes, the app behind the layer, and
//! a drain on SIGTERM.

use http::StatusCode;

use crate::common::client::{fetch, wait_for_status};
use crate::common::examples::Example;

#[tokio::test]
async fn minimal_example_answers_serves_and_drains() {
    let mut server = Example::start("minimal", &[]);
    let addr = server.addr;
    assert_eq!(fetch(addr, "/healthz").await.status, StatusCode::OK);
    let ready = wait_for_status(addr, "/readyz", StatusCode::OK).await;
    assert_eq!(ready.json()["checks"]["tmp-dir"]["status"], "ok");
    assert_eq!(fetch(addr, "/").await.text(), "hello\n");

    server.signal("TERM");
    let draining = wait_for_status(addr, "/readyz", StatusCode::SERVICE_UNAVAILABLE).await;
    assert_eq!(draining.json()["reason"], "shutting down");
    assert_eq!(
        fetch(addr, "/").await.text(),
        "hello\n",
        "served through the drain"
    );
    assert_eq!(server.exit_code().await, Some(0));
}
