//! Probes under a saturated application: how long a liveness probe on a fresh connection
//! takes on the application's own port (the `HealthLayer`) and on the `ProbeServer`'s port,
//! while the application's runtime is busy with CPU-bound requests.
//!
//! ```text
//! cargo bench -p tower-health-benches --bench saturation
//! SATURATION_PROBES=20 cargo bench -p tower-health-benches --bench saturation   # shorter
//! ```
//!
//! For each setting (64 and 128 connections, 20 and 50 ms of CPU per request) this binary
//! starts itself as a server process (`serve`): a tokio runtime with 2 workers serving an
//! axum app wrapped whole in `HealthLayer` (`/work?ms=N` burns N ms of CPU on the worker
//! thread), and a `ProbeServer` on another port from the same `Health` handle. The driver
//! opens that many keep-alive connections looping on `/work?ms=N` (a current-thread runtime
//! on a thread of its own), waits `SATURATION_WARMUP_MS` (1,000), then sends
//! `SATURATION_PROBES` (60) `GET /healthz` to each port, one every `SATURATION_GAP_MS` (100)
//! on each port, both ports at the same time. Each probe is timed from connect to the end
//! of the answer (`connection: close`) on a fresh connection; one that takes 5 s or does not
//! answer 200 is a failure and counts as over 1 s.
//!
//! Probes are started on schedule, without waiting for the previous one on the same port,
//! so a setting takes seconds even where the app port answers in seconds (several app-port
//! probes are then in flight at once; a probe-port probe answered within the gap is
//! sequential anyway). `SATURATION_SEQUENTIAL=1` waits for each answer (and then the gap)
//! before the next probe, as a kubelet does: up to 5 min for a setting where the app port
//! times out.
//!
//! `/work` burns wall-clock time (until `Instant::elapsed()` reaches N ms), so a request
//! holds its worker N ms however the core is shared.
//!
//! With `taskset`, the server process runs on core 0 and the driver on core 1.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::Query;
use axum::response::IntoResponse;
use axum::routing::get;
use http::Request;
use tower::ServiceBuilder;
use tower_health::{Health, HealthLayer, ProbeServer};

mod common;

use common::{Server, connect, env_or, get_ok, pinned};

/// A probe that has no answer by then is a failure.
const TIMEOUT: Duration = Duration::from_secs(5);
/// The target's threshold: no probe on the probe port over this.
const SLOW: Duration = Duration::from_secs(1);

/// Burn `ms` milliseconds of CPU on the calling thread, without yielding or sleeping.
fn burn(ms: u64) {
    let until = Duration::from_millis(ms);
    let start = Instant::now();
    let mut x = 0u64;
    while start.elapsed() < until {
        for i in 0..1_000u64 {
            x = std::hint::black_box(x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(i));
        }
    }
    std::hint::black_box(x);
}

/// The server process: the app on a 2-worker runtime with the layer outermost, the probe
/// server beside it; prints both addresses (app first) and serves until stdin closes.
fn serve_until_stdin_closes() -> ! {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let health = Health::default();
        let probes = ProbeServer::bind(([127, 0, 0, 1], 0), health.clone())
            .spawn()
            .expect("bind the probe port");
        health.mark_started();
        let router = Router::new().route(
            "/work",
            get(|Query(query): Query<HashMap<String, u64>>| async move {
                burn(query.get("ms").copied().unwrap_or(0));
                "done"
            }),
        );
        let app = ServiceBuilder::new()
            .map_response(IntoResponse::into_response)
            .layer(HealthLayer::new(health))
            .service(router);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        println!("{} {}", listener.local_addr().unwrap(), probes.local_addr());
        tokio::spawn(async move {
            axum::serve(
                listener,
                axum::ServiceExt::<Request<Body>>::into_make_service(app),
            )
            .await
        });
        let _ = tokio::io::copy(&mut tokio::io::stdin(), &mut tokio::io::sink()).await;
    });
    // Without waiting for the requests in flight.
    std::process::exit(0)
}

/// `connections` keep-alive clients looping on `/work?ms=N` until `stop`; counts answers.
fn load(
    addr: SocketAddr,
    connections: usize,
    ms: u64,
    stop: Arc<AtomicBool>,
    done: Arc<AtomicU64>,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let mut clients = tokio::task::JoinSet::new();
            for _ in 0..connections {
                let (stop, done) = (stop.clone(), done.clone());
                clients.spawn(async move {
                    let mut sender = connect(addr).await;
                    let path = format!("/work?ms={ms}");
                    while !stop.load(Ordering::Relaxed) {
                        if get_ok(&mut sender, addr, &path).await.is_err() {
                            return;
                        }
                        done.fetch_add(1, Ordering::Relaxed);
                    }
                });
            }
            // Clients waiting on an answer when `stop` is set are dropped with the runtime.
            while !stop.load(Ordering::Relaxed) {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        });
    })
}

/// One `GET /healthz` on a fresh connection, timed from connect to the end of the answer;
/// `None` when there is no `200` within `TIMEOUT`.
fn probe(addr: SocketAddr) -> Option<Duration> {
    let start = Instant::now();
    let left = || {
        TIMEOUT
            .checked_sub(start.elapsed())
            .filter(|left| !left.is_zero())
            .ok_or(std::io::ErrorKind::TimedOut)
    };
    let answer = (|| -> std::io::Result<Vec<u8>> {
        let mut stream = TcpStream::connect_timeout(&addr, TIMEOUT)?;
        stream.set_write_timeout(Some(left()?))?;
        stream.write_all(b"GET /healthz HTTP/1.1\r\nhost: probe\r\nconnection: close\r\n\r\n")?;
        let mut answer = Vec::new();
        let mut chunk = [0; 4096];
        loop {
            stream.set_read_timeout(Some(left()?))?;
            match stream.read(&mut chunk)? {
                0 => return Ok(answer),
                n => answer.extend_from_slice(&chunk[..n]),
            }
        }
    })();
    let elapsed = start.elapsed();
    match answer {
        Ok(answer) if answer.starts_with(b"HTTP/1.1 200") && elapsed < TIMEOUT => Some(elapsed),
        _ => None,
    }
}

/// `count` probes of `addr`, one every `gap`; each waits for the previous answer when
/// `sequential`. Failures are `None`.
fn probes(
    addr: SocketAddr,
    count: usize,
    gap: Duration,
    sequential: bool,
) -> std::thread::JoinHandle<Vec<Option<Duration>>> {
    std::thread::spawn(move || {
        let start = Instant::now();
        let mut results = Vec::new();
        let mut pending = Vec::new();
        for i in 0..count {
            let due = start + gap * i as u32;
            std::thread::sleep(due.saturating_duration_since(Instant::now()));
            if sequential {
                results.push(probe(addr));
                std::thread::sleep(gap);
            } else {
                pending.push(std::thread::spawn(move || probe(addr)));
            }
        }
        results.extend(pending.into_iter().map(|probe| probe.join().unwrap()));
        results
    })
}

/// p50, p99, max (failures counted as `TIMEOUT`) and how many took over `SLOW` or failed.
struct Summary {
    p50: Duration,
    p99: Duration,
    max: Duration,
    slow: usize,
    failed: usize,
}

impl Summary {
    fn of(results: &[Option<Duration>]) -> Summary {
        let mut times: Vec<Duration> = results.iter().map(|r| r.unwrap_or(TIMEOUT)).collect();
        times.sort();
        // Linear interpolation between the nearest ranks.
        let quantile = |q: f64| {
            let at = q * (times.len() - 1) as f64;
            let (low, high) = (times[at.floor() as usize], times[at.ceil() as usize]);
            low + (high.saturating_sub(low)).mul_f64(at.fract())
        };
        Summary {
            p50: quantile(0.5),
            p99: quantile(0.99),
            max: *times.last().unwrap(),
            slow: times.iter().filter(|t| **t > SLOW).count(),
            failed: results.iter().filter(|r| r.is_none()).count(),
        }
    }
}

fn ms(duration: Duration) -> String {
    let ms = duration.as_secs_f64() * 1e3;
    if ms < 10.0 {
        format!("{ms:.1} ms")
    } else {
        format!("{ms:.0} ms")
    }
}

/// Pin this process (every thread it has and will start) to `core`, when `taskset` is there.
fn pin_self(core: &str) -> bool {
    std::process::Command::new("taskset")
        .args(["-a", "-p", "-c", core, &std::process::id().to_string()])
        .output()
        .is_ok_and(|output| output.status.success())
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    if args.first().map(String::as_str) == Some("serve") {
        serve_until_stdin_closes();
    }
    let count = env_or("SATURATION_PROBES", 60).max(1) as usize;
    let gap = Duration::from_millis(env_or("SATURATION_GAP_MS", 100));
    let warmup = Duration::from_millis(env_or("SATURATION_WARMUP_MS", 1_000));
    let sequential = env_or("SATURATION_SEQUENTIAL", 0) != 0;
    let pinned_self = pin_self("1");
    println!(
        "{count} GET /healthz per port on fresh connections, one every {} ms ({}), both ports at once; \
         server: 2 tokio workers{}; failure: no 200 within {} s",
        gap.as_millis(),
        if sequential {
            "each after the previous answer"
        } else {
            "on schedule"
        },
        if pinned_self {
            " on core 0, driver on core 1 (taskset)"
        } else {
            ", not pinned (no taskset)"
        },
        TIMEOUT.as_secs(),
    );
    println!();
    println!(
        "| connections × CPU per request | app req/s | port | p50 | p99 | max | over 1 s (failed) |"
    );
    println!("|---|---:|---|---:|---:|---:|---:|");
    for (connections, work_ms) in [(64, 20), (64, 50), (128, 20), (128, 50)] {
        let server = Server::start(pinned("0", "env"), &["serve"]);
        let (app, probe_port) = (server.addrs[0], server.addrs[1]);
        let stop = Arc::new(AtomicBool::new(false));
        let done = Arc::new(AtomicU64::new(0));
        let clients = load(app, connections, work_ms, stop.clone(), done.clone());
        std::thread::sleep(warmup);
        let (before, started) = (done.load(Ordering::Relaxed), Instant::now());
        let on_app = probes(app, count, gap, sequential);
        let on_probe_port = probes(probe_port, count, gap, sequential);
        let (on_app, on_probe_port) = (on_app.join().unwrap(), on_probe_port.join().unwrap());
        let rps = (done.load(Ordering::Relaxed) - before) as f64 / started.elapsed().as_secs_f64();
        stop.store(true, Ordering::Relaxed);
        clients.join().unwrap();
        drop(server);
        for (port, results) in [("app (HealthLayer)", on_app), ("probe port", on_probe_port)] {
            let s = Summary::of(&results);
            println!(
                "| {connections} × {work_ms} ms | {rps:.0} | {port} | {} | {} | {} | {} ({}) |",
                ms(s.p50),
                ms(s.p99),
                ms(s.max),
                s.slow,
                s.failed
            );
        }
    }
}
