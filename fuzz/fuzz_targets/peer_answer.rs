//! The fleet's reading of a peer's answer: the bytes a peer sends after the request, read by
//! hyper's client and then for `x-health-instance` and `x-health-last-result`, as a replica
//! asking about a shared check reads them (`fleet::read_peer_answer`, under `cfg(fuzzing)`).
//!
//! Besides never panicking or hanging: the answer is one of four, and an answer that does
//! not name its instance is no answer (a proxy's, a load shedder's).

#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use tokio::runtime::Runtime;
use tower_health::fleet::read_peer_answer;

fn runtime() -> &'static Runtime {
    static RUNTIME: OnceLock<Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a runtime")
    })
}

fuzz_target!(|data: &[u8]| {
    let word = runtime().block_on(read_peer_answer(data, "me"));
    assert!(["up", "down", "itself", "none"].contains(&word), "{word}");
    let named = data
        .windows(b"x-health-instance".len())
        .any(|w| w.eq_ignore_ascii_case(b"x-health-instance"));
    if !named {
        assert_eq!(word, "none", "an answer without its instance counted");
    }
});
