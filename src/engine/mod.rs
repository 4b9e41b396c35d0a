//! The engine: every check on its interval, concurrently, with a timeout that really
//! cancels it and panics caught, reporting each result to whatever it is handed.
//!
//! It knows the checks and nothing downstream: the [`Health`](crate::health::Health) handle
//! starts it with a [`Report`] that writes results into the state, so the dependency runs
//! one way (checks → engine → state). While it runs, the handle sends it [`Command`]s: a
//! check added starts its own loop at once, a check removed has its loop aborted (its
//! in-flight run dropped with it); the other loops never notice.

mod jitter;
mod loops;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::sync::{mpsc, watch};
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::checks::{Check, CheckError};
use crate::model::fleet::FleetView;
use crate::model::thresholds::Thresholds;
use jitter::Jitter;
use loops::Loops;
pub(crate) use loops::{Command, Mailbox, mailbox};

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
    /// Set when the check is removed: a result it was about to report is dropped, and its
    /// loop ends even before the engine aborts it.
    pub(crate) retired: Arc<AtomicBool>,
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
    /// Mark it removed (see [`retired`](Scheduled::retired)).
    pub(crate) fn retire(&self) {
        self.retired.store(true, Ordering::SeqCst);
    }

    /// Whether it was removed.
    pub(crate) fn is_retired(&self) -> bool {
        self.retired.load(Ordering::SeqCst)
    }

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
/// about each failure of a shared check, and start or stop checks as `commands` say.
/// Dropping this future stops the checks too.
pub(crate) async fn run(
    checks: Vec<Scheduled>,
    report: impl Report,
    fleet: Option<Arc<dyn Fleet>>,
    mut stop: watch::Receiver<bool>,
    mut commands: mpsc::UnboundedReceiver<Command>,
) {
    let mut loops = Loops::new(report, fleet);
    for check in checks {
        loops.start(check);
    }
    loop {
        tokio::select! {
            // Err: every handle is gone. Either way, stop.
            _ = stop.wait_for(|stopped| *stopped) => break,
            command = commands.recv() => match command {
                Some(Command::Add(check)) => loops.start(*check),
                Some(Command::Remove(name)) => loops.stop(&name),
                None => break,
            },
            // Reap the loops that ended (aborted, or nobody listens any more), so nothing
            // of a removed check stays behind.
            Some(ended) = loops.set.join_next_with_id(), if !loops.set.is_empty() => {
                loops.ended(ended);
            }
        }
    }
    loops.set.shutdown().await;
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
            retired: Arc::default(),
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
