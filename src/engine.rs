//! The engine: every check on its interval, concurrently, with a timeout that really
//! cancels it and panics caught, reporting each result to whatever it is handed.
//!
//! It knows the checks and nothing downstream: the [`Health`](crate::health::Health) handle
//! starts it with a [`Report`] that writes results into the state, so the dependency runs
//! one way (checks → engine → state).

use std::future::Future;
use std::hash::BuildHasher;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::checks::{Check, CheckError};
use crate::model::fleet::FleetView;
use crate::model::thresholds::Thresholds;

/// A registered check with its resolved options.
#[derive(Clone)]
pub(crate) struct Scheduled {
    pub(crate) name: Arc<str>,
    pub(crate) check: Arc<dyn Check>,
    pub(crate) interval: Duration,
    pub(crate) timeout: Duration,
    pub(crate) thresholds: Thresholds,
    /// The first run waits a random part of this (zero: it runs at once).
    pub(crate) initial_jitter: Duration,
    /// How often it runs while it is down (the interval unless set otherwise).
    pub(crate) down_interval: Duration,
    /// A dependency every replica uses: a failure asks the fleet, when there is one.
    pub(crate) shared: bool,
}

impl std::fmt::Debug for Scheduled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scheduled")
            .field("name", &self.name)
            .field("interval", &self.interval)
            .field("timeout", &self.timeout)
            .field("thresholds", &self.thresholds)
            .field("initial_jitter", &self.initial_jitter)
            .field("down_interval", &self.down_interval)
            .field("shared", &self.shared)
            .finish_non_exhaustive()
    }
}

impl Scheduled {
    /// How long a result vouches for the check: three intervals and a timeout, of the
    /// longer of its interval and its down interval, so a down check running on a longer
    /// one does not turn stale between its runs.
    pub(crate) fn stale_after(&self) -> Duration {
        let longest = self.interval.max(self.down_interval);
        longest.saturating_mul(3).saturating_add(self.timeout)
    }
}

/// What a check's loop does after a result, as its [`Report`] says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Next {
    /// Run it again: after its down interval when it is `down`, its interval otherwise.
    Continue {
        /// The check is down.
        down: bool,
    },
    /// Nobody listens any more: end the check's loop.
    Stop,
}

/// One result as the engine reports it: the check's own, how long it took, and for a
/// shared check that failed, what the fleet said.
#[derive(Debug)]
pub(crate) struct Outcome {
    pub(crate) result: Result<(), CheckError>,
    pub(crate) took: Duration,
    pub(crate) fleet: Option<FleetView>,
}

/// Where the engine sends each result. The answer says when the check runs next, or that
/// nobody listens any more.
pub(crate) trait Report: Clone + Send + Sync + 'static {
    /// Take one result of `check`.
    fn report(&self, check: &Scheduled, outcome: Outcome) -> Next;
}

/// Where the engine asks about a shared check that failed here: the other replicas' view
/// of it. Bounded in time by whoever implements it.
pub(crate) trait Fleet: std::fmt::Debug + Send + Sync + 'static {
    /// What the peers say about the check named `check`.
    fn view<'a>(&'a self, check: &'a str) -> Pin<Box<dyn Future<Output = FleetView> + Send + 'a>>;
}

/// Run every check until `stop` says so or its sender is dropped, asking `fleet` (if any)
/// about each failure of a shared check. Dropping this future stops the checks too.
pub(crate) async fn run(
    checks: Arc<[Scheduled]>,
    report: impl Report,
    fleet: Option<Arc<dyn Fleet>>,
    mut stop: watch::Receiver<bool>,
) {
    let mut loops = JoinSet::new();
    for check in checks.iter().cloned() {
        loops.spawn(check_loop(check, report.clone(), fleet.clone()));
    }
    // Err: every handle is gone. Either way, stop.
    let _ = stop.wait_for(|stopped| *stopped).await;
    loops.shutdown().await;
    tracing::debug!("health: check engine stopped");
}

async fn check_loop(check: Scheduled, report: impl Report, fleet: Option<Arc<dyn Fleet>>) {
    let mut jitter = Jitter::default();
    let first = jitter.below(check.initial_jitter);
    if !first.is_zero() {
        tokio::time::sleep(first).await;
    }
    loop {
        let started = Instant::now();
        let result = run_once(&check).await;
        let took = started.elapsed();
        let fleet = match &fleet {
            // A degraded result passes: nothing to ask about.
            Some(fleet) if check.shared && result.as_ref().is_err_and(|e| !e.is_degraded()) => {
                Some(fleet.view(&check.name).await)
            }
            _ => None,
        };
        let outcome = Outcome {
            result,
            took,
            fleet,
        };
        let pause = match report.report(&check, outcome) {
            Next::Continue { down: false } => check.interval,
            Next::Continue { down: true } => check.down_interval,
            Next::Stop => return,
        };
        tokio::time::sleep(pause + jitter.next(pause)).await;
    }
}

/// Run a check once in its own task: a timeout aborts the task (dropping the check's
/// future), a panic becomes a failure.
async fn run_once(check: &Scheduled) -> Result<(), CheckError> {
    let mut task = JoinSet::new();
    let running = check.check.clone();
    task.spawn(async move { running.check().await });
    match tokio::time::timeout(check.timeout, task.join_next()).await {
        Ok(Some(Ok(result))) => result,
        Ok(Some(Err(error))) if error.is_panic() => Err(CheckError::new(format!(
            "check panicked: {}",
            panic_message(error.into_panic().as_ref())
        ))),
        Ok(Some(Err(_)) | None) => Err(CheckError::new("check was cancelled")),
        // Dropping `task` on return aborts the check.
        Err(_) => Err(CheckError::new(format!(
            "timed out after {:?}",
            check.timeout
        ))),
    }
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> &str {
    if let Some(message) = payload.downcast_ref::<&str>() {
        message
    } else if let Some(message) = payload.downcast_ref::<String>() {
        message
    } else {
        "(no message)"
    }
}

/// Random delays, so checks registered together do not run in lockstep: up to a tenth of
/// the interval after each run, and a random part of the initial jitter before the first.
#[derive(Debug, Default)]
struct Jitter {
    runs: u64,
}

impl Jitter {
    /// Up to a tenth of `interval`.
    fn next(&mut self, interval: Duration) -> Duration {
        self.below(interval / 10)
    }

    /// A random delay in `[0, bound)`; zero for a zero bound.
    fn below(&mut self, bound: Duration) -> Duration {
        self.runs += 1;
        let random = std::collections::hash_map::RandomState::new().hash_one(self.runs);
        let nanos = u64::try_from(bound.as_nanos()).unwrap_or(u64::MAX);
        Duration::from_nanos(random.checked_rem(nanos).unwrap_or(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scheduled(check: impl Check, timeout: Duration) -> Scheduled {
        Scheduled {
            name: "t".into(),
            check: Arc::new(check),
            interval: Duration::from_secs(1),
            timeout,
            thresholds: Thresholds::counts(1, 1),
            initial_jitter: Duration::ZERO,
            down_interval: Duration::from_secs(1),
            shared: false,
        }
    }

    #[tokio::test]
    async fn a_timeout_drops_the_check() {
        struct Flag(Arc<std::sync::atomic::AtomicBool>);
        impl Drop for Flag {
            fn drop(&mut self) {
                self.0.store(true, std::sync::atomic::Ordering::SeqCst);
            }
        }
        let dropped = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = dropped.clone();
        let check = move || {
            let flag = Flag(flag.clone());
            async move {
                let _flag = flag;
                std::future::pending::<Result<(), String>>().await
            }
        };
        let error = run_once(&scheduled(check, Duration::from_millis(20)))
            .await
            .unwrap_err();
        assert_eq!(error.message(), "timed out after 20ms");
        // The abort lands at the task's next poll.
        for _ in 0..100 {
            if dropped.load(std::sync::atomic::Ordering::SeqCst) {
                return;
            }
            tokio::task::yield_now().await;
        }
        panic!("the timed-out check's future was not dropped");
    }

    #[tokio::test]
    async fn a_panic_is_a_failure() {
        let check = || async {
            if true {
                panic!("the check blew up");
            }
            Ok::<(), String>(())
        };
        let error = run_once(&scheduled(check, Duration::from_secs(5)))
            .await
            .unwrap_err();
        assert_eq!(error.message(), "check panicked: the check blew up");
    }

    #[test]
    fn jitter_stays_within_a_tenth() {
        let mut jitter = Jitter::default();
        for _ in 0..1000 {
            assert!(jitter.next(Duration::from_secs(10)) < Duration::from_secs(1));
        }
        assert_eq!(jitter.next(Duration::ZERO), Duration::ZERO);
        assert_eq!(jitter.below(Duration::ZERO), Duration::ZERO);
    }

    #[test]
    fn a_longer_down_interval_keeps_results_fresh() {
        let mut check = scheduled(|| async { Ok::<(), String>(()) }, Duration::from_secs(2));
        assert_eq!(check.stale_after(), Duration::from_secs(5));
        check.down_interval = Duration::from_secs(10);
        assert_eq!(check.stale_after(), Duration::from_secs(32));
        check.down_interval = Duration::from_millis(100);
        assert_eq!(
            check.stale_after(),
            Duration::from_secs(5),
            "the interval is longer"
        );
    }
}
