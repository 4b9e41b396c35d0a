//! `examples/hyper.rs`, the layer on a plain hyper server: its probes and its drain.

use crate::common::drain::drains_on_signal;
use crate::common::examples::answers_probes;

#[tokio::test]
async fn hyper_example_answers_probes() {
    answers_probes("hyper").await;
}

#[tokio::test]
async fn hyper_example_drains_on_sigterm() {
    drains_on_signal("hyper", "TERM", "/", Some("/slow?ms=2500"), &[]).await;
}
