//! What a probe answer costs in-process, and what re-rendering after a change costs, as the
//! number of registered checks grows.
//!
//! ```text
//! cargo bench --bench probe
//! ```

use std::convert::Infallible;
use std::hint::black_box;
use std::time::Duration;

use bytes::Bytes;
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use http::{Request, Response};
use http_body_util::Full;
use tower::{Service, service_fn};
use tower_health::{Health, HealthService, Probe, Status};

const SIZES: [usize; 4] = [0, 10, 100, 1000];

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
        health.spawn();
        let mut changes = health.subscribe();
        changes
            .wait_for(|s| s.status(Probe::Readiness) == Status::Ok)
            .await
            .unwrap();
    });
    health
}

fn probe(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let mut group = c.benchmark_group("probe_readyz");
    for checks in SIZES {
        let health = health_with_checks(&runtime, checks);
        let inner = service_fn(|_: Request<Full<Bytes>>| async {
            Ok::<_, Infallible>(Response::new(Full::new(Bytes::from_static(b"app"))))
        });
        let mut service = HealthService::new(inner, health.clone());
        group.bench_with_input(BenchmarkId::from_parameter(checks), &checks, |b, _| {
            b.to_async(&runtime).iter(|| {
                let request = Request::get("/readyz").body(Full::default()).unwrap();
                let response = service.call(request);
                async move { black_box(response.await.unwrap()) }
            })
        });
        // The engine's handle lived until the group was done with it.
        drop(health);
    }
    group.finish();
}

fn rerender(c: &mut Criterion) {
    let mut group = c.benchmark_group("rerender_on_change");
    for components in [10, 100, 1000] {
        let mut builder = Health::builder();
        for i in 0..components {
            builder = builder.component(format!("component-{i:04}"));
        }
        let health = builder.build();
        health.mark_started();
        let mut up = false;
        group.bench_with_input(
            BenchmarkId::from_parameter(components),
            &components,
            |b, _| {
                b.iter(|| {
                    up = !up;
                    if up {
                        health.set_up("component-0000");
                    } else {
                        health.set_down("component-0000", "flapping");
                    }
                })
            },
        );
    }
    group.finish();
}

criterion_group!(benches, probe, rerender);
criterion_main!(benches);
