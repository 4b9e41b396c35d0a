//! Heap allocations per probe answer and per forwarded request, counted by dhat's global
//! allocator (no `unsafe` here).
//!
//! ```text
//! cargo bench -p tower-health-benches --bench allocations
//! ```

mod common;

use std::pin::pin;
use std::task::{Context, Poll, Waker};

use common::Noop;
use http::{Method, Request};
use tower::Service;
use tower_health::{Health, HealthLayer, Traffic};
use tower_layer::Layer;

#[global_allocator]
static ALLOCATOR: dhat::Alloc = dhat::Alloc;

const CALLS: u64 = 10_000;

/// Allocations per `GET` of `path` through `service`, not counting building the request.
fn per_call<S>(service: &mut S, path: &str) -> f64
where
    S: Service<Request<()>>,
    S::Error: std::fmt::Debug,
{
    per_call_with(service, Method::GET, path)
}

/// Allocations per call of `service` with `method` on `path`, not counting building the
/// request.
fn per_call_with<S>(service: &mut S, method: Method, path: &str) -> f64
where
    S: Service<Request<()>>,
    S::Error: std::fmt::Debug,
{
    let requests: Vec<_> = (0..CALLS)
        .map(|_| {
            Request::builder()
                .method(method.clone())
                .uri(path)
                .body(())
                .unwrap()
        })
        .collect();
    let mut responses = Vec::with_capacity(CALLS as usize);
    let mut cx = Context::from_waker(Waker::noop());
    let before = dhat::HeapStats::get().total_blocks;
    for request in requests {
        match pin!(service.call(request)).poll(&mut cx) {
            Poll::Ready(response) => responses.push(response.unwrap()),
            Poll::Pending => unreachable!(),
        }
    }
    let after = dhat::HeapStats::get().total_blocks;
    drop(responses);
    (after - before) as f64 / CALLS as f64
}

fn main() {
    let _profiler = dhat::Profiler::builder().testing().build();
    let mut checks = Health::builder();
    for i in 0..100 {
        checks = checks.component(format!("component-{i:03}"));
    }
    let health = checks.build();
    health.mark_started();
    for i in 0..100 {
        health.mark_up(&format!("component-{i:03}"));
    }

    let mut layered = HealthLayer::new(health.clone()).layer(Noop);
    let observed = Health::builder().traffic(Traffic::new()).build();
    let mut with_traffic = HealthLayer::new(observed).layer(Noop);
    let mut with_handle = HealthLayer::new(health.clone())
        .handle_in_extensions(true)
        .layer(Noop);
    // Warm up: the first clone of a pre-rendered body promotes it to shared storage once.
    per_call(&mut layered, "/readyz");
    println!("heap allocations per call (dhat, {CALLS} calls each, 100 components)");
    println!(
        "  probe /readyz                              {:.2}",
        per_call(&mut layered, "/readyz")
    );
    println!(
        "  probe /healthz                             {:.2}",
        per_call(&mut layered, "/healthz")
    );
    println!(
        "  probe HEAD /readyz                         {:.2}",
        per_call_with(&mut layered, Method::HEAD, "/readyz")
    );
    println!(
        "  pass-through, no layer                     {:.2}",
        per_call(&mut Noop, "/api/items")
    );
    println!(
        "  pass-through, layer                        {:.2}",
        per_call(&mut layered, "/api/items")
    );
    println!(
        "  pass-through, layer, traffic observed         {:.2}",
        per_call(&mut with_traffic, "/api/items")
    );
    println!(
        "  pass-through, layer, handle_in_extensions(true) {:.2}",
        per_call(&mut with_handle, "/api/items")
    );
}
