//! `examples/server.rs` as a fleet (`SHARED_CHECKS`, `PEERS`): three server processes on
//! 127.0.0.1, each reaching one shared Redis through a cuttable TCP proxy of its own and
//! asking the others' probe ports. A replica cut off alone fails readiness while its peers
//! stay ready; Redis down for all of them holds readiness everywhere (`degraded`); no peer
//! answering is no evidence; peers are asked only while the check fails, at most k per run.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use http::StatusCode;

use crate::common::NO_HANG;
use crate::common::client::{fetch, wait_for_status};
use crate::common::deps::{Proxy, Redis, free_port};
use crate::common::examples::{Example, readiness_until, run_to_exit};
use crate::common::prometheus::Exposition;
use crate::server_metrics::scrape;

/// How often the checks run, and how long one may take.
const INTERVAL: Duration = Duration::from_millis(250);
const FAST_CHECKS: [(&str, &str); 2] = [("CHECK_INTERVAL_MS", "250"), ("CHECK_TIMEOUT_MS", "200")];
/// Peers asked per round: the library's default, which the server keeps.
const K: f64 = 3.0;
const FLEET_WIDE: &str = "redis down across the fleet (2/2 peers)";

/// One replica: the process, its probe address, and the proxy its Redis goes through.
struct Replica {
    server: Example,
    probes: SocketAddr,
    proxy: Proxy,
}

/// Three servers, each with its own proxy to `redis` and all three probe addresses (its own
/// included) as its peers; ready once each answers `/readyz` 200.
async fn fleet(redis: &Redis) -> Vec<Replica> {
    let probes: Vec<SocketAddr> = (0..3)
        .map(|_| SocketAddr::from(([127, 0, 0, 1], free_port())))
        .collect();
    let peers = probes
        .iter()
        .map(SocketAddr::to_string)
        .collect::<Vec<_>>()
        .join(",");
    let mut replicas = Vec::new();
    for probe_addr in probes {
        let proxy = Proxy::start(redis_addr(redis)).await;
        let (probe, redis_url) = (probe_addr.to_string(), format!("redis://{}", proxy.addr));
        let mut env = vec![
            ("PROBE_ADDR", probe.as_str()),
            ("PEERS", &peers),
            ("SHARED_CHECKS", "redis"),
            ("REDIS_URL", &redis_url),
            ("HEALTH_DETAILS_TOKEN", "fleet-token"),
        ];
        env.extend(FAST_CHECKS);
        let server = Example::start("server", &env);
        assert_eq!(server.probe_addr(), probe_addr);
        replicas.push(Replica {
            server,
            probes: probe_addr,
            proxy,
        });
    }
    for replica in &replicas {
        wait_for_status(replica.probes, "/readyz", StatusCode::OK).await;
    }
    replicas
}

fn redis_addr(redis: &Redis) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], redis.port))
}

/// The `fleet` note of the redis check in `/health`, or `""`.
async fn fleet_note(addr: SocketAddr) -> String {
    let combined = fetch(addr, "/health").await.json();
    combined["checks"]["redis"]["fleet"]
        .as_str()
        .unwrap_or("")
        .to_owned()
}

/// Questions this server asked its peers about redis, every answer counted.
fn asked(metrics: &Exposition) -> f64 {
    ["up", "down", "none"]
        .iter()
        .filter_map(|answer| {
            metrics.value(
                "health_peer_requests_total",
                &[("check", "redis"), ("answer", answer)],
            )
        })
        .sum()
}

/// Runs of this server's redis check so far.
fn runs(metrics: &Exposition) -> f64 {
    metrics
        .value("health_check_duration_seconds_count", &[("check", "redis")])
        .unwrap_or(0.0)
}

/// Questions asked and check runs so far, per replica.
async fn counts(replicas: &[Replica]) -> Vec<(f64, f64)> {
    let mut counts = Vec::new();
    for replica in replicas {
        let metrics = scrape(replica.probes).await;
        counts.push((asked(&metrics), runs(&metrics)));
    }
    counts
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replica_cut_off_alone_leaves_and_its_peers_stay() {
    let redis = Redis::start();
    let mut replicas = fleet(&redis).await;
    // Healthy: nobody asks anybody.
    tokio::time::sleep(INTERVAL * 6).await;
    let before = counts(&replicas).await;
    assert!(before.iter().all(|&(asked, _)| asked == 0.0), "{before:?}");

    replicas[0].proxy.cut();
    let cut_off = replicas[0].probes;
    let down = readiness_until(cut_off, "503 on the replica cut off", |r| {
        r.status == StatusCode::SERVICE_UNAVAILABLE
    })
    .await;
    assert_eq!(down.json()["checks"]["redis"]["status"], "down");
    // Once it has recognised itself among the peers, it asks the two others.
    let deadline = Instant::now() + NO_HANG;
    while fleet_note(cut_off).await != "down here only (0/2 peers see it down)" {
        assert!(Instant::now() < deadline, "{}", fleet_note(cut_off).await);
        tokio::time::sleep(INTERVAL).await;
    }
    for _ in 0..8 {
        assert_eq!(
            fetch(cut_off, "/readyz").await.status,
            StatusCode::SERVICE_UNAVAILABLE
        );
        for other in &replicas[1..] {
            let ready = fetch(other.probes, "/readyz").await;
            assert_eq!(ready.status, StatusCode::OK, "{}", ready.text());
            assert_eq!(ready.json()["status"], "ok");
        }
        tokio::time::sleep(INTERVAL).await;
    }
    let verbose = fetch(cut_off, "/readyz?verbose").await.text();
    assert!(
        verbose
            .contains("[-]redis failed: reason withheld; down here only (0/2 peers see it down)"),
        "{verbose}"
    );

    replicas[0].proxy.restore().await;
    let back = readiness_until(cut_off, "ready again", |r| r.status == StatusCode::OK).await;
    assert_eq!(back.json()["status"], "ok");
    assert!(back.json()["checks"]["redis"].get("fleet").is_none());

    // The replica cut off asked at most k peers per run of its check; the others, never.
    let after = counts(&replicas).await;
    let (asked, runs) = (after[0].0 - before[0].0, after[0].1 - before[0].1);
    println!("cut off: {asked} questions to peers over {runs} runs");
    assert!(asked >= 2.0, "{asked} questions over {runs} runs");
    assert!(asked <= K * runs, "{asked} questions over {runs} runs");
    assert!(
        after[1..].iter().all(|&(asked, _)| asked == 0.0),
        "{after:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_down_for_the_whole_fleet_holds_readiness_everywhere() {
    let mut redis = Redis::start();
    let replicas = fleet(&redis).await;
    let before = counts(&replicas).await;
    assert!(before.iter().all(|&(asked, _)| asked == 0.0), "{before:?}");

    redis.stop();
    let stopped = Instant::now();
    // Peers whose checks failed but are not down yet count as seeing the outage, so no 503
    // is expected on the way; counted, not asserted: three processes' checks are not in step.
    let unready = std::cell::Cell::new(0);
    for replica in &replicas {
        let held = readiness_until(replica.probes, "degraded across the fleet", |r| {
            unready.set(unready.get() + usize::from(r.status != StatusCode::OK));
            r.status == StatusCode::OK && r.json()["reason"] == FLEET_WIDE
        })
        .await;
        assert_eq!(held.json()["status"], "degraded");
        assert_eq!(held.json()["checks"]["redis"]["status"], "down");
    }
    println!(
        "every replica held readiness (degraded) {:?} after Redis stopped; {} answers 503 \
         on the way",
        stopped.elapsed(),
        unready.get()
    );

    // Settled: readiness never fails on any of them while the whole fleet shares the outage.
    for _ in 0..12 {
        for replica in &replicas {
            let ready = fetch(replica.probes, "/readyz").await;
            assert_eq!(ready.status, StatusCode::OK, "{}", ready.text());
            assert_eq!(ready.json()["reason"], FLEET_WIDE);
            // A peer's per-check answer is the check's own status, never the verdict.
            let own = fetch(replica.probes, "/readyz/redis").await;
            assert_eq!(own.status, StatusCode::SERVICE_UNAVAILABLE);
            assert_eq!(
                fetch(replica.probes, "/healthz").await.status,
                StatusCode::OK
            );
            // The app port answers from the same handle.
            assert_eq!(
                fetch(replica.server.addr, "/readyz").await.status,
                StatusCode::OK
            );
        }
        tokio::time::sleep(INTERVAL).await;
    }
    let verbose = fetch(replicas[1].probes, "/readyz?verbose").await.text();
    assert!(
        verbose.contains("[-]redis failed: reason withheld; down across the fleet (2/2 peers)"),
        "{verbose}"
    );
    for replica in &replicas {
        let metrics = scrape(replica.probes).await;
        let held = ("check", "redis");
        assert_eq!(metrics.get("health_check_down_across_fleet", &[held]), 1.0);
        assert_eq!(
            metrics.get("health_probe_status", &[("probe", "readiness")]),
            1.0
        );
        let output = replica.server.output();
        assert!(
            output.contains(&format!("health: {FLEET_WIDE}: readiness holds (degraded)")),
            "{output}"
        );
    }

    redis.restart();
    for replica in &replicas {
        readiness_until(replica.probes, "ok again", |r| {
            r.status == StatusCode::OK && r.json()["status"] == "ok"
        })
        .await;
    }
    // While it failed, each asked at most k peers per run of its check.
    let after = counts(&replicas).await;
    for (replica, (after, before)) in after.iter().zip(&before).enumerate() {
        let (asked, runs) = (after.0 - before.0, after.1 - before.1);
        println!("replica {replica}: {asked} questions to peers over {runs} runs");
        assert!(asked >= 2.0, "replica {replica}: {asked} over {runs} runs");
        assert!(
            asked <= K * runs,
            "replica {replica}: {asked} over {runs} runs"
        );
    }
    for replica in &replicas {
        let metrics = scrape(replica.probes).await;
        assert_eq!(
            metrics.get("health_check_down_across_fleet", &[("check", "redis")]),
            0.0
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_peer_answering_is_no_evidence() {
    let mut redis = Redis::start();
    let probes = SocketAddr::from(([127, 0, 0, 1], free_port()));
    // Two addresses nobody listens on, and its own.
    let peers = format!(
        "127.0.0.1:{},127.0.0.1:{},{probes}",
        free_port(),
        free_port()
    );
    let (probe, redis_url) = (probes.to_string(), redis.url());
    let mut env = vec![
        ("PROBE_ADDR", probe.as_str()),
        ("PEERS", &peers),
        ("SHARED_CHECKS", "redis"),
        ("REDIS_URL", &redis_url),
    ];
    env.extend(FAST_CHECKS);
    let _server = Example::start("server", &env);
    wait_for_status(probes, "/readyz", StatusCode::OK).await;

    redis.stop();
    let down = readiness_until(probes, "503 without evidence", |r| {
        r.status == StatusCode::SERVICE_UNAVAILABLE
    })
    .await;
    assert_eq!(down.json()["status"], "down");
    let deadline = Instant::now() + NO_HANG;
    while fleet_note(probes).await != "no peer answered (2 asked)" {
        assert!(Instant::now() < deadline, "{}", fleet_note(probes).await);
        tokio::time::sleep(INTERVAL).await;
    }
    for _ in 0..6 {
        let ready = fetch(probes, "/readyz").await;
        assert_eq!(
            ready.status,
            StatusCode::SERVICE_UNAVAILABLE,
            "{}",
            ready.text()
        );
        tokio::time::sleep(INTERVAL).await;
    }
    let metrics = scrape(probes).await;
    let none = [("check", "redis"), ("answer", "none")];
    assert!(metrics.get("health_peer_requests_total", &none) >= 2.0);
    assert_eq!(
        metrics.get("health_check_down_across_fleet", &[("check", "redis")]),
        0.0
    );
}

#[test]
fn the_fleet_settings_are_checked_and_printed_at_start() {
    for (env, expected) in [
        (
            vec![("SHARED_CHECKS", "cache")],
            "SHARED_CHECKS is not valid: \"cache\" is not a check (database, redis, upstream, rabbitmq, nats, certificate, disk, jobs, traffic)",
        ),
        (
            vec![
                ("REDIS_URL", "redis://127.0.0.1:1"),
                ("SHARED_CHECKS", "redis,databse"),
            ],
            "SHARED_CHECKS is not valid: \"databse\" is not a check (database, redis, upstream, rabbitmq, nats, certificate, disk, jobs, traffic)",
        ),
        (
            vec![("PEERS", "peers")],
            "PEERS=\"peers\" is not valid: \"peers\" is not host:port",
        ),
        (
            vec![("PEERS", "a:9090,,b:9090")],
            "PEERS=\"a:9090,,b:9090\" is not valid: an empty address",
        ),
        (
            vec![("PEERS", "a:http")],
            "PEERS=\"a:http\" is not valid: \"a:http\" is not host:port",
        ),
    ] {
        let output = run_to_exit("server", &env);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{env:?}: {stderr}");
        assert!(stderr.contains(expected), "{env:?}: {stderr}");
    }

    let set = Example::start(
        "server",
        &[
            (
                "PEERS",
                " tower-health-peers:9090 , 10.0.0.7:9090,[::1]:9090",
            ),
            ("SHARED_CHECKS", "redis,database"),
            ("REDIS_URL", "redis://127.0.0.1:1"),
        ],
    );
    let unset = Example::start("server", &[]);
    for (server, lines) in [
        (
            &set,
            vec![
                "  SHARED_CHECKS=redis,database",
                "  PEERS=tower-health-peers:9090,10.0.0.7:9090,[::1]:9090",
                // One manifest for every environment: an unconfigured dependency is no error.
                "  note: SHARED_CHECKS names database, which is not configured: ignored",
            ],
        ),
        (
            &unset,
            vec![
                "  SHARED_CHECKS=(unset)",
                "  PEERS=(unset: shared checks fail readiness alone)",
            ],
        ),
    ] {
        let output = server.output();
        for line in lines {
            assert!(output.lines().any(|l| l == line), "no {line:?} in {output}");
        }
    }
}
