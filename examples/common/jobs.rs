//! `JOBS_TTL_MS`: a background job loop that beats the critical `jobs` heartbeat, and the
//! admin routes that stop and start it (`POST /admin/jobs/stop`, `/admin/jobs/start`).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Extension;
use http::StatusCode;
use tokio::task::JoinHandle;
use tower_health::NamedCheck;
use tower_health::checks::{Beat, heartbeat};

/// The job loop: one job (here a short sleep standing in for real work) every quarter of
/// the TTL, a beat after each. Clones share the loop.
#[derive(Clone)]
pub(crate) struct Jobs {
    beat: Beat,
    every: Duration,
    running: Arc<Mutex<Option<JoinHandle<()>>>>,
}

impl Jobs {
    /// A loop beating a heartbeat of `ttl`, not started, and the `jobs` check on it.
    pub(crate) fn new(ttl: Duration) -> (Jobs, NamedCheck) {
        let (beat, check) = heartbeat(ttl);
        let jobs = Jobs {
            beat,
            every: (ttl / 4).max(Duration::from_millis(1)),
            running: Arc::default(),
        };
        (jobs, check.named("jobs"))
    }

    /// Start the loop on the current runtime; `false` when it already runs.
    pub(crate) fn start(&self) -> bool {
        let mut running = self
            .running
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        if running.as_ref().is_some_and(|task| !task.is_finished()) {
            return false;
        }
        let (beat, every) = (self.beat.clone(), self.every);
        *running = Some(tokio::spawn(async move {
            let mut ticks = tokio::time::interval(every);
            loop {
                ticks.tick().await;
                tokio::time::sleep(Duration::from_millis(1)).await; // the job
                beat.beat();
            }
        }));
        tracing::info!("jobs: loop started");
        true
    }

    /// Stop the loop (its task ends: no beat after this); `false` when it was not running.
    pub(crate) fn stop(&self) -> bool {
        let task = self
            .running
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
            .take();
        match task {
            Some(task) if !task.is_finished() => {
                task.abort();
                tracing::info!("jobs: loop stopped");
                true
            }
            _ => false,
        }
    }
}

/// `POST /admin/jobs/stop`: `204` once stopped, `409` when it was not running, `404`
/// without `JOBS_TTL_MS`.
pub(crate) async fn stop(Extension(jobs): Extension<Option<Jobs>>) -> (StatusCode, &'static str) {
    match jobs {
        Some(jobs) if jobs.stop() => (StatusCode::NO_CONTENT, ""),
        Some(_) => (StatusCode::CONFLICT, "the job loop is not running\n"),
        None => (StatusCode::NOT_FOUND, "no job loop: JOBS_TTL_MS is unset\n"),
    }
}

/// `POST /admin/jobs/start`: `204` once started, `409` when it already runs, `404` without
/// `JOBS_TTL_MS`.
pub(crate) async fn start(Extension(jobs): Extension<Option<Jobs>>) -> (StatusCode, &'static str) {
    match jobs {
        Some(jobs) if jobs.start() => (StatusCode::NO_CONTENT, ""),
        Some(_) => (StatusCode::CONFLICT, "the job loop already runs\n"),
        None => (StatusCode::NOT_FOUND, "no job loop: JOBS_TTL_MS is unset\n"),
    }
}
