//! The Prometheus alert rules in `deploy/prometheus/`, with the real `promtool`: the rules
//! load, their unit tests (`alerts.test.yaml`) pass, cover every alert both ways, and fail
//! when a threshold moves in a copy of the rules (the tests bite); and the reference
//! server's `GET /metrics` passes `promtool check metrics`.
//!
//! promtool comes with Debian's `prometheus` package (`apt-get install prometheus`, which
//! `scripts/test` runs when it is missing); `PROMTOOL=/path/to/promtool` picks another one.
//! Without it these tests fail, saying so: they never skip.

mod common;

use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::NO_HANG;
use common::client::fetch;
use common::examples::Example;
use http::StatusCode;

const RULES: &str = "alerts.yaml";
const TESTS: &str = "alerts.test.yaml";

/// Every alert `alerts.yaml` defines, in its order.
const ALERTS: &[&str] = &[
    "HealthReadinessFailing",
    "HealthCriticalCheckDown",
    "HealthCheckFlapping",
    "HealthLivenessFailing",
    "HealthMetricsAbsent",
];

/// `deploy/prometheus/`, where the rules and their tests live.
fn rules_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/prometheus")
}

fn read(dir: &Path, file: &str) -> String {
    std::fs::read_to_string(dir.join(file)).unwrap_or_else(|e| panic!("read {file}: {e}"))
}

/// promtool from `PROMTOOL` or the `PATH`; a missing one fails the test with how to get it.
fn promtool() -> Command {
    let program = std::env::var_os("PROMTOOL").unwrap_or_else(|| "promtool".into());
    match Command::new(&program).arg("--version").output() {
        Ok(output) if output.status.success() => Command::new(program),
        Ok(output) => panic!("{program:?} --version failed:\n{}", text(&output)),
        Err(error) => panic!(
            "promtool is needed and was not found ({program:?}: {error}). Install it with \
             `sudo apt-get install prometheus` (Debian and Ubuntu; scripts/test does this when \
             it is missing), or download Prometheus from https://prometheus.io/download/ and \
             set PROMTOOL=/path/to/promtool"
        ),
    }
}

/// Run `promtool <args>` in `dir`, with `stdin` as its input; its exit status and output.
fn run(dir: &Path, args: &[&str], stdin: &[u8]) -> Output {
    let mut child = promtool()
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start promtool");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin)
        .expect("write promtool's input");
    child.wait_with_output().expect("wait for promtool")
}

/// Everything a process printed, stdout then stderr.
fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[test]
fn the_rules_load() {
    let rules = read(&rules_dir(), RULES);
    let defined: Vec<&str> = rules
        .lines()
        .filter_map(|line| line.trim_start().strip_prefix("- alert: "))
        .collect();
    assert_eq!(defined, ALERTS);

    let output = run(&rules_dir(), &["check", "rules", RULES], b"");
    let said = text(&output);
    assert!(output.status.success(), "promtool check rules:\n{said}");
    let found = format!("SUCCESS: {} rules found", ALERTS.len());
    assert!(said.contains(&found), "{said}");
}

#[test]
fn the_unit_tests_pass_and_cover_every_alert() {
    let output = run(&rules_dir(), &["test", "rules", TESTS], b"");
    let said = text(&output);
    assert!(output.status.success(), "promtool test rules:\n{said}");
    assert!(said.contains("SUCCESS"), "{said}");

    // Each alert is expected to fire at some evaluation and to be silent at another.
    let tests = read(&rules_dir(), TESTS);
    let mut cases = Vec::new(); // (alert, expects it firing)
    let mut alert = None;
    for line in tests.lines().map(str::trim) {
        if let Some(name) = line.strip_prefix("alertname: ") {
            alert = Some(name);
        } else if let Some(expected) = line.strip_prefix("exp_alerts:") {
            let name = alert.take().expect("exp_alerts after an alertname");
            cases.push((name, expected.trim() != "[]"));
        }
    }
    for name in ALERTS {
        for firing in [true, false] {
            assert!(
                cases.contains(&(name, firing)),
                "{TESTS} has no evaluation where {name} is {}",
                if firing { "firing" } else { "silent" }
            );
        }
    }
}

/// A copy of `rules` where `from` becomes `to` within the rule of `alert` (exactly once).
fn mutate(rules: &str, alert: &str, from: &str, to: &str) -> String {
    let start = rules
        .find(&format!("- alert: {alert}\n"))
        .unwrap_or_else(|| panic!("no alert {alert}"));
    let end = rules[start + 1..]
        .find("- alert: ")
        .map_or(rules.len(), |at| start + 1 + at);
    let rule = &rules[start..end];
    assert_eq!(
        rule.matches(from).count(),
        1,
        "{from:?} in {alert}:\n{rule}"
    );
    format!(
        "{}{}{}",
        &rules[..start],
        rule.replace(from, to),
        &rules[end..]
    )
}

#[test]
fn the_unit_tests_fail_when_a_threshold_moves() {
    // (alert, from, to): each one a rule the tests must catch.
    let mutations = [
        // Fires 45 minutes late.
        ("HealthReadinessFailing", "for: 5m", "for: 50m"),
        // A 3-minute blip fires.
        ("HealthReadinessFailing", "for: 5m", "for: 1m"),
        // Non-critical checks fire, critical ones do not.
        (
            "HealthCriticalCheckDown",
            "health_check_critical == 1",
            "health_check_critical == 0",
        ),
        // A check that never reported (unknown, -1) fires.
        (
            "HealthCriticalCheckDown",
            "health_check_status == 0",
            "health_check_status < 1",
        ),
        // A 2-minute outage fires.
        ("HealthCriticalCheckDown", "for: 3m", "for: 1m"),
        // Every check that is not flapping fires.
        (
            "HealthCheckFlapping",
            "health_check_flapping == 1",
            "health_check_flapping == 0",
        ),
        // A liveness failure the kubelet fixes by a restart fires.
        ("HealthLivenessFailing", "for: 2m", "for: 0m"),
        // One target with health metrics hides another of the same job without.
        (
            "HealthMetricsAbsent",
            "unless on (job, instance)",
            "unless on (job)",
        ),
        ("HealthMetricsAbsent", "for: 5m", "for: 10m"),
    ];
    let rules = read(&rules_dir(), RULES);
    let tests = read(&rules_dir(), TESTS);
    let scratch = std::env::temp_dir().join(format!("tower-health-alerts-{}", std::process::id()));
    for (alert, from, to) in mutations {
        let _ = std::fs::remove_dir_all(&scratch);
        std::fs::create_dir_all(&scratch).unwrap();
        std::fs::write(scratch.join(RULES), mutate(&rules, alert, from, to)).unwrap();
        std::fs::write(scratch.join(TESTS), &tests).unwrap();

        // Still valid rules: the failure below is the unit tests', not a broken file.
        let checked = run(&scratch, &["check", "rules", RULES], b"");
        assert!(checked.status.success(), "{}", text(&checked));
        let tested = run(&scratch, &["test", "rules", TESTS], b"");
        let said = text(&tested);
        println!("{alert}: {from:?} -> {to:?}: {}", tested.status);
        assert!(
            !tested.status.success(),
            "{alert} with {from:?} -> {to:?} still passes {TESTS}:\n{said}"
        );
        assert!(
            said.contains("FAILED") && said.contains(&format!("alertname: {alert},")),
            "{alert} with {from:?} -> {to:?}: not failed by its own test:\n{said}"
        );
    }
    let _ = std::fs::remove_dir_all(&scratch);
}

/// A local port nothing listens on (bound, then released).
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// The metric families the reference server exports today; the server below is set up so
/// that each one has a sample.
const FAMILIES: &[&str] = &[
    "health_check_status",
    "health_check_duration_seconds",
    "health_check_consecutive_failures",
    "health_probe_status",
    "health_check_down_across_fleet",
    "health_peer_requests_total",
    "health_check_flapping",
    "health_check_critical",
];

/// `GET /metrics` until every family in [`FAMILIES`] is there, for at most [`NO_HANG`].
async fn scrape_all(addr: SocketAddr) -> String {
    let deadline = Instant::now() + NO_HANG;
    loop {
        let reply = fetch(addr, "/metrics").await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
        let exposition = reply.text();
        let missing: Vec<_> = FAMILIES
            .iter()
            .filter(|name| !exposition.contains(&format!("# TYPE {name} ")))
            .collect();
        if missing.is_empty() {
            return exposition;
        }
        assert!(
            Instant::now() < deadline,
            "{addr}/metrics never had {missing:?}:\n{exposition}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn the_reference_server_metrics_pass_promtool_check_metrics() {
    // No Redis: its check fails against a closed port, so every family gets a sample: the
    // check's status, duration and failures, the probes and a group, and the fleet's gauge
    // and counter (a shared check asking a peer that does not answer).
    let nobody = closed_port();
    let server = Example::start(
        "server",
        &[
            ("PROBE_ADDR", "127.0.0.1:0"),
            ("REDIS_URL", &format!("redis://127.0.0.1:{nobody}")),
            ("CHECK_INTERVAL_MS", "100"),
            ("CHECK_TIMEOUT_MS", "200"),
            ("HEALTH_GROUPS", "lb=/lbz:redis"),
            ("SHARED_CHECKS", "redis"),
            ("PEERS", &format!("127.0.0.1:{nobody}")),
        ],
    );
    for (port, addr) in [("app", server.addr), ("probe", server.probe_addr())] {
        let exposition = scrape_all(addr).await;
        let output = run(&rules_dir(), &["check", "metrics"], exposition.as_bytes());
        let said = text(&output);
        assert!(
            output.status.success() && said.trim().is_empty(),
            "promtool check metrics on the {port} port's /metrics ({}):\n{said}\n\
             the exposition:\n{exposition}",
            output.status
        );
    }
}
