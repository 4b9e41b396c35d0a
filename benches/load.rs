//! Loopback load: what a probe and a forwarded request cost a real HTTP/1.1 server, side by
//! side with their baselines, measured two ways against servers on 127.0.0.1.
//!
//! ```text
//! apt-get install wrk valgrind
//! cargo bench -p tower-health-benches --bench load                       # both tables
//! cargo bench -p tower-health-benches --bench load -- wrk                # req/s only (LOAD_SECONDS, LOAD_ROUNDS)
//! cargo bench -p tower-health-benches --bench load -- instructions       # instructions only (LOAD_REQUESTS)
//! ```
//!
//! Every server is a process of its own (this binary, `--serve N`) on a current-thread tokio
//! runtime, served by the same hyper-util accept loop; it exits when its stdin closes.
//!
//! - **wrk**: requests per second under `wrk -t1 -c32` (keep-alive), servers pinned to core 0
//!   and wrk to core 1 (`taskset`, where available). Rounds alternate the servers; the table
//!   shows medians of req/s and of the ratios taken within each round.
//! - **instructions**: each server runs under `valgrind --tool=callgrind` while a client in
//!   this process sends it a fixed number of requests over 32 keep-alive connections; the
//!   difference between two runs (1,000 and 1,000 + `LOAD_REQUESTS` requests) divided by
//!   `LOAD_REQUESTS` is what one request costs the server process in user space: parsing,
//!   routing, the service, encoding. An exact count, the same whatever else the machine is
//!   doing, which the req/s of a shared virtual machine is not. The kernel's share (the
//!   same loopback reads and writes for every server) is left out, so the ratio it gives is
//!   a lower bound on the req/s ratio of a CPU-bound server.
//! - **modelled req/s ratio** (when both run): the wrk phase also reads each server's user
//!   and kernel CPU time from `/proc`; with the baseline's user-space share `s`, a server
//!   executing `ours / baseline` times the baseline's user-space instructions (the kernel's
//!   work per request being the same) reaches `1 / (1 + s * (ours / baseline - 1))` of the
//!   baseline's req/s. Exact counts and a share that moves little, in place of a req/s ratio
//!   that moves with everything else on the machine.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::process::Command;

use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use bytes::Bytes;
use http::header::{CACHE_CONTROL, CONTENT_TYPE};
use http::{HeaderValue, Request, Response, StatusCode};
use http_body_util::Full;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::service::TowerToHyperService;
use tower::{Layer, ServiceBuilder};
use tower_health::{Health, HealthLayer};

mod common;

use common::{Server, connect, env_or, get_ok, pinned};

/// The body `/readyz` answers for a started service with no checks.
const READY_BODY: &[u8] = br#"{"status":"ok","checks":{}}"#;

/// One server under load: what it is, how to build it, which path to hit.
struct Target {
    name: &'static str,
    path: &'static str,
    serve: fn(tokio::net::TcpListener),
}

fn serve<S, B>(listener: tokio::net::TcpListener, service: S)
where
    S: tower::Service<Request<hyper::body::Incoming>, Response = Response<B>>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
    S::Error: std::error::Error + Send + Sync + 'static,
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: std::error::Error + Send + Sync + 'static,
{
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let service = TowerToHyperService::new(service.clone());
            tokio::spawn(async move {
                let _ = auto::Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
}

fn started() -> Health {
    let health = Health::default();
    health.mark_started();
    health
}

fn app() -> Router {
    Router::new()
        .route("/", get(|| async { "home" }))
        .route("/api/items", get(|| async { r#"[{"id":1},{"id":2}]"# }))
        .route("/api/items/{id}", get(|| async { "item" }))
}

fn axum_service(router: Router) -> axum::routing::RouterIntoService<hyper::body::Incoming> {
    router.into_service()
}

fn targets() -> Vec<Target> {
    vec![
        Target {
            name: "hyper constant 200 (baseline)",
            path: "/readyz",
            serve: |listener| {
                let service = tower::service_fn(|_: Request<hyper::body::Incoming>| async {
                    Ok::<_, Infallible>(Response::new(Full::new(Bytes::from_static(READY_BODY))))
                });
                serve(listener, service);
            },
        },
        Target {
            name: "axum /healthz Json (baseline)",
            path: "/healthz",
            serve: |listener| {
                let router = Router::new().route(
                    "/healthz",
                    get(|| async { Json(serde_json::json!({"status": "ok", "checks": {}})) }),
                );
                serve(listener, axum_service(router));
            },
        },
        Target {
            name: "tower-health /readyz",
            path: "/readyz",
            serve: |listener| {
                let service = ServiceBuilder::new()
                    .layer(HealthLayer::new(started()))
                    .service_fn(|_: Request<hyper::body::Incoming>| async {
                        let mut response = Response::new(Full::new(Bytes::new()));
                        *response.status_mut() = StatusCode::NOT_FOUND;
                        Ok::<_, Infallible>(response)
                    });
                serve(listener, service);
            },
        },
        Target {
            name: "axum app /api/items (baseline)",
            path: "/api/items",
            serve: |listener| serve(listener, axum_service(app())),
        },
        Target {
            name: "axum app wrapped in HealthLayer",
            path: "/api/items",
            serve: |listener| serve(listener, HealthLayer::new(started()).layer(app())),
        },
        Target {
            name: "axum app, Router::layer(HealthLayer)",
            path: "/api/items",
            serve: |listener| {
                serve(
                    listener,
                    axum_service(app().layer(HealthLayer::new(started()))),
                );
            },
        },
        Target {
            name: "wrapped, handle_in_extensions(true)",
            path: "/api/items",
            serve: |listener| {
                let layer = HealthLayer::new(started()).handle_in_extensions(true);
                serve(listener, layer.layer(app()));
            },
        },
        Target {
            name: "hyper constant 200, same headers",
            path: "/readyz",
            serve: |listener| {
                let service = tower::service_fn(|_: Request<hyper::body::Incoming>| async {
                    let response = Response::builder()
                        .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
                        .header(CACHE_CONTROL, HeaderValue::from_static("no-store"))
                        .body(Full::new(Bytes::from_static(READY_BODY)))
                        .unwrap();
                    Ok::<_, Infallible>(response)
                });
                serve(listener, service);
            },
        },
        Target {
            name: "wrapped, as axum::serve takes it",
            path: "/api/items",
            serve: |listener| {
                let service = ServiceBuilder::new()
                    .map_response(IntoResponse::into_response)
                    .layer(HealthLayer::new(started()))
                    .service(app());
                serve(listener, service);
            },
        },
    ]
}

/// Serve target `index` on a current-thread runtime until stdin closes, printing its
/// address first.
fn serve_until_stdin_closes(index: usize) -> ! {
    let serve = targets()[index].serve;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        println!("{}", listener.local_addr().unwrap());
        serve(listener);
        let mut stdin = tokio::io::stdin();
        let _ = tokio::io::copy(&mut stdin, &mut tokio::io::sink()).await;
    });
    std::process::exit(0)
}

/// Requests per second `wrk` reached.
fn wrk(addr: SocketAddr, path: &str, seconds: u64) -> f64 {
    let output = pinned("1", "wrk")
        .args(["-t1", "-c32", &format!("-d{seconds}s")])
        .arg(format!("http://{addr}{path}"))
        .output()
        .unwrap_or_else(|error| panic!("cannot run wrk ({error}): apt-get install wrk"));
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        !text.contains("Non-2xx"),
        "non-2xx answers from {path}: {text}"
    );
    text.lines()
        .find_map(|line| line.strip_prefix("Requests/sec:"))
        .and_then(|value| value.trim().parse().ok())
        .unwrap_or_else(|| panic!("no Requests/sec in wrk's output: {text}"))
}

/// CPU time a process has used so far, in clock ticks: (user, kernel). Linux only; `None`
/// elsewhere.
fn cpu_ticks(pid: u32) -> Option<(u64, u64)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name, which is in parentheses and may hold spaces.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after the name.
    Some((fields.get(11)?.parse().ok()?, fields.get(12)?.parse().ok()?))
}

/// Send `requests` GETs of `path` to `addr` over `CONNECTIONS` keep-alive connections, each
/// answer checked for 2xx and read to its end.
fn drive(addr: SocketAddr, path: &'static str, requests: usize) {
    const CONNECTIONS: usize = 32;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async move {
        let mut connections = tokio::task::JoinSet::new();
        for connection in 0..CONNECTIONS {
            let count = requests / CONNECTIONS + usize::from(connection < requests % CONNECTIONS);
            connections.spawn(async move {
                let mut sender = connect(addr).await;
                for _ in 0..count {
                    get_ok(&mut sender, addr, path).await.unwrap();
                }
            });
        }
        while let Some(done) = connections.join_next().await {
            done.unwrap();
        }
    });
}

/// Instructions target `index`'s process executes in all, serving `requests` requests.
fn instructions(index: usize, requests: usize) -> u64 {
    let mut valgrind = Command::new("valgrind");
    valgrind.args(["--tool=callgrind", "--callgrind-out-file=/dev/null"]);
    let server = Server::start(valgrind, &["--serve", &index.to_string()]);
    drive(server.addrs[0], targets()[index].path, requests);
    let report = server.stop();
    report
        .lines()
        .find_map(|line| line.split("Collected :").nth(1))
        .and_then(|count| count.trim().parse().ok())
        .unwrap_or_else(|| panic!("no callgrind total in: {report}"))
}

/// The median, NaN for no values (the noise-floor row of a single round).
fn median(mut values: Vec<f64>) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// The comparisons both tables show: (what, ours, baseline).
const ROWS: [(&str, usize, usize); 8] = [
    ("`/readyz` vs plain hyper constant 200", 2, 0),
    (
        "`/readyz` vs hyper constant 200 with the same headers",
        2,
        7,
    ),
    ("`/readyz` vs axum `/healthz` `Json`", 2, 1),
    ("axum app `/api/items`, app wrapped in the layer", 4, 3),
    ("same, mapped to axum's `Response` for `axum::serve`", 8, 3),
    ("same, layer added with `Router::layer`", 5, 3),
    ("same as wrapped, `handle_in_extensions(true)`", 6, 3),
    ("(noise floor: the axum app against itself)", 3, 3),
];

/// Requests per second under wrk, in alternating rounds. Returns each server's user-space
/// share of its CPU time under that load, where the system tells it.
fn wrk_table() -> Option<Vec<f64>> {
    let seconds = env_or("LOAD_SECONDS", 2);
    let rounds = env_or("LOAD_ROUNDS", 10) as usize;
    let targets = targets();
    let servers: Vec<Server> = (0..targets.len())
        .map(|index| Server::start(pinned("0", "env"), &["--serve", &index.to_string()]))
        .collect();
    let addrs: Vec<SocketAddr> = servers.iter().map(|server| server.addrs[0]).collect();
    for (target, addr) in targets.iter().zip(&addrs) {
        wrk(*addr, target.path, 1); // warm-up
    }
    // Each round runs every server once, in alternating order, so slow drift of the machine
    // cancels out of the ratios, which are taken within a round.
    let mut rps = vec![Vec::new(); targets.len()];
    let mut ticks = vec![Some((0, 0)); targets.len()];
    for round in 0..rounds {
        let mut order: Vec<usize> = (0..targets.len()).collect();
        if round % 2 == 1 {
            order.reverse();
        }
        for i in order {
            let pid = servers[i].child.id();
            let before = cpu_ticks(pid);
            let value = wrk(addrs[i], targets[i].path, seconds);
            ticks[i] = match (ticks[i], before, cpu_ticks(pid)) {
                (Some((user, kernel)), Some((u0, k0)), Some((u1, k1))) => {
                    Some((user + u1 - u0, kernel + k1 - k0))
                }
                _ => None,
            };
            eprintln!(
                "round {}: {:<40} {value:>10.0} req/s",
                round + 1,
                targets[i].name
            );
            rps[i].push(value);
        }
    }
    // The noise floor row compares one round's run of the app with the next round's.
    let ratio = |ours: usize, baseline: usize| {
        let shift = usize::from(ours == baseline);
        median(
            (shift..rounds)
                .map(|r| rps[ours][r] / rps[baseline][r - shift])
                .collect(),
        )
    };
    let medians: Vec<f64> = rps.iter().cloned().map(median).collect();
    println!();
    println!(
        "req/s: loopback HTTP/1.1, wrk -t1 -c32 on core 1, servers on core 0, {seconds} s x {rounds} rounds"
    );
    println!("medians of req/s, and of the ratios within each round");
    println!();
    println!("| measure | baseline req/s | ours req/s | ratio |");
    println!("|---|---:|---:|---:|");
    for (name, ours, baseline) in ROWS {
        println!(
            "| {name} | {:.0} | {:.0} | {:.3} |",
            medians[baseline],
            medians[ours],
            ratio(ours, baseline)
        );
    }
    let shares: Option<Vec<f64>> = ticks
        .into_iter()
        .map(|t| t.map(|(user, kernel)| user as f64 / (user + kernel).max(1) as f64))
        .collect();
    if let Some(shares) = &shares {
        println!();
        println!("user-space share of each server's CPU time under wrk (/proc, all rounds)");
        println!();
        for (target, share) in targets.iter().zip(shares) {
            println!("  {:<40} {share:.3}", target.name);
        }
    }
    shares
}

/// User-space instructions per request of each server process, counted by callgrind. With
/// the user-space shares of a wrk run, also the req/s ratio they imply: the added
/// instructions cost what the baseline's cost per instruction, the kernel's part is equal.
fn instructions_table(shares: Option<&[f64]>) {
    let requests = env_or("LOAD_REQUESTS", 20_000) as usize;
    const WARM: usize = 1_000;
    let per_request: Vec<f64> = targets()
        .iter()
        .enumerate()
        .map(|(index, target)| {
            let base = instructions(index, WARM);
            let loaded = instructions(index, WARM + requests);
            let value = (loaded - base) as f64 / requests as f64;
            eprintln!("{:<40} {value:>8.0} instructions per request", target.name);
            value
        })
        .collect();
    println!();
    println!(
        "instructions per request in the server process (callgrind, user space, {requests} requests over 32 keep-alive connections)"
    );
    println!("the req/s ratio a CPU-bound server reaches is at least baseline / ours");
    println!();
    println!("| measure | baseline | ours | added | baseline / ours | modelled req/s ratio |");
    println!("|---|---:|---:|---:|---:|---:|");
    for (name, ours, baseline) in ROWS.into_iter().filter(|(_, o, b)| o != b) {
        let (base, with) = (per_request[baseline], per_request[ours]);
        let modelled = shares.map_or_else(
            || "-".to_owned(),
            |shares| {
                format!(
                    "{:.3}",
                    1.0 / (1.0 + shares[baseline] * (with / base - 1.0))
                )
            },
        );
        println!(
            "| {name} | {base:.0} | {with:.0} | {:+.0} | {:.3} | {modelled} |",
            with - base,
            base / with
        );
    }
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    match args.as_slice() {
        [flag, index] if flag == "--serve" => {
            serve_until_stdin_closes(index.parse().expect("--serve takes a target number"))
        }
        [] => {
            let shares = wrk_table();
            instructions_table(shares.as_deref());
        }
        [mode] if mode == "wrk" => {
            wrk_table();
        }
        [mode] if mode == "instructions" => instructions_table(None),
        _ => {
            eprintln!("usage: load [wrk|instructions]");
            std::process::exit(2);
        }
    }
}
