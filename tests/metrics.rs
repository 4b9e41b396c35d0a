//! `GET /metrics` of the reference server (feature `metrics`), over real HTTP against real
//! Redis and PostgreSQL: the exposition parses strictly, follows the dependencies, and a
//! scrape never runs a check.

mod common;

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use common::deps::{Redis, database_url};
use common::{Example, NO_HANG, fetch};
use http::StatusCode;

// ---------------------------------------------------------------------------------------
// A small, strict parser for the Prometheus text exposition format (version 0.0.4).
// ---------------------------------------------------------------------------------------

/// One sample line: `name{labels} value`.
#[derive(Debug, Clone, PartialEq)]
struct Sample {
    name: String,
    labels: BTreeMap<String, String>,
    value: f64,
}

/// A whole exposition: the samples in order, and each family's `TYPE` and `HELP`.
#[derive(Debug, Default)]
struct Exposition {
    samples: Vec<Sample>,
    types: HashMap<String, String>,
    helps: HashMap<String, String>,
}

impl Exposition {
    /// The value of the one series `name` with exactly `labels`.
    fn value(&self, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        let wanted: BTreeMap<String, String> = labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        self.samples
            .iter()
            .find(|s| s.name == name && s.labels == wanted)
            .map(|s| s.value)
    }

    fn get(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        self.value(name, labels)
            .unwrap_or_else(|| panic!("no series {name}{labels:?} in {:#?}", self.samples))
    }
}

fn is_name_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_' || c == ':'
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == ':'
}

fn valid_metric_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(is_name_start) && chars.all(is_name_char)
}

fn valid_label_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !name.starts_with("__")
}

/// A sample value: a Go float, `+Inf`, `-Inf` or `NaN`.
fn parse_value(text: &str) -> Result<f64, String> {
    match text {
        "+Inf" => Ok(f64::INFINITY),
        "-Inf" => Ok(f64::NEG_INFINITY),
        "NaN" => Ok(f64::NAN),
        _ if text
            .chars()
            .all(|c| c.is_ascii_digit() || "+-.eE".contains(c)) =>
        {
            text.parse::<f64>()
                .map_err(|error| format!("bad value {text:?}: {error}"))
        }
        _ => Err(format!("bad value {text:?}")),
    }
}

/// `{k="v",...}` at the start of `rest`; returns the labels and what follows.
fn parse_labels(rest: &str) -> Result<(BTreeMap<String, String>, &str), String> {
    let mut labels = BTreeMap::new();
    let mut rest = rest.strip_prefix('{').ok_or("expected '{'")?;
    loop {
        if let Some(after) = rest.strip_prefix('}') {
            return Ok((labels, after));
        }
        let eq = rest.find('=').ok_or("label without '='")?;
        let name = &rest[..eq];
        if !valid_label_name(name) {
            return Err(format!("bad label name {name:?}"));
        }
        rest = rest[eq + 1..]
            .strip_prefix('"')
            .ok_or("label value not quoted")?;
        let mut value = String::new();
        let mut chars = rest.char_indices();
        let end = loop {
            match chars.next() {
                None => return Err("unterminated label value".into()),
                Some((i, '"')) => break i,
                Some((_, '\\')) => match chars.next() {
                    Some((_, '\\')) => value.push('\\'),
                    Some((_, '"')) => value.push('"'),
                    Some((_, 'n')) => value.push('\n'),
                    other => return Err(format!("bad escape {other:?}")),
                },
                Some((_, '\n')) => return Err("newline in label value".into()),
                Some((_, c)) => value.push(c),
            }
        };
        if labels.insert(name.to_owned(), value).is_some() {
            return Err(format!("label {name:?} twice"));
        }
        rest = &rest[end + 1..];
        if let Some(after) = rest.strip_prefix(',') {
            rest = after;
        } else if !rest.starts_with('}') {
            return Err("expected ',' or '}' after a label".into());
        }
    }
}

/// The family a sample belongs to, given the declared types (`x_bucket` of histogram `x`).
fn family_of<'a>(name: &'a str, types: &HashMap<String, String>) -> &'a str {
    for suffix in ["_bucket", "_sum", "_count"] {
        if let Some(base) = name.strip_suffix(suffix) {
            let kind = types.get(base).map(String::as_str);
            let fits = match suffix {
                "_bucket" => kind == Some("histogram"),
                _ => matches!(kind, Some("histogram" | "summary")),
            };
            if fits {
                return base;
            }
        }
    }
    name
}

/// Parse a text exposition strictly: every line must be a comment, blank or a valid
/// sample; `TYPE` comes once per family, before its samples; a family's samples are
/// contiguous; no series appears twice; histograms are cumulative and end in `+Inf`.
fn parse(text: &str) -> Result<Exposition, String> {
    let mut exposition = Exposition::default();
    let mut seen_series = std::collections::HashSet::new();
    let mut finished_families = std::collections::HashSet::new();
    let mut current_family: Option<String> = None;
    if !text.is_empty() && !text.ends_with('\n') {
        return Err("exposition does not end with a newline".into());
    }
    for (number, line) in text.lines().enumerate() {
        let context = |error: String| format!("line {}: {error}: {line:?}", number + 1);
        if line.trim().is_empty() {
            continue;
        }
        if let Some(comment) = line.strip_prefix('#') {
            let mut words = comment.trim_start().splitn(3, ' ');
            let keyword = words.next().unwrap_or("");
            if keyword != "HELP" && keyword != "TYPE" {
                continue; // a plain comment
            }
            let name = words
                .next()
                .ok_or_else(|| context("no metric name".into()))?;
            if !valid_metric_name(name) {
                return Err(context(format!("bad metric name {name:?}")));
            }
            let rest = words.next().unwrap_or("");
            if finished_families.contains(name) || current_family.as_deref() == Some(name) {
                let started = exposition
                    .samples
                    .iter()
                    .any(|s| family_of(&s.name, &exposition.types) == name);
                if started {
                    return Err(context(format!("{keyword} after samples of {name}")));
                }
            }
            let map = if keyword == "HELP" {
                &mut exposition.helps
            } else {
                if !["counter", "gauge", "histogram", "summary", "untyped"].contains(&rest) {
                    return Err(context(format!("bad type {rest:?}")));
                }
                &mut exposition.types
            };
            if map.insert(name.to_owned(), rest.to_owned()).is_some() {
                return Err(context(format!("second {keyword} for {name}")));
            }
            continue;
        }
        let name_end = line
            .find(|c: char| !is_name_char(c))
            .ok_or_else(|| context("sample without a value".into()))?;
        let name = &line[..name_end];
        if !valid_metric_name(name) {
            return Err(context(format!("bad metric name {name:?}")));
        }
        let (labels, rest) = if line[name_end..].starts_with('{') {
            parse_labels(&line[name_end..]).map_err(context)?
        } else {
            (BTreeMap::new(), &line[name_end..])
        };
        let rest = rest
            .strip_prefix(' ')
            .ok_or_else(|| context("no space before the value".into()))?;
        let mut fields = rest.split(' ');
        let value = parse_value(fields.next().unwrap_or("")).map_err(context)?;
        if let Some(timestamp) = fields.next() {
            timestamp
                .parse::<i64>()
                .map_err(|_| context(format!("bad timestamp {timestamp:?}")))?;
        }
        if fields.next().is_some() {
            return Err(context("trailing fields".into()));
        }
        let family = family_of(name, &exposition.types).to_owned();
        if current_family.as_deref() != Some(&family) {
            if finished_families.contains(&family) {
                return Err(context(format!("samples of {family} are not contiguous")));
            }
            if let Some(done) = current_family.replace(family.clone()) {
                finished_families.insert(done);
            }
        }
        if !seen_series.insert((name.to_owned(), format!("{labels:?}"))) {
            return Err(context("series appears twice".into()));
        }
        exposition.samples.push(Sample {
            name: name.to_owned(),
            labels,
            value,
        });
    }
    check_histograms(&exposition)?;
    Ok(exposition)
}

/// Every histogram series: buckets cumulative, a `+Inf` bucket equal to `_count`.
fn check_histograms(exposition: &Exposition) -> Result<(), String> {
    for (family, _) in exposition.types.iter().filter(|(_, t)| *t == "histogram") {
        let bucket_name = format!("{family}_bucket");
        let mut series: BTreeMap<String, Vec<(f64, f64)>> = BTreeMap::new();
        for sample in exposition.samples.iter().filter(|s| s.name == bucket_name) {
            let mut labels = sample.labels.clone();
            let le = labels
                .remove("le")
                .ok_or_else(|| format!("{bucket_name} without le"))?;
            let le = parse_value(&le)?;
            series
                .entry(format!("{labels:?}"))
                .or_default()
                .push((le, sample.value));
        }
        for (labels, buckets) in series {
            let mut last = (f64::NEG_INFINITY, 0.0);
            for &(le, count) in &buckets {
                if le <= last.0 || count < last.1 {
                    return Err(format!(
                        "{family}{labels} buckets not cumulative: {buckets:?}"
                    ));
                }
                last = (le, count);
            }
            if last.0 != f64::INFINITY {
                return Err(format!("{family}{labels} has no +Inf bucket"));
            }
            let count = exposition
                .samples
                .iter()
                .find(|s| {
                    s.name == format!("{family}_count") && format!("{:?}", s.labels) == labels
                })
                .ok_or_else(|| format!("{family}{labels} has no _count"))?;
            if count.value != last.1 {
                return Err(format!(
                    "{family}{labels}: +Inf bucket {} != count {}",
                    last.1, count.value
                ));
            }
        }
    }
    Ok(())
}

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

// ---------------------------------------------------------------------------------------
// The reference server.
// ---------------------------------------------------------------------------------------

/// Scrape `/metrics` and parse it, checking the status and the content type.
async fn scrape(addr: SocketAddr) -> Exposition {
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
