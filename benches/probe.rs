//! In-process costs, measured with criterion:
//!
//! - `path_matching`: a request that is not a health path, through the layer to a no-op
//!   inner service, for paths that miss in different ways;
//! - `probe_readyz`: a probe answer with 0 to 1,000 registered checks;
//! - `pass_through`: a forwarded request with and without the layer (and with the handle
//!   kept out of the extensions);
//! - `rerender_on_change`: publishing a new snapshot after a change, 10 to 1,000 components;
//! - `status_page_after_change`: the same change, then the first browser `GET /health` of
//!   the new snapshot, which renders the HTML page (every component with 20 changes of
//!   history); the page's own cost is the difference from `rerender_on_change`.
//!
//! ```text
//! cargo bench -p tower-health-benches --bench probe
//! ```

mod common;

use std::hint::black_box;
use std::time::Duration;

use common::{Noop, call};
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use http::Request;
use tower_health::{Health, HealthLayer, HealthService, Probe, Status};
use tower_layer::Layer;

/// A started health with `checks` passing checks, their first results in.
fn health_with_checks(runtime: &tokio::runtime::Runtime, checks: usize) -> Health {
    let mut builder = Health::builder().interval(Duration::from_secs(3600));
    for i in 0..checks {
        builder = builder.check(format!("dependency-{i:04}"), || async {
            Ok::<(), String>(())
        });
    }
    let health = builder.build();
    health.mark_started();
    runtime.block_on(async {
        health.start_checks();
        let mut changes = health.subscribe();
        changes
            .wait_for(|s| s.status(Probe::Readiness) == Status::Ok)
            .await
            .unwrap();
    });
    health
}

fn path_matching(c: &mut Criterion) {
    let mut group = c.benchmark_group("path_matching");
    let layer = HealthLayer::new(Health::default());
    let mut service = layer.layer(Noop);
    for path in [
        "/",
        "/api/items",
        "/healthzx",
        "/readyz/a/b",
        "/a/long/path/that/is/not/health",
    ] {
        let uri: http::Uri = path.parse().unwrap();
        group.bench_with_input(BenchmarkId::from_parameter(path), &uri, |b, uri| {
            b.iter_batched(
                || Request::get(uri.clone()).body(()).unwrap(),
                |request| black_box(call(&mut service, request)),
                criterion::BatchSize::SmallInput,
            )
        });
    }
    group.finish();
}

fn probe(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let mut group = c.benchmark_group("probe_readyz");
    for checks in [0, 10, 100, 1000] {
        let health = health_with_checks(&runtime, checks);
        let mut service = HealthService::new(Noop, health.clone());
        group.bench_with_input(BenchmarkId::from_parameter(checks), &checks, |b, _| {
            b.iter_batched(
                || Request::get("/readyz").body(()).unwrap(),
                |request| black_box(call(&mut service, request)),
                criterion::BatchSize::SmallInput,
            )
        });
    }
    group.finish();
}

fn pass_through(c: &mut Criterion) {
    let mut group = c.benchmark_group("pass_through");
    let request = || Request::get("/api/items").body(()).unwrap();
    let health = Health::default();
    group.bench_function("without_layer", |b| {
        let mut service = Noop;
        b.iter_batched(
            request,
            |r| black_box(call(&mut service, r)),
            criterion::BatchSize::SmallInput,
        )
    });
    group.bench_function("with_layer", |b| {
        let mut service = HealthLayer::new(health.clone()).layer(Noop);
        b.iter_batched(
            request,
            |r| black_box(call(&mut service, r)),
            criterion::BatchSize::SmallInput,
        )
    });
    group.bench_function("with_layer_handle_in_extensions", |b| {
        let mut service = HealthLayer::new(health.clone())
            .handle_in_extensions(true)
            .layer(Noop);
        b.iter_batched(
            request,
            |r| black_box(call(&mut service, r)),
            criterion::BatchSize::SmallInput,
        )
    });
    group.finish();
}

/// A started health with `components` manual components, `component-0000` onwards.
fn health_with_components(components: usize) -> Health {
    let mut builder = Health::builder();
    for i in 0..components {
        builder = builder.component(format!("component-{i:04}"));
    }
    let health = builder.build();
    health.mark_started();
    health
}

/// A change that publishes a new snapshot: `component-0000` turns up, then down, in turn.
fn change(health: &Health, up: &mut bool) {
    *up = !*up;
    if *up {
        health.mark_up("component-0000");
    } else {
        health.mark_down("component-0000", "flapping");
    }
}

fn rerender(c: &mut Criterion) {
    let mut group = c.benchmark_group("rerender_on_change");
    for components in [10, 100, 1000] {
        let health = health_with_components(components);
        let mut up = false;
        group.bench_with_input(
            BenchmarkId::from_parameter(components),
            &components,
            |b, _| b.iter(|| change(&health, &mut up)),
        );
    }
    group.finish();
}

fn status_page(c: &mut Criterion) {
    let mut group = c.benchmark_group("status_page_after_change");
    let browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
    for components in [10, 100, 1000] {
        let health = health_with_components(components);
        // A full history for every component.
        for i in 0..components {
            let name = format!("component-{i:04}");
            for _ in 0..10 {
                health.mark_up(&name);
                health.mark_down(&name, "connection refused");
            }
        }
        let mut service = HealthService::new(Noop, health.clone());
        let mut up = false;
        group.bench_with_input(
            BenchmarkId::from_parameter(components),
            &components,
            |b, _| {
                b.iter(|| {
                    change(&health, &mut up);
                    let request = Request::get("/health")
                        .header("accept", browser)
                        .body(())
                        .unwrap();
                    black_box(call(&mut service, request))
                })
            },
        );
    }
    group.finish();
}

criterion_group!(
    benches,
    path_matching,
    probe,
    pass_through,
    rerender,
    status_page
);
criterion_main!(benches);
