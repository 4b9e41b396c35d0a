//! Paths and queries: any request target (origin, absolute, authority or `*` form) through the
//! layer. The first byte chooses method, health, layout and details (`Ask::from_byte`), its
//! top bits an `Accept` (`layer::accept`); the rest is the target as the request line carries
//! it. Targets `http` refuses are skipped: no server hands them on.

#![no_main]

use http::Uri;
use libfuzzer_sys::fuzz_target;
use tower_health_fuzz::layer::{Ask, accept, send};

fuzz_target!(|data: &[u8]| {
    let Some((&first, target)) = data.split_first() else {
        return;
    };
    let Ok(uri) = Uri::try_from(target) else {
        return;
    };
    send(&Ask::from_byte(first), uri, accept(first >> 6));
});
