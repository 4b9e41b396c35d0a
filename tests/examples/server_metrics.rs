//! `GET /metrics` of `examples/server.rs` (feature `metrics`), over real HTTP against real
//! Redis and PostgreSQL: the exposition parses strictly, follows the dependencies, and a
//! scrape never runs a check.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use http::StatusCode;

use crate::common::NO_HANG;
use crate::common::client::fetch;
use crate::common::deps::{Redis, database_url};
use crate::common::examples::Example;
use crate::common::prometheus::{Exposition, parse};

/// The parser in `tests/common/prometheus.rs`, which every scrape below goes through.
#[test]
fn the_parser_is_strict() {
    let good = "# HELP a_total Things.\n# TYPE a_total counter\na_total{x=\"1\",y=\"q\\\"\\n\"} 3\n\n\
                # TYPE h histogram\nh_bucket{le=\"0.1\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_sum 0.3\nh_count 2\n";
    let parsed = parse(good).unwrap();
    assert_eq!(parsed.get("a_total", &[("x", "1"), ("y", "q\"\n")]), 3.0);
    assert_eq!(parsed.get("h_count", &[]), 2.0);
    for bad in [
        "a 1",                                                   // no final newline
        "a\n",                                                   // no value
        "a{x=1} 1\n",                                            // unquoted label value
        "a{x=\"1\" 1\n",                                         // unterminated labels
        "a 1 2 3\n",                                             // trailing field
        "1a 1\n",                                                // bad name
        "a one\n",                                               // bad value
        "a 1\na 2\n",                                            // same series twice
        "a 1\nb 1\na{x=\"\"} 1\n",                               // not contiguous
        "# TYPE a gauge\n# TYPE a gauge\na 1\n",                 // TYPE twice
        "# TYPE a gauges\na 1\n",                                // bad type
        "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_count 1\n", // no +Inf
        "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_count 1\n",
    ] {
        assert!(parse(bad).is_err(), "accepted {bad:?}");
    }
}

/// Scrape `/metrics` and parse it, checking the status and the content type.
pub(crate) async fn scrape(addr: SocketAddr) -> Exposition {
    let reply = fetch(addr, "/metrics").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let content_type = reply.header("content-type");
    assert!(
        content_type.starts_with("text/plain; version=0.0.4"),
        "{content_type}"
    );
    parse(&reply.text()).unwrap_or_else(|error| panic!("{error}\n{}", reply.text()))
}

/// Scrape until `done` holds, for at most [`NO_HANG`]; returns that exposition.
async fn scrape_until(
    addr: SocketAddr,
    what: &str,
    done: impl Fn(&Exposition) -> bool,
) -> Exposition {
    let deadline = Instant::now() + NO_HANG;
    loop {
        let exposition = scrape(addr).await;
        if done(&exposition) {
            return exposition;
        }
        assert!(
            Instant::now() < deadline,
            "never saw {what}; last: {:#?}",
            exposition.samples
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

const CHECK_STATUS: &str = "health_check_status";
const PROBE_STATUS: &str = "health_probe_status";
const DURATION_COUNT: &str = "health_check_duration_seconds_count";
const FAILURES: &str = "health_check_consecutive_failures";

fn status(exposition: &Exposition, check: &str) -> Option<f64> {
    exposition.value(CHECK_STATUS, &[("check", check)])
}

fn probe(exposition: &Exposition, probe: &str) -> Option<f64> {
    exposition.value(PROBE_STATUS, &[("probe", probe)])
}

fn runs(exposition: &Exposition, check: &str) -> f64 {
    exposition
        .value(DURATION_COUNT, &[("check", check)])
        .unwrap_or(0.0)
}

#[tokio::test]
async fn metrics_follow_the_dependencies() {
    let mut redis = Redis::start();
    let database = database_url();
    let server = Example::start(
        "server",
        &[
            ("REDIS_URL", &redis.url()),
            ("DATABASE_URL", &database),
            ("CHECK_INTERVAL_MS", "100"),
            ("CHECK_TIMEOUT_MS", "500"),
        ],
    );
    let addr = server.addr;

    // Public: no token needed, like the health paths.
    let up = scrape_until(addr, "redis and the database up, ready", |e| {
        status(e, "redis") == Some(1.0)
            && status(e, "database") == Some(1.0)
            && probe(e, "readiness") == Some(1.0)
    })
    .await;
    for (name, kind) in [
        (CHECK_STATUS, "gauge"),
        (FAILURES, "gauge"),
        (PROBE_STATUS, "gauge"),
        ("health_check_duration_seconds", "histogram"),
    ] {
        assert_eq!(up.types.get(name).map(String::as_str), Some(kind), "{name}");
        assert!(
            up.helps.get(name).is_some_and(|h| !h.is_empty()),
            "{name} HELP"
        );
    }
    for name in ["liveness", "readiness", "startup", "combined"] {
        assert_eq!(probe(&up, name), Some(1.0), "{name}");
    }
    assert_eq!(up.get(FAILURES, &[("check", "redis")]), 0.0);
    assert!(runs(&up, "redis") >= 1.0);
    let sum = up.get("health_check_duration_seconds_sum", &[("check", "redis")]);
    assert!(sum >= 0.0 && sum.is_finite(), "{sum}");

    // The histogram counts every run: it grows while nothing else changes.
    let before = runs(&up, "redis");
    scrape_until(addr, "more redis runs", |e| {
        runs(e, "redis") >= before + 3.0
    })
    .await;

    // Redis goes away: its status, then readiness, turn down; liveness stays up.
    redis.stop();
    let down = scrape_until(addr, "redis down, not ready", |e| {
        status(e, "redis") == Some(0.0) && probe(e, "readiness") == Some(0.0)
    })
    .await;
    assert!(down.get(FAILURES, &[("check", "redis")]) >= 1.0);
    assert_eq!(
        status(&down, "database"),
        Some(1.0),
        "labels keep checks apart"
    );
    assert_eq!(probe(&down, "liveness"), Some(1.0));
    assert_eq!(probe(&down, "combined"), Some(0.0));
    let before = runs(&down, "redis");
    scrape_until(addr, "failing runs counted", |e| runs(e, "redis") > before).await;

    // And back, without a restart of the server.
    redis.restart();
    scrape_until(addr, "redis back up, ready", |e| {
        status(e, "redis") == Some(1.0)
            && probe(e, "readiness") == Some(1.0)
            && e.value(FAILURES, &[("check", "redis")]) == Some(0.0)
    })
    .await;
}

/// How many `PING`s Redis has answered, from its own `INFO commandstats`.
async fn pings_seen_by(redis: &Redis) -> u64 {
    let client = redis::Client::open(redis.url()).unwrap();
    let mut connection = tokio::time::timeout(NO_HANG, client.get_multiplexed_async_connection())
        .await
        .expect("connect to redis hung")
        .expect("connect to redis");
    let info: String = redis::cmd("INFO")
        .arg("commandstats")
        .query_async(&mut connection)
        .await
        .expect("INFO commandstats");
    info.lines()
        .find_map(|line| line.strip_prefix("cmdstat_ping:"))
        .and_then(|stats| stats.split(',').find_map(|kv| kv.strip_prefix("calls=")))
        .map_or(0, |calls| calls.parse().unwrap())
}

#[tokio::test]
async fn scrapes_never_run_checks() {
    const INTERVAL_MS: u64 = 200;
    const SCRAPES: u32 = 300;
    let redis = Redis::start();
    let server = Example::start(
        "server",
        &[
            ("REDIS_URL", &redis.url()),
            ("CHECK_INTERVAL_MS", &INTERVAL_MS.to_string()),
            ("CHECK_TIMEOUT_MS", "500"),
        ],
    );
    let addr = server.addr;
    scrape_until(addr, "a redis run", |e| runs(e, "redis") >= 1.0).await;

    let started = Instant::now();
    let runs_before = runs(&scrape(addr).await, "redis");
    let pings_before = pings_seen_by(&redis).await;
    for _ in 0..SCRAPES {
        scrape(addr).await;
    }
    let runs_after = runs(&scrape(addr).await, "redis");
    let pings_after = pings_seen_by(&redis).await;
    let elapsed = started.elapsed();

    // The engine runs a check at most once per interval (jitter only lengthens it); one
    // extra run for the edges, a little slack for scheduling.
    let allowed = (elapsed.as_millis() as f64 / INTERVAL_MS as f64).floor() + 3.0;
    let ran = runs_after - runs_before;
    let pinged = (pings_after - pings_before) as f64;
    println!("{SCRAPES} scrapes in {elapsed:?}: {ran} runs, {pinged} pings, allowed {allowed}");
    assert!(
        f64::from(SCRAPES) > 2.0 * allowed,
        "the scrapes were too slow to prove anything: {elapsed:?}"
    );
    assert!(
        ran <= allowed,
        "{ran} check runs for {SCRAPES} scrapes in {elapsed:?}"
    );
    assert!(
        pinged <= allowed,
        "Redis saw {pinged} PINGs for {SCRAPES} scrapes in {elapsed:?}"
    );
}
