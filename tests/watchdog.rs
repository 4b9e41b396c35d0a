//! The runtime watchdog: an application runtime with every worker blocked fails liveness on
//! the probe port with the stall reason and recovers; one saturated with CPU work never
//! fails liveness, but fails readiness as overloaded and clears; bad settings are errors.
//!
//! Each test builds the application's runtime itself (2 workers) and asks the probe port
//! from a runtime of its own, as a kubelet would from outside the process.

mod common;

use std::io::ErrorKind;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::NO_HANG;
use common::client::{Reply, fetch};
use http::StatusCode;
use tokio::runtime::Runtime;
use tower_health::{ComponentStatus, Details, Health, ProbeServer, Watchdog};

const WORKERS: usize = 2;

fn app_runtime() -> Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(WORKERS)
        .enable_all()
        .build()
        .unwrap()
}

fn client() -> Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn started() -> Health {
    let health = Health::builder().details(Details::Always).build();
    health.mark_started();
    health
}

/// Block every worker of `app` for `hold`: one task per worker, each spinning (blocking)
/// until all have arrived, so none can run on a worker another one holds.
fn block_every_worker(app: &Runtime, hold: Duration) {
    let arrived = Arc::new(AtomicUsize::new(0));
    for _ in 0..WORKERS {
        let arrived = arrived.clone();
        // Spawned from outside the runtime: the tasks go to its shared queue.
        app.spawn(async move {
            arrived.fetch_add(1, Ordering::SeqCst);
            let deadline = Instant::now() + NO_HANG;
            while arrived.load(Ordering::SeqCst) < WORKERS && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(1));
            }
            std::thread::sleep(hold);
        });
    }
    let deadline = Instant::now() + NO_HANG;
    while arrived.load(Ordering::SeqCst) < WORKERS {
        assert!(Instant::now() < deadline, "the blocking tasks never ran");
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// Ask `path` every 50 ms until it answers `status`, for at most `within`.
fn wait_for(
    client: &Runtime,
    addr: SocketAddr,
    path: &str,
    status: StatusCode,
    within: Duration,
) -> Reply {
    let deadline = Instant::now() + within;
    loop {
        let reply = client.block_on(fetch(addr, path));
        if reply.status == status {
            return reply;
        }
        assert!(
            Instant::now() < deadline,
            "{path} did not answer {status} within {within:?}; last: {} {}",
            reply.status,
            reply.text()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The error text the combined body shows for `component` (details are revealed).
fn error_of(client: &Runtime, addr: SocketAddr, component: &str) -> String {
    let body = client.block_on(fetch(addr, "/health")).json();
    body["checks"][component]["error"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[test]
fn a_blocked_runtime_fails_liveness_with_the_stall_reason_and_recovers() {
    let app = app_runtime();
    let client = client();
    let health = started();
    let mut transitions = health.transitions();
    let stall_after = Duration::from_secs(1);
    // Spawned outside the application's runtime, which is named instead.
    let watchdog = Watchdog::new()
        .stall_after(stall_after)
        .runtime(app.handle().clone());
    let probes = ProbeServer::bind(([127, 0, 0, 1], 0), health.clone())
        .watchdog(watchdog)
        .spawn()
        .unwrap();
    let addr = probes.local_addr();
    wait_for(&client, addr, "/healthz", StatusCode::OK, NO_HANG);
    wait_for(&client, addr, "/readyz", StatusCode::OK, NO_HANG);

    block_every_worker(&app, Duration::from_secs(3));
    let blocked = Instant::now();
    let within = stall_after + Duration::from_secs(1);
    wait_for(
        &client,
        addr,
        "/healthz",
        StatusCode::SERVICE_UNAVAILABLE,
        within,
    );
    println!(
        "liveness failed {:?} after the block began",
        blocked.elapsed()
    );
    let reason = error_of(&client, addr, "runtime");
    assert!(
        reason.starts_with("runtime stalled: no heartbeat for "),
        "{reason}"
    );
    let ready = client.block_on(fetch(addr, "/readyz"));
    assert_eq!(
        ready.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "a wedged runtime takes no traffic"
    );

    wait_for(&client, addr, "/healthz", StatusCode::OK, NO_HANG);
    wait_for(&client, addr, "/readyz", StatusCode::OK, NO_HANG);
    assert_eq!(error_of(&client, addr, "runtime"), "");

    let seen: Vec<_> = std::iter::from_fn(|| transitions.try_recv().ok())
        .filter(|transition| transition.name == "runtime")
        .map(|transition| (transition.from, transition.to))
        .collect();
    assert_eq!(
        seen,
        [
            (ComponentStatus::Up, ComponentStatus::Down),
            (ComponentStatus::Down, ComponentStatus::Up)
        ]
    );
    probes.shutdown();
}

#[test]
fn cpu_saturation_never_fails_liveness_but_overload_fails_and_clears_readiness() {
    let app = app_runtime();
    let client = client();
    let health = started();
    let watchdog = Watchdog::new()
        .stall_after(Duration::from_secs(3))
        .overload_after(Duration::from_millis(200));
    let probes = app
        .block_on(async {
            ProbeServer::bind(([127, 0, 0, 1], 0), health.clone())
                .watchdog(watchdog)
                .spawn()
        })
        .unwrap();
    let addr = probes.local_addr();
    wait_for(&client, addr, "/readyz", StatusCode::OK, NO_HANG);

    // 16 tasks, each 12 slices of 50 ms of CPU with a yield between: ~4.8 s of work on 2
    // workers, so a task that becomes due waits about 8 slices (~400 ms) for a worker.
    let remaining = Arc::new(AtomicUsize::new(16));
    for _ in 0..16 {
        let remaining = remaining.clone();
        app.spawn(async move {
            for _ in 0..12 {
                let slice = Instant::now();
                while slice.elapsed() < Duration::from_millis(50) {
                    std::hint::black_box(slice.elapsed());
                }
                tokio::task::yield_now().await;
            }
            remaining.fetch_sub(1, Ordering::SeqCst);
        });
    }
    let mut overloaded = false;
    let deadline = Instant::now() + NO_HANG;
    while remaining.load(Ordering::SeqCst) > 0 {
        assert!(Instant::now() < deadline, "the CPU work never ended");
        let live = client.block_on(fetch(addr, "/healthz"));
        assert_eq!(
            live.status,
            StatusCode::OK,
            "busy is not wedged: {}",
            live.text()
        );
        let ready = client.block_on(fetch(addr, "/readyz"));
        if ready.status == StatusCode::SERVICE_UNAVAILABLE && !overloaded {
            overloaded = true;
            let reason = error_of(&client, addr, "overload");
            assert!(reason.starts_with("overloaded: "), "{reason}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(
        overloaded,
        "readiness never failed while the runtime was saturated"
    );
    wait_for(&client, addr, "/readyz", StatusCode::OK, NO_HANG);
    assert_eq!(
        client.block_on(fetch(addr, "/healthz")).status,
        StatusCode::OK
    );
    let snapshot = health.snapshot();
    let overload = snapshot.component("overload").unwrap();
    assert_eq!(overload.probes(), tower_health::model::ProbeSet::READINESS);
    probes.shutdown();
}

#[test]
fn bad_settings_and_a_missing_runtime_are_errors() {
    let bind = || ProbeServer::bind(([127, 0, 0, 1], 0), Health::default());
    let outside = bind().watchdog(Watchdog::new()).spawn().unwrap_err();
    assert_eq!(outside.kind(), ErrorKind::Other);
    assert!(
        outside.to_string().contains("Watchdog::runtime"),
        "{outside}"
    );

    let app = app_runtime();
    let on_app = || Watchdog::new().runtime(app.handle().clone());
    let refused = [
        on_app().stall_after(Duration::from_millis(100)),
        on_app().overload_after(Duration::from_millis(5)),
        on_app()
            .stall_after(Duration::from_secs(1))
            .overload_after(Duration::from_secs(1)),
    ];
    for watchdog in refused {
        let error = bind().watchdog(watchdog.clone()).spawn().unwrap_err();
        assert_eq!(
            error.kind(),
            ErrorKind::InvalidInput,
            "{watchdog:?}: {error}"
        );
    }
    let health = Health::default();
    let probes = ProbeServer::bind(([127, 0, 0, 1], 0), health.clone())
        .watchdog(on_app())
        .spawn()
        .unwrap();
    assert!(
        health.snapshot().component("overload").is_none(),
        "no overload threshold, no component"
    );
    probes.shutdown();
}

#[test]
fn binding_an_address_in_use_starts_no_watchdog() {
    let app = app_runtime();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap();
    let health = started();
    let watchdog = Watchdog::new()
        .overload_after(Duration::from_millis(500))
        .runtime(app.handle().clone());
    let error = ProbeServer::bind(addr, health.clone())
        .watchdog(watchdog.clone())
        .spawn()
        .expect_err("bound an address in use");
    assert_eq!(error.kind(), ErrorKind::AddrInUse);
    let snapshot = health.snapshot();
    assert!(
        snapshot.component(Watchdog::STALL_COMPONENT).is_none(),
        "a runtime component with no judge"
    );
    assert!(snapshot.component(Watchdog::OVERLOAD_COMPONENT).is_none());

    // On a free address, the same watchdog starts.
    let probes = ProbeServer::bind(([127, 0, 0, 1], 0), health.clone())
        .watchdog(watchdog)
        .spawn()
        .unwrap();
    let runtime = health
        .snapshot()
        .component(Watchdog::STALL_COMPONENT)
        .cloned();
    assert_eq!(runtime.map(|c| c.status()), Some(ComponentStatus::Up));
    let client = client();
    let live = client.block_on(fetch(probes.local_addr(), "/healthz"));
    assert_eq!(live.status, StatusCode::OK, "{}", live.text());
    probes.shutdown();
}
