//! Hostile and odd requests: clear answers, never a panic, and the server keeps serving
//! (the battery is in `common::bad_input`; the probe server's tests run it too).

mod common;

use std::net::SocketAddr;

use common::bad_input;
use common::serve::{Calls, serve_counting};
use tower_health::Health;

/// A started health behind the layer, over a counting app.
async fn start() -> (SocketAddr, Calls) {
    let health = Health::default();
    health.mark_started();
    serve_counting(&health).await
}

#[tokio::test]
async fn an_8_kib_query_string_is_answered() {
    let (addr, calls) = start().await;
    bad_input::an_8_kib_query_string_is_answered(addr, &calls).await;
}

#[tokio::test]
async fn non_utf8_bytes_get_a_clear_answer() {
    let (addr, calls) = start().await;
    bad_input::non_utf8_bytes_get_a_clear_answer(addr, &calls).await;
}

#[tokio::test]
async fn garbage_and_odd_methods_do_not_hurt_the_server() {
    let (addr, calls) = start().await;
    bad_input::garbage_and_odd_methods_do_not_hurt_the_server(addr, &calls).await;
}

#[tokio::test]
async fn many_probes_on_one_keep_alive_connection() {
    let (addr, calls) = start().await;
    bad_input::many_probes_on_one_keep_alive_connection(addr, &calls).await;
}
