//! A route that fails on purpose, to watch the traffic component judge the responses:
//! `GET /api/flaky?fail=F` answers `500` with probability F.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::extract::Query;
use http::StatusCode;

/// The query: `?fail=F`, read as text so that every bad value gets our answer.
#[derive(serde::Deserialize)]
pub(crate) struct Fail {
    fail: Option<String>,
}

/// `GET /api/flaky?fail=F`: `500` with probability F (a number from 0 to 1), `200`
/// otherwise; `400` with the reason for anything else.
pub(crate) async fn flaky(Query(query): Query<Fail>) -> (StatusCode, &'static str) {
    let ratio = query.fail.as_deref().map(str::parse::<f64>);
    match ratio {
        Some(Ok(ratio)) if (0.0..=1.0).contains(&ratio) => {
            if uniform() < ratio {
                (StatusCode::INTERNAL_SERVER_ERROR, "failed on purpose\n")
            } else {
                (StatusCode::OK, "ok\n")
            }
        }
        None => (
            StatusCode::BAD_REQUEST,
            "fail is required: ?fail=F, F the chance of failing from 0 to 1 (e.g. 0.8)\n",
        ),
        Some(_) => (
            StatusCode::BAD_REQUEST,
            "fail must be a number from 0 to 1 (e.g. 0.8)\n",
        ),
    }
}

/// The state of a xorshift generator shared by every request; 0 until first used.
static STATE: AtomicU64 = AtomicU64::new(0);

/// A number in `[0, 1)`, from a xorshift64 generator seeded from the clock: cheap, and
/// random enough to fail a share of requests (not for anything secret).
fn uniform() -> f64 {
    let mut current = STATE.load(Ordering::Relaxed);
    let x = loop {
        let next = xorshift(if current == 0 { seed() } else { current });
        match STATE.compare_exchange_weak(current, next, Ordering::Relaxed, Ordering::Relaxed) {
            Ok(_) => break next,
            Err(actual) => current = actual,
        }
    };
    // The top 53 bits, as a fraction of 2^53.
    (x >> 11) as f64 / (1u64 << 53) as f64
}

/// One step of xorshift64: never 0 from a nonzero state.
fn xorshift(mut x: u64) -> u64 {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    x
}

/// A nonzero seed from the clock.
fn seed() -> u64 {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_nanos() as u64);
    nanos | 1
}
