//! Start-up gates: a guard per start-up task, released when the task is done.

use std::future::IntoFuture;

use super::{Health, WeakHealth};

impl Health {
    /// Take a start-up gate for the task `name` (migrations, a cache warm-up, a first sync):
    /// the startup and readiness probes answer 503 until every gate is released **and**
    /// [`mark_started`](Health::mark_started) was called. A gate is released by
    /// [`StartupGate::release`], by dropping it, or when a future completes
    /// ([`StartupGate::release_after`]); dropped by a panic, it fails start-up instead.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use tower_health::{Health, Probe, Status};
    ///
    /// let health = Health::default();
    /// // Take the gates first, then move each into its task.
    /// let migrations = health.startup_gate("migrations");
    /// let warm_up = health.startup_gate("cache-warmup");
    /// health.mark_started(); // the server's own start-up is done; the gates still hold
    ///
    /// let snapshot = health.snapshot();
    /// assert_eq!(snapshot.status(Probe::Startup), Status::Down);
    /// assert_eq!(snapshot.closed_gates().collect::<Vec<_>>(), ["migrations", "cache-warmup"]);
    ///
    /// tokio::spawn(async move {
    ///     // … run the migrations …
    ///     migrations.release();
    /// })
    /// .await
    /// .unwrap();
    /// assert_eq!(health.snapshot().status(Probe::Readiness), Status::Down);
    /// drop(warm_up); // dropping releases too
    /// assert_eq!(health.snapshot().status(Probe::Startup), Status::Ok);
    /// assert_eq!(health.snapshot().status(Probe::Readiness), Status::Ok);
    /// # }
    /// ```
    ///
    /// While gates are closed, bodies name them: the reason is `starting: waiting for
    /// migrations, cache-warmup`, the JSON lists `closed_gates`, `?verbose` has a line
    /// `[-]gate migrations closed` for each.
    ///
    /// Take a gate before start-up can complete: before `mark_started`, or while another
    /// gate is closed. A gate taken once start-up has completed has no effect (start-up is a
    /// latch): releasing it, dropping it or panicking with it changes nothing, and taking it
    /// is logged at debug level. Several gates may have the same name; the views name it once.
    ///
    /// A gate is a number in the handle's state: taking and releasing one each publish a new
    /// snapshot (the probes read it, as every change); answering a probe or forwarding a
    /// request costs nothing more for it.
    pub fn startup_gate(&self, name: impl Into<String>) -> StartupGate {
        let mut name = Some(name.into());
        let mut number = None;
        self.update(|state| {
            if state.is_started() {
                return false;
            }
            let name = name.take().unwrap_or_default();
            number = Some(state.lifecycle.gates.close(name));
            true
        });
        if let Some(name) = name {
            tracing::debug!(
                task = %name,
                "health: start-up gate taken after start-up completed; it has no effect"
            );
        }
        StartupGate {
            health: self.downgrade(),
            number,
        }
    }
}

/// A start-up task's hold on start-up, from [`Health::startup_gate`]: the startup and
/// readiness probes fail until it is released.
///
/// - [`release`](Self::release), or dropping it, releases it: the task is done.
/// - [`release_after`](Self::release_after) releases it when a future completes.
/// - Dropped while its thread panics (a task that panics holding it, in a
///   `tokio::spawn`ed task or a thread), it fails start-up instead: `/startupz` and
///   readiness answer 503 with `start-up failed: migrations panicked`, logged at error
///   level; liveness is untouched.
///
/// A failed start-up does not recover in the process: nothing opens it again. The startup
/// probe keeps failing until its budget (`failureThreshold × periodSeconds`) runs out and
/// the orchestrator restarts the container, which is what a failed start-up needs. Without
/// a startup probe, readiness stays 503; call [`Health::mark_broken`] as well to have
/// liveness restart it.
///
/// Dropping it any other way releases it, whether the task finished or not: a task that
/// returns early on an error, or is aborted, lets start-up go on. Hold the gate (or panic)
/// where a failure must stop start-up.
///
/// ```
/// use tower_health::{Health, Probe, Status};
///
/// let health = Health::default();
/// let gate = health.startup_gate("migrations");
/// health.mark_started();
/// let task = std::thread::spawn(move || {
///     let _gate = gate;
///     panic!("the schema is newer than this release");
/// });
/// assert!(task.join().is_err());
///
/// let snapshot = health.snapshot();
/// assert_eq!(snapshot.status(Probe::Startup), Status::Down);
/// assert_eq!(snapshot.status(Probe::Readiness), Status::Down);
/// assert_eq!(snapshot.status(Probe::Liveness), Status::Ok);
/// assert_eq!(snapshot.panicked_gates().collect::<Vec<_>>(), ["migrations"]);
/// ```
///
/// The gate holds the handle weakly: once every [`Health`] is gone it does nothing.
#[derive(Debug)]
#[must_use = "a start-up gate is released when dropped: hold it until its task is done"]
pub struct StartupGate {
    health: WeakHealth,
    /// The gate's number in the state; `None` for a gate that has no effect.
    number: Option<u64>,
}

impl StartupGate {
    /// Release the gate: its task is done. The same as dropping it, said out loud.
    ///
    /// ```
    /// use tower_health::Health;
    ///
    /// let health = Health::default();
    /// let gate = health.startup_gate("first-sync");
    /// health.mark_started();
    /// assert!(!health.snapshot().is_started());
    /// gate.release();
    /// assert!(health.snapshot().is_started());
    /// ```
    pub fn release(self) {
        drop(self);
    }

    /// Run `future` to completion, then release the gate, and return the future's output,
    /// whatever it is (an `Err` is an output too). A panic inside `future` fails start-up,
    /// as for any gate; the returned future dropped before it completes (an aborted task)
    /// releases it.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use tower_health::{Health, Probe, Status};
    ///
    /// async fn warm_cache() -> usize {
    ///     // … load the hot keys …
    ///     128
    /// }
    ///
    /// let health = Health::default();
    /// let warm_up = tokio::spawn(health.startup_gate("cache-warmup").release_after(warm_cache()));
    /// health.mark_started();
    /// assert_eq!(warm_up.await.unwrap(), 128);
    /// assert_eq!(health.snapshot().status(Probe::Startup), Status::Ok);
    /// # }
    /// ```
    pub async fn release_after<F: IntoFuture>(self, future: F) -> F::Output {
        let output = future.await;
        self.release();
        output
    }
}

impl Drop for StartupGate {
    fn drop(&mut self) {
        let Some(number) = self.number.take() else {
            return;
        };
        let Some(health) = self.health.upgrade() else {
            return;
        };
        if std::thread::panicking() {
            let mut task = None;
            health.update(|state| {
                task = state.lifecycle.gates.panic(number).map(str::to_owned);
                task.is_some()
            });
            if let Some(task) = task {
                tracing::error!(
                    task = %task,
                    "health: start-up task {task} panicked holding its gate; start-up failed"
                );
            }
        } else {
            let mut task = None;
            health.update(|state| {
                task = state.lifecycle.gates.release(number);
                task.is_some()
            });
            if let Some(task) = task {
                tracing::debug!(task = %task, "health: start-up gate released");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::probe::Probe;
    use crate::model::status::Status;

    fn closed(health: &Health) -> Vec<String> {
        let snapshot = health.snapshot();
        snapshot.closed_gates().map(str::to_owned).collect()
    }

    #[test]
    fn three_gates_released_in_any_order_and_mark_started() {
        for order in [[0, 1, 2], [2, 0, 1], [1, 2, 0]] {
            let health = Health::default();
            let names = ["migrations", "cache-warmup", "index"];
            let mut gates: Vec<Option<StartupGate>> = names
                .iter()
                .map(|n| Some(health.startup_gate(*n)))
                .collect();
            for (released, at) in order.into_iter().enumerate() {
                assert_eq!(health.snapshot().status(Probe::Startup), Status::Down);
                gates[at].take().unwrap().release();
                let left: Vec<&str> = (0..3)
                    .filter(|i| !order[..=released].contains(i))
                    .map(|i| names[i])
                    .collect();
                assert_eq!(closed(&health), left, "order {order:?}");
            }
            // Every gate open, but not marked started: still starting.
            let snapshot = health.snapshot();
            assert_eq!(snapshot.status(Probe::Startup), Status::Down);
            assert_eq!(snapshot.state.startup_reason().as_deref(), Some("starting"));
            health.mark_started();
            assert_eq!(health.snapshot().status(Probe::Startup), Status::Ok);
            assert_eq!(health.snapshot().status(Probe::Readiness), Status::Ok);
        }
    }

    #[test]
    fn a_gate_taken_after_start_up_has_no_effect() {
        let health = Health::default();
        health.mark_started();
        let version = health.snapshot().version();
        let late = health.startup_gate("late");
        assert_eq!(health.snapshot().version(), version, "nothing published");
        assert!(health.snapshot().is_started());
        let task = std::thread::spawn(move || {
            let _late = late;
            panic!("late task");
        });
        assert!(task.join().is_err());
        assert!(health.snapshot().is_started());
        assert_eq!(health.snapshot().panicked_gates().count(), 0);
    }

    #[test]
    fn a_panic_fails_start_up_for_good() {
        let health = Health::default();
        let migrations = health.startup_gate("migrations");
        let other = health.startup_gate("cache-warmup");
        health.mark_started();
        let task = std::thread::spawn(move || {
            let _migrations = migrations;
            panic!("boom");
        });
        assert!(task.join().is_err());
        other.release();
        let snapshot = health.snapshot();
        assert_eq!(snapshot.status(Probe::Startup), Status::Down);
        assert_eq!(snapshot.status(Probe::Readiness), Status::Down);
        assert_eq!(snapshot.status(Probe::Liveness), Status::Ok);
        assert_eq!(
            snapshot.state.startup_reason().as_deref(),
            Some("start-up failed: migrations panicked")
        );
        // Nothing taken later opens it again.
        health.startup_gate("retry").release();
        assert!(!health.snapshot().is_started());
    }

    #[test]
    fn a_gate_outliving_its_handle_does_nothing() {
        let health = Health::default();
        let gate = health.startup_gate("orphan");
        drop(health);
        gate.release();
    }

    #[tokio::test]
    async fn release_after_returns_the_output() {
        let health = Health::default();
        let (send, receive) = tokio::sync::oneshot::channel::<u32>();
        let gate = health.startup_gate("first-sync");
        health.mark_started();
        let task = tokio::spawn(gate.release_after(receive));
        tokio::task::yield_now().await;
        assert_eq!(closed(&health), ["first-sync"]);
        send.send(7).unwrap();
        assert_eq!(task.await.unwrap(), Ok(7));
        assert!(health.snapshot().is_started());
    }

    #[test]
    fn gates_are_send_and_sync() {
        fn assert_send_sync<T: Send + Sync + 'static>() {}
        assert_send_sync::<StartupGate>();
    }
}
