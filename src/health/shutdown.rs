//! Graceful shutdown: signal → draining (readiness 503) → delay → the server stops.

use std::future::Future;
use std::time::Duration;

use super::Health;

impl Health {
    /// A future for a server's graceful shutdown (axum's `with_graceful_shutdown`, tonic's
    /// `serve_with_shutdown`, hyper-util's graceful shutdown) that resolves only after the
    /// service has drained:
    ///
    /// 1. it waits for SIGTERM, Ctrl-C (SIGINT), or a call to [`Health::mark_draining`];
    /// 2. it starts draining: readiness answers 503 (`"shutting down"`) at once, liveness
    ///    stays 200, and requests keep being served normally;
    /// 3. after `delay` (long enough for endpoint controllers and load balancers to stop
    ///    routing here: more than the readiness probe's period × failure threshold) it
    ///    resolves, and the server stops accepting and finishes its in-flight requests.
    ///
    /// ```no_run
    /// # async fn example() -> std::io::Result<()> {
    /// use std::time::Duration;
    /// use tower_health::{Health, HealthLayer};
    ///
    /// let health = Health::default();
    /// let app = axum::Router::new().layer(HealthLayer::new(health.clone()));
    /// let listener = tokio::net::TcpListener::bind("0.0.0.0:3000").await?;
    /// health.mark_started();
    /// axum::serve(listener, app)
    ///     .with_graceful_shutdown(health.shutdown_signal(Duration::from_secs(5)))
    ///     .await
    /// # }
    /// ```
    ///
    /// If the process cannot listen for signals (rare), only [`Health::mark_draining`] starts the
    /// drain; the failure is logged.
    pub fn shutdown_signal(&self, delay: Duration) -> impl Future<Output = ()> + Send + 'static {
        let health = self.clone();
        async move {
            let mut changes = health.subscribe();
            tokio::select! {
                signal = termination() => tracing::info!("health: {signal}: draining for {delay:?}"),
                _ = changes.wait_for(|snapshot| snapshot.is_draining()) => {
                    tracing::info!("health: drain requested: draining for {delay:?}");
                }
            }
            health.mark_draining();
            tokio::time::sleep(delay).await;
            tracing::info!("health: drain delay over; stopping");
        }
    }
}

/// Resolves on the first termination signal, naming it.
async fn termination() -> &'static str {
    let ctrl_c = async {
        match tokio::signal::ctrl_c().await {
            Ok(()) => "SIGINT",
            Err(error) => {
                tracing::warn!(%error, "health: cannot listen for Ctrl-C");
                std::future::pending().await
            }
        }
    };
    #[cfg(unix)]
    let terminate = async {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut sigterm) => {
                sigterm.recv().await;
                "SIGTERM"
            }
            Err(error) => {
                tracing::warn!(%error, "health: cannot listen for SIGTERM");
                std::future::pending().await
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<&'static str>();
    tokio::select! {
        name = ctrl_c => name,
        name = terminate => name,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::probe::Probe;
    use crate::model::status::Status;

    #[tokio::test(start_paused = true)]
    async fn drain_turns_readiness_down_at_once_and_resolves_after_the_delay() {
        let health = Health::default();
        health.mark_started();
        let delay = Duration::from_secs(5);
        let shutdown = tokio::spawn(health.shutdown_signal(delay));
        tokio::task::yield_now().await;
        assert!(!shutdown.is_finished());

        let drained_at = tokio::time::Instant::now();
        health.mark_draining();
        let snapshot = health.snapshot();
        assert_eq!(snapshot.status(Probe::Readiness), Status::Down);
        assert_eq!(snapshot.status(Probe::Liveness), Status::Ok);
        shutdown.await.unwrap();
        assert!(drained_at.elapsed() >= delay);
    }
}
