//! A fixed workload for counting CPU instructions with callgrind: `N` forwarded requests (or
//! probes) through a no-op inner service, with or without the layer. `benches/instructions.sh`
//! runs it under valgrind and reports the instructions the layer adds per request.
//!
//! ```text
//! bash benches/instructions.sh
//! ```

mod common;

use std::hint::black_box;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use common::Noop;
use http::Request;
use tower::Service;
use tower_health::{Health, HealthLayer, Traffic};
use tower_layer::Layer;

#[inline(never)]
fn run<S: Service<Request<()>>>(mut service: S, path: &'static str, calls: u64) {
    let mut cx = Context::from_waker(Waker::noop());
    for _ in 0..calls {
        // black_box: the optimizer may not see through the work being measured.
        let request = black_box(Request::get(black_box(path)).body(()).unwrap());
        if let Poll::Ready(response) = pin!(black_box(&mut service).call(request)).poll(&mut cx) {
            drop(black_box(response));
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let (mode, calls) = match args.as_slice() {
        [mode, calls] => (mode.as_str(), calls.parse().expect("calls: a number")),
        _ => {
            eprintln!(
                "usage: instructions <none|layer|layer-handle|layer-traffic|probe|probe-1000> <calls>"
            );
            std::process::exit(2);
        }
    };
    let health = Health::default();
    health.mark_started();
    match mode {
        "none" => run(Noop, "/api/items", calls),
        "layer" => run(HealthLayer::new(health).layer(Noop), "/api/items", calls),
        "layer-handle" => run(
            HealthLayer::new(health)
                .handle_in_extensions(true)
                .layer(Noop),
            "/api/items",
            calls,
        ),
        "layer-traffic" => {
            let health = Health::builder().traffic(Traffic::new()).build();
            run(HealthLayer::new(health).layer(Noop), "/api/items", calls)
        }
        "probe" => run(HealthLayer::new(health).layer(Noop), "/readyz", calls),
        "probe-1000" => {
            let mut builder = Health::builder();
            for i in 0..1000 {
                builder = builder.component(format!("component-{i:04}"));
            }
            let health = builder.build();
            health.mark_started();
            for i in 0..1000 {
                health.mark_up(&format!("component-{i:04}"));
            }
            run(HealthLayer::new(health).layer(Noop), "/readyz", calls)
        }
        other => {
            eprintln!("unknown mode {other:?}");
            std::process::exit(2);
        }
    }
}
