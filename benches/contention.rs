//! Forwarded requests recorded from every core at once: wall-clock nanoseconds per request
//! through the layer with traffic off and observed, on one thread and on as many threads as
//! the machine runs at once. The recorder's counters are sharded per thread; were they one
//! set of cache lines, the per-request time would grow with the threads writing them beyond
//! what it does with a handle per thread, where nothing is shared at all.
//!
//! ```text
//! cargo bench -p tower-health-benches --bench contention
//! CONTENTION_CALLS=2000000 cargo bench -p tower-health-benches --bench contention
//! ```

mod common;

use std::hint::black_box;
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::time::Instant;

use common::Noop;
use http::Request;
use tower::Service;
use tower_health::{Health, HealthLayer, Traffic};
use tower_layer::Layer;

/// `calls` forwarded requests through `layer` over a no-op service on this thread.
fn forward(layer: &HealthLayer, calls: u64) {
    let mut service = layer.layer(Noop);
    let mut cx = Context::from_waker(Waker::noop());
    for _ in 0..calls {
        let request = Request::get("/api/items").body(()).unwrap();
        if let Poll::Ready(response) = pin!(service.call(black_box(request))).poll(&mut cx) {
            drop(black_box(response));
        }
    }
}

/// Nanoseconds per request with `threads` threads each forwarding `calls` requests at once,
/// each through the layer `layer()` gives it.
fn per_request(layer: &(dyn Fn() -> HealthLayer + Sync), threads: usize, calls: u64) -> f64 {
    let layers: Vec<HealthLayer> = (0..threads).map(|_| layer()).collect();
    let start = Instant::now();
    std::thread::scope(|scope| {
        for layer in &layers {
            scope.spawn(move || forward(layer, calls));
        }
    });
    start.elapsed().as_nanos() as f64 / calls as f64
}

fn main() {
    let calls: u64 = std::env::var("CONTENTION_CALLS")
        .ok()
        .and_then(|calls| calls.parse().ok())
        .unwrap_or(1_000_000);
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let observed = || HealthLayer::new(Health::builder().traffic(Traffic::new()).build());
    let off = HealthLayer::new(Health::default());
    let on = observed();
    // Warm up: the clock's calibration, the caches.
    forward(&on, calls / 10);
    println!("wall-clock ns per forwarded request, {calls} per thread (best of 5)");
    let modes: [(&str, &(dyn Fn() -> HealthLayer + Sync)); 3] = [
        ("traffic off, one handle", &|| off.clone()),
        ("traffic observed, one handle", &|| on.clone()),
        // Nothing shared between the threads: what the machine does with no shared line.
        ("traffic observed, a handle per thread", &observed),
    ];
    for (name, layer) in modes {
        for threads in [1, cores] {
            let best = (0..5)
                .map(|_| per_request(layer, threads, calls))
                .fold(f64::INFINITY, f64::min);
            println!("  {name:<38} {threads} thread(s)  {best:7.1}");
        }
    }
}
