//! Loopback load: requests per second of a probe and of a forwarded request, side by side
//! with their baselines, measured by `wrk` (HTTP/1.1, keep-alive) against servers on
//! 127.0.0.1.
//!
//! ```text
//! apt-get install wrk
//! cargo bench --bench load                          # 5 s per run, 3 rounds
//! LOAD_SECONDS=10 LOAD_ROUNDS=5 cargo bench --bench load
//! ```
//!
//! Every server is a process of its own (this binary, `--serve N`) on a current-thread tokio
//! runtime, served by the same hyper-util accept loop and pinned to core 0; `wrk -t1 -c32` is
//! pinned to core 1 (`taskset`, where available). Rounds alternate the servers, and the table
//! shows each one's median.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::process::Command;
use std::time::Duration;

use axum::routing::get;
use axum::{Json, Router};
use bytes::Bytes;
use http::{Request, Response, StatusCode};
use http_body_util::Full;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::service::TowerToHyperService;
use tower::ServiceBuilder;
use tower_health::{Health, HealthLayer};

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
            name: "axum app + HealthLayer",
            path: "/api/items",
            serve: |listener| {
                serve(
                    listener,
                    axum_service(app().layer(HealthLayer::new(started()))),
                );
            },
        },
        Target {
            name: "axum app + HealthLayer, no handle",
            path: "/api/items",
            serve: |listener| {
                let layer = HealthLayer::new(started()).handle_in_extensions(false);
                serve(listener, axum_service(app().layer(layer)));
            },
        },
    ]
}

/// Serve target `index` on a current-thread runtime until killed, printing its address.
fn serve_forever(index: usize) -> ! {
    let serve = targets()[index].serve;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        println!("{}", listener.local_addr().unwrap());
        serve(listener);
        std::future::pending::<()>().await;
    });
    unreachable!()
}

/// `command`, pinned to `core` when `taskset` is there.
fn pinned(core: &str, program: impl AsRef<std::ffi::OsStr>) -> Command {
    if Command::new("taskset").arg("-V").output().is_ok() {
        let mut command = Command::new("taskset");
        command.args(["-c", core]).arg(program);
        command
    } else {
        Command::new(program)
    }
}

/// A server process, killed when dropped.
struct Server(std::process::Child, SocketAddr);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Start target `index` as a process of its own on core 0.
fn start(index: usize) -> Server {
    use std::io::BufRead;
    let mut child = pinned("0", std::env::current_exe().unwrap())
        .args(["--serve", &index.to_string()])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("start a server process");
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line.trim().parse().expect("the server prints its address");
    Server(child, addr)
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

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    if let [flag, index] = args.as_slice()
        && flag == "--serve"
    {
        serve_forever(index.parse().expect("--serve takes a target number"));
    }
    let seconds = env_or("LOAD_SECONDS", 2);
    let rounds = env_or("LOAD_ROUNDS", 10) as usize;
    let targets = targets();
    let servers: Vec<Server> = (0..targets.len()).map(start).collect();
    let addrs: Vec<SocketAddr> = servers.iter().map(|server| server.1).collect();
    std::thread::sleep(Duration::from_millis(200));
    for (target, addr) in targets.iter().zip(&addrs) {
        wrk(*addr, target.path, 1); // warm-up
    }
    // Each round runs every server once, in alternating order, so slow drift of the machine
    // cancels out of the ratios, which are taken within a round.
    let mut rps = vec![Vec::new(); targets.len()];
    for round in 0..rounds {
        let mut order: Vec<usize> = (0..targets.len()).collect();
        if round % 2 == 1 {
            order.reverse();
        }
        for i in order {
            let value = wrk(addrs[i], targets[i].path, seconds);
            eprintln!(
                "round {}: {:<36} {value:>10.0} req/s",
                round + 1,
                targets[i].name
            );
            rps[i].push(value);
        }
    }
    let ratio = |ours: usize, baseline: usize| {
        median(
            (0..rounds)
                .map(|r| rps[ours][r] / rps[baseline][r])
                .collect(),
        )
    };
    let rps: Vec<f64> = rps.iter().cloned().map(median).collect();
    println!();
    println!(
        "loopback HTTP/1.1, wrk -t1 -c32 on core 1, servers on core 0, {seconds} s x {rounds} rounds"
    );
    println!("medians of req/s, and of the ratios within each round");
    println!();
    println!("| measure | baseline req/s | ours req/s | ratio |");
    println!("|---|---:|---:|---:|");
    let row = |name: &str, ours: usize, baseline: usize| {
        println!(
            "| {name} | {:.0} | {:.0} | {:.3} |",
            rps[baseline],
            rps[ours],
            ratio(ours, baseline)
        );
    };
    row("`/readyz` vs plain hyper constant 200", 2, 0);
    row("`/readyz` vs axum `/healthz` `Json`", 2, 1);
    row("axum app `/api/items` through the layer", 4, 3);
    row("same, `handle_in_extensions(false)`", 5, 3);
}
