//! The smallest complete app: an axum router behind the health layer, one dependency
//! check, and a graceful shutdown that drains first. The README's first snippet is this
//! file.
//!
//! ```sh
//! cargo run --example minimal          # then: curl -i localhost:3000/readyz
//! ```

use std::time::Duration;

use axum::{Router, routing::get};
use tower_health::{Health, HealthLayer};

#[tokio::main]
async fn main() -> std::io::Result<()> {
    // tower-health logs through `tracing`: a subscriber shows when a check goes down or up.
    tracing_subscriber::fmt().init();

    let health = Health::builder()
        // Any async closure returning `Result<(), E>` is a check; the built-in ones are
        // `checks::postgres(pool)`, `checks::redis(connection)`, `checks::http(uri)`,
        // `checks::tcp(address)`.
        .check("tmp-dir", || async {
            tokio::fs::metadata("/tmp").await.map(drop)
        })
        .build();
    health.start_checks(); // runs every check in the background; probes never wait

    let app = Router::new()
        .route("/", get(|| async { "hello\n" }))
        // Outermost, so /healthz, /readyz, /startupz and /health are answered before
        // anything else (auth, rate limits, the routes).
        .layer(HealthLayer::new(health.clone()));

    let addr = std::env::var("LISTEN_ADDR").unwrap_or_else(|_| "127.0.0.1:3000".into());
    let listener = tokio::net::TcpListener::bind(addr).await?;
    println!("listening on {}", listener.local_addr()?);
    health.mark_started(); // after migrations, cache warm-up, …

    // On SIGTERM or Ctrl-C: /readyz answers 503 at once, requests are still served for 5 s
    // so load balancers stop sending new ones, then the server stops.
    axum::serve(listener, app)
        .with_graceful_shutdown(health.shutdown_signal(Duration::from_secs(5)))
        .await
}
