//! Routes that load the runtime on purpose, to watch the probes under stress: CPU work on a
//! runtime worker (`GET /api/work?ms=N`) and a blocking call in async code
//! (`GET /api/block?ms=N`).

use std::time::{Duration, Instant};

use axum::extract::Query;
use http::StatusCode;

/// The most a request may ask for, in milliseconds: a minute.
pub(crate) const MAX_MS: u64 = 60_000;

/// A refused request: `400` and a short plain-text reason.
type Refused = (StatusCode, &'static str);

/// The query of both routes: `?ms=N`, read as text so that every bad value gets our answer.
#[derive(serde::Deserialize)]
pub(crate) struct Millis {
    ms: Option<String>,
}

impl Millis {
    /// `ms` as a duration: required, a whole number from 0 to [`MAX_MS`].
    fn duration(&self) -> Result<Duration, Refused> {
        let Some(raw) = &self.ms else {
            return Err((
                StatusCode::BAD_REQUEST,
                "ms is required: ?ms=N, N a whole number of milliseconds from 0 to 60000\n",
            ));
        };
        match raw.parse::<u64>() {
            Ok(ms) if ms <= MAX_MS => Ok(Duration::from_millis(ms)),
            _ => Err((
                StatusCode::BAD_REQUEST,
                "ms must be a whole number of milliseconds from 0 to 60000\n",
            )),
        }
    }
}

/// `GET /api/work?ms=N`: N ms of CPU work right here, on the runtime worker that polls the
/// request, without ever yielding: a stand-in for a CPU-heavy handler (parsing, hashing,
/// rendering). While it runs, that worker serves nothing else.
pub(crate) async fn work(Query(millis): Query<Millis>) -> Result<String, Refused> {
    let duration = millis.duration()?;
    busy(duration);
    Ok(format!("worked {} ms\n", duration.as_millis()))
}

/// `GET /api/block?ms=N`: blocks its runtime worker for N ms with a synchronous sleep, the
/// classic bug of a blocking call in async code. Unlike [`work`] it uses no CPU: the worker
/// is simply gone for that long.
pub(crate) async fn block(Query(millis): Query<Millis>) -> Result<String, Refused> {
    let duration = millis.duration()?;
    std::thread::sleep(duration);
    Ok(format!("blocked {} ms\n", duration.as_millis()))
}

/// Burn CPU until `duration` of wall-clock time has passed, so a request holds its worker
/// that long however the cores are shared.
fn busy(duration: Duration) {
    let start = Instant::now();
    let mut x = 0u64;
    while start.elapsed() < duration {
        for i in 0..1_000u64 {
            x = std::hint::black_box(x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(i));
        }
    }
    std::hint::black_box(x);
}
