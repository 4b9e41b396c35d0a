//! The reference server: an axum app behind `HealthLayer`, configured from the environment.
//!
//! ```text
//! cargo run --example server
//! curl -i localhost:3000/readyz
//! curl -i -H 'Authorization: Bearer dev-token' localhost:3000/api/items
//! ```
//!
//! | variable | default | meaning |
//! |---|---|---|
//! | `LISTEN_ADDR` | `127.0.0.1:3000` | address to listen on (`:0` picks a free port) |
//! | `API_TOKEN` | `dev-token` | bearer token for `/api/*` and `/admin/*` |
//! | `STARTUP_DELAY_MS` | `0` | simulated warm-up before the service marks itself started |

mod common;

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use axum::body::Body;
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use http::{Request, Response, StatusCode, header};
use tower_health::{Health, HealthLayer};
use tower_http::validate_request::ValidateRequestHeaderLayer;

struct Config {
    listen_addr: SocketAddr,
    api_token: String,
    startup_delay: Duration,
}

impl Config {
    fn from_env() -> Result<Config, String> {
        println!("tower-health reference server, configuration:");
        Ok(Config {
            listen_addr: common::env_or("LISTEN_ADDR", SocketAddr::from(([127, 0, 0, 1], 3000)))?,
            api_token: common::secret_or("API_TOKEN", "dev-token"),
            startup_delay: Duration::from_millis(common::env_or("STARTUP_DELAY_MS", 0u64)?),
        })
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
    };
    match run(config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn run(config: Config) -> Result<(), Box<dyn std::error::Error>> {
    let health = Health::builder().build();
    let app = app(health.clone(), &config.api_token);

    let listener = tokio::net::TcpListener::bind(config.listen_addr)
        .await
        .map_err(|error| format!("cannot listen on {}: {error}", config.listen_addr))?;
    println!("listening on {}", listener.local_addr()?);

    let startup_delay = config.startup_delay;
    tokio::spawn(async move {
        tokio::time::sleep(startup_delay).await;
        health.mark_started();
        tracing::info!("started");
    });

    axum::serve(listener, app).await?;
    Ok(())
}

/// The inner app: public `/`, token-guarded `/api` and `/admin`; the health layer outermost.
fn app(health: Health, api_token: &str) -> Router {
    let protected = Router::new()
        .route("/api/items", get(items))
        .route("/admin/unready", post(unready))
        .route("/admin/ready", post(ready))
        .route_layer(ValidateRequestHeaderLayer::custom(bearer(api_token)));
    Router::new()
        .route("/", get(|| async { "tower-health reference server\n" }))
        .merge(protected)
        .layer(HealthLayer::new(health))
}

/// A tower-http request validator: `Authorization: Bearer <token>` or 401.
#[allow(
    clippy::result_large_err,
    reason = "the signature tower-http's ValidateRequest asks for"
)]
fn bearer(
    token: &str,
) -> impl FnMut(&mut Request<Body>) -> Result<(), Response<Body>> + Clone + Send + 'static {
    let expected = format!("Bearer {token}");
    move |request: &mut Request<Body>| {
        let given = request.headers().get(header::AUTHORIZATION);
        if given.is_some_and(|value| value.as_bytes() == expected.as_bytes()) {
            return Ok(());
        }
        let mut response = Response::new(Body::from("unauthorized\n"));
        *response.status_mut() = StatusCode::UNAUTHORIZED;
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            header::HeaderValue::from_static("Bearer"),
        );
        Err(response)
    }
}

async fn items() -> Json<serde_json::Value> {
    Json(serde_json::json!([{"id": 1, "name": "first"}, {"id": 2, "name": "second"}]))
}

async fn unready(Extension(health): Extension<Health>) -> StatusCode {
    health.refuse_traffic("held out by /admin/unready");
    StatusCode::NO_CONTENT
}

async fn ready(Extension(health): Extension<Health>) -> StatusCode {
    health.accept_traffic();
    StatusCode::NO_CONTENT
}
