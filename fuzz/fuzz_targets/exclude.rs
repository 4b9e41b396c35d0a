//! `?exclude=`: names (one per line) as `exclude=<name>` pairs of a health path's query. The
//! first byte chooses method, health, layout and details (`Ask::from_byte`), the second the
//! path, `?verbose` and `?history` and an `Accept` (`layer::accept`); the rest are the names,
//! as written (the layer decodes nothing). Queries `http` refuses are skipped.

#![no_main]

use http::Uri;
use libfuzzer_sys::fuzz_target;
use tower_health_fuzz::layer::{Ask, accept, send};
use tower_health_fuzz::routes::LAYOUTS;

fuzz_target!(|data: &[u8]| {
    let [first, second, names @ ..] = data else {
        return;
    };
    let ask = Ask::from_byte(*first);
    let paths = LAYOUTS[ask.layout].health_paths();
    let path = &paths[usize::from(second & 0x0f) % paths.len()];
    let mut target = format!("{path}?").into_bytes();
    if second & 0x10 != 0 {
        target.extend_from_slice(b"verbose&");
    }
    if second & 0x20 != 0 {
        target.extend_from_slice(b"history&");
    }
    for name in names.split(|&b| b == b'\n') {
        target.extend_from_slice(b"exclude=");
        target.extend_from_slice(name);
        target.push(b'&');
    }
    let Ok(uri) = Uri::try_from(target) else {
        return;
    };
    send(&ask, uri, accept(second >> 6));
});
