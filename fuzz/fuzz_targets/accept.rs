//! `Accept`: header values (one per line; values `http` refuses are left out, as a server
//! would refuse the request) on a health path. The first byte chooses method, health, layout
//! and details (`Ask::from_byte`), the second the path (with `?verbose` or `?history` by its
//! top bits); the rest are the values.

#![no_main]

use http::header::ACCEPT;
use http::{HeaderMap, HeaderValue, Uri};
use libfuzzer_sys::fuzz_target;
use tower_health_fuzz::layer::{Ask, send};
use tower_health_fuzz::routes::LAYOUTS;

fuzz_target!(|data: &[u8]| {
    let [first, second, values @ ..] = data else {
        return;
    };
    let ask = Ask::from_byte(*first);
    let paths = LAYOUTS[ask.layout].health_paths();
    let path = &paths[usize::from(second & 0x3f) % paths.len()];
    let query = ["", "?verbose", "?history", "?verbose=0&history"][usize::from(second >> 6)];
    let Ok(uri) = Uri::try_from(format!("{path}{query}")) else {
        return;
    };
    let mut headers = HeaderMap::new();
    for value in values.split(|&b| b == b'\n') {
        if let Ok(value) = HeaderValue::from_bytes(value) {
            headers.append(ACCEPT, value);
        }
    }
    send(&ask, uri, headers);
});
