//! [`Watchdog`]: a heartbeat on the application's runtime judged from the probe thread, so
//! liveness tells a wedged runtime from a busy one.

use std::future::Future;
use std::io;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::runtime::Handle;
use tokio::sync::watch;
use tokio::time::MissedTickBehavior;

use super::heartbeat::{Heartbeat, PERIOD};
use super::judge::{Change, Judge};
use super::progress::Progress;
use crate::health::Health;
use crate::model::owner::Owner;
use crate::model::probe::Probe;
use crate::model::probe_set::ProbeSet;

/// The runtime watchdog of a [`ProbeServer`](super::ProbeServer): a heartbeat task on the
/// application's tokio runtime, judged from the probe thread.
///
/// The heartbeat asks to be woken every 100 ms and notes when it ran. The judge reads it
/// every 100 ms on the probe thread, which a wedged application runtime does not hold up,
/// and keeps two ordinary components (metrics, transitions, views, groups, as any
/// manual component):
///
/// - **`runtime`** (liveness and readiness): down with `runtime stalled: no heartbeat for
///   12s …` when the heartbeat has not run for the [stall threshold](Watchdog::stall_after)
///   (default 10 s), up again at the next heartbeat. Liveness fails: the runtime is wedged
///   and the pod should restart. Late heartbeats never fail it: a busy runtime that runs the
///   heartbeat at all within the threshold is making progress.
/// - **`overload`** (readiness only, when an [overload threshold](Watchdog::overload_after)
///   is set): down with `overloaded: …` when a heartbeat runs that late, so load balancers
///   shed load; up again once the lag has stayed under half the threshold for a second.
///
/// **Requests completing are progress.** When the handle observes its
/// [traffic](crate::HealthBuilder::traffic), every forwarded request that completes proves
/// the runtime is working: `runtime` fails only when there has been no heartbeat *and* no
/// completed request for the stall threshold. A run queue longer than the threshold, with
/// requests completing, is busy (liveness stays 200; `overload` still sees the lag). A
/// service without HTTP traffic, or without traffic observed, keeps the heartbeat rule.
///
/// Only changes are written: a steady runtime costs the state nothing, a stall rewrites its
/// reason once a second. The reasons show in bodies only where details are revealed.
///
/// **What it sees.** Every worker of the runtime blocked (a synchronous sleep, blocking I/O,
/// a `std::sync::Mutex` held across a long call, a CPU loop that never yields): no heartbeat
/// runs, which is a stall. Tasks waiting for a worker (CPU-bound handlers, too many tasks):
/// the heartbeat runs late, which is lag.
///
/// **What it cannot see.** A logical hang on a free runtime: an `.await` that never
/// completes, an async-lock deadlock, a consumer loop stuck on a dead connection — the
/// heartbeat still runs; give such a loop a component of its own. One blocked worker among
/// several, while the others run the heartbeat (it may show as lag). Other runtimes, the
/// `spawn_blocking` pool and threads of your own. Without traffic observed, a queue so long
/// that every task waits longer than the stall threshold looks like a stall: keep the
/// threshold well above the worst lag you accept, and use the overload threshold for lag. CPU starvation of the whole
/// process (a cgroup quota) slows the probe thread too.
///
/// ```
/// # #[tokio::main]
/// # async fn main() -> std::io::Result<()> {
/// use std::time::Duration;
/// use tower_health::{Health, ProbeServer, Watchdog};
///
/// let health = Health::default();
/// // Spawned from within the application's runtime: the heartbeat runs on it.
/// let probes = ProbeServer::bind(([127, 0, 0, 1], 0), health.clone())
///     .watchdog(Watchdog::new().overload_after(Duration::from_millis(500)))
///     .spawn()?;
/// let runtime = health.snapshot().component("runtime").unwrap().status();
/// assert!(runtime.is_up());
/// # probes.shutdown();
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct Watchdog {
    stall_after: Duration,
    overload_after: Option<Duration>,
    runtime: Option<Handle>,
}

impl Default for Watchdog {
    fn default() -> Self {
        Watchdog::new()
    }
}

impl Watchdog {
    /// The component that fails liveness (and readiness) when the runtime stalls.
    pub const STALL_COMPONENT: &'static str = "runtime";
    /// The component that fails readiness when the runtime is overloaded.
    pub const OVERLOAD_COMPONENT: &'static str = "overload";

    /// A watchdog with a 10 s stall threshold, no overload threshold, on the runtime that
    /// [`spawn`](super::ProbeServerBuilder::spawn) is called from.
    pub fn new() -> Self {
        Watchdog {
            stall_after: Duration::from_secs(10),
            overload_after: None,
            runtime: None,
        }
    }

    /// Fail liveness when the heartbeat has not run for this long (default 10 s; at least
    /// 500 ms, or `spawn` refuses it).
    pub fn stall_after(mut self, threshold: Duration) -> Self {
        self.stall_after = threshold;
        self
    }

    /// Fail readiness when a heartbeat runs this late (off by default; at least 20 ms and
    /// under the stall threshold, or `spawn` refuses it). A few hundred milliseconds suits
    /// a web service: its requests already wait that long for a worker.
    pub fn overload_after(mut self, threshold: Duration) -> Self {
        self.overload_after = Some(threshold);
        self
    }

    /// Run the heartbeat on `runtime` instead of the runtime `spawn` is called from: for a
    /// probe server spawned outside the application's runtime.
    pub fn runtime(mut self, runtime: Handle) -> Self {
        self.runtime = Some(runtime);
        self
    }

    /// Check the thresholds and find the application's runtime for the heartbeat: all that
    /// can fail, before anything is registered or spawned.
    pub(super) fn prepare(self) -> io::Result<(Self, Handle)> {
        self.validate()?;
        let runtime = match &self.runtime {
            Some(runtime) => runtime.clone(),
            None => Handle::try_current().map_err(|_| {
                io::Error::other(
                    "the watchdog's heartbeat runs on the application's tokio runtime: spawn \
                     the probe server from within it, or name it with Watchdog::runtime",
                )
            })?,
        };
        Ok((self, runtime))
    }

    /// Register the components, start the heartbeat on `runtime` (see
    /// [`prepare`](Self::prepare)); the judge, to run on the probe thread until `stopped`.
    pub(super) fn start(
        self,
        runtime: &Handle,
        health: &Health,
        stopped: watch::Receiver<()>,
    ) -> impl Future<Output = ()> + Send + 'static {
        let stall_members = ProbeSet::NONE.with(Probe::Liveness).with(Probe::Readiness);
        health.ensure_component(Self::STALL_COMPONENT, stall_members, Owner::Watchdog);
        if self.overload_after.is_some() {
            health.ensure_component(
                Self::OVERLOAD_COMPONENT,
                ProbeSet::READINESS,
                Owner::Watchdog,
            );
        }
        let heartbeat = Heartbeat::new();
        runtime.spawn(heartbeat.clone().run(stopped.clone()));
        let judge = Judge::new(self.stall_after, self.overload_after);
        let reasons = Reasons {
            stall_after: self.stall_after,
            overload_after: self.overload_after.unwrap_or_default(),
        };
        watch_over(health.clone(), heartbeat, judge, reasons, stopped)
    }

    fn validate(&self) -> io::Result<()> {
        let invalid = |message: String| Err(io::Error::new(io::ErrorKind::InvalidInput, message));
        if self.stall_after < PERIOD * 5 {
            return invalid(format!(
                "the watchdog's stall threshold ({:?}) must be at least 500ms",
                self.stall_after
            ));
        }
        match self.overload_after {
            Some(overload) if overload < Duration::from_millis(20) => invalid(format!(
                "the watchdog's overload threshold ({overload:?}) must be at least 20ms"
            )),
            Some(overload) if overload >= self.stall_after => invalid(format!(
                "the watchdog's overload threshold ({overload:?}) must be under its stall \
                 threshold ({:?})",
                self.stall_after
            )),
            _ => Ok(()),
        }
    }
}

/// The thresholds, for the reasons' texts.
struct Reasons {
    stall_after: Duration,
    overload_after: Duration,
}

/// Read the heartbeat every period and write what changed into the handle.
async fn watch_over(
    health: Health,
    heartbeat: Arc<Heartbeat>,
    mut judge: Judge,
    reasons: Reasons,
    mut stopped: watch::Receiver<()>,
) {
    let mut every = tokio::time::interval(PERIOD);
    every.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut progress = Progress::new(health.clone(), Instant::now());
    loop {
        tokio::select! {
            _ = stopped.changed() => return,
            _ = every.tick() => {}
        }
        let now = Instant::now();
        let mut reading = heartbeat.read(now);
        // Requests completing are progress too: a runtime whose queue is longer than the
        // stall threshold is busy, not wedged, while it completes them.
        let requests = progress.silence(now);
        if let Some(silence) = requests {
            reading.silence = reading.silence.min(silence);
        }
        let and_requests = if requests.is_some() {
            " and no completed request"
        } else {
            ""
        };
        for change in judge.observe(reading, now).into_iter().flatten() {
            match change {
                Change::Stalled(silence) => health.mark_down(
                    Watchdog::STALL_COMPONENT,
                    format!(
                        "runtime stalled: no heartbeat{and_requests} for {}s (stall threshold {:?})",
                        silence.as_secs(),
                        reasons.stall_after
                    ),
                ),
                Change::Resumed => health.mark_up(Watchdog::STALL_COMPONENT),
                Change::Overloaded(lag) => health.mark_down(
                    Watchdog::OVERLOAD_COMPONENT,
                    format!(
                        "overloaded: tasks wait {} ms or more for the runtime (threshold {:?})",
                        lag.as_millis(),
                        reasons.overload_after
                    ),
                ),
                Change::Relieved => health.mark_up(Watchdog::OVERLOAD_COMPONENT),
            }
        }
    }
}
