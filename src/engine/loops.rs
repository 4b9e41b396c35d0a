//! The engine's [`Loops`], one per check, started and aborted by name as the handle's
//! [`Command`]s say.

use std::collections::HashMap;
use std::sync::Arc;

use tokio::sync::mpsc;
use tokio::task::{AbortHandle, Id, JoinError, JoinSet};

use super::{Fleet, Report, Scheduled, check_loop};

/// What the handle tells a running engine.
#[derive(Debug)]
pub(crate) enum Command {
    /// Start running this check, with its initial jitter, as if it had been there from the
    /// start. Boxed: the channel's blocks hold commands by value and are kept for reuse.
    Add(Box<Scheduled>),
    /// Stop running the check by this name: its loop is aborted, dropping a run in flight.
    Remove(Arc<str>),
}

/// Where the handle sends its [`Command`]s; unbounded, since only `add_check` and
/// `remove` calls fill it and the engine empties it as it goes.
pub(crate) type Mailbox = mpsc::UnboundedSender<Command>;

/// A mailbox, and the end the engine reads.
pub(crate) fn mailbox() -> (Mailbox, mpsc::UnboundedReceiver<Command>) {
    mpsc::unbounded_channel()
}

/// The checks' loops, each aborted by name.
pub(super) struct Loops<R> {
    pub(super) set: JoinSet<()>,
    by_name: HashMap<Arc<str>, AbortHandle>,
    report: R,
    fleet: Option<Arc<dyn Fleet>>,
}

impl<R: Report> Loops<R> {
    pub(super) fn new(report: R, fleet: Option<Arc<dyn Fleet>>) -> Self {
        Loops {
            set: JoinSet::new(),
            by_name: HashMap::new(),
            report,
            fleet,
        }
    }

    /// How many checks run, by name.
    #[cfg(test)]
    pub(super) fn running(&self) -> usize {
        self.by_name.len()
    }

    pub(super) fn start(&mut self, check: Scheduled) {
        let name = check.name.clone();
        let task = check_loop(check, self.report.clone(), self.fleet.clone());
        // The handle refuses a name it has; a check removed and added again comes in that
        // order. Should an old loop still run under the name, it goes.
        if let Some(old) = self.by_name.insert(name, self.set.spawn(task)) {
            old.abort();
        }
    }

    pub(super) fn stop(&mut self, name: &str) {
        if let Some(running) = self.by_name.remove(name) {
            running.abort();
        }
        // A thousand checks come and go: the map shrinks back with them.
        if self.by_name.capacity() > 4 * self.by_name.len().max(8) {
            self.by_name.shrink_to(2 * self.by_name.len());
        }
    }

    /// A loop ended: forget it if it ended by itself.
    pub(super) fn ended(&mut self, ended: Result<(Id, ()), JoinError>) {
        let id = match ended {
            Ok((id, ())) => id,
            Err(error) => error.id(),
        };
        self.by_name.retain(|_, running| running.id() != id);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::time::Duration;

    use tokio::sync::watch;

    use super::super::{Next, Outcome, run};
    use super::*;
    use crate::checks::Check;
    use crate::model::thresholds::Thresholds;

    /// The names of the checks whose results came, in order; or stop at once.
    #[derive(Clone, Default)]
    struct Heard(Arc<Mutex<Vec<Arc<str>>>>, bool);

    impl Report for Heard {
        fn report(&self, check: &Scheduled, _: Outcome) -> Next {
            self.0.lock().unwrap().push(check.name.clone());
            if self.1 {
                return Next::Stop;
            }
            Next::Continue { down: false }
        }
    }

    impl Heard {
        fn count(&self, name: &str) -> usize {
            self.0
                .lock()
                .unwrap()
                .iter()
                .filter(|n| &***n == name)
                .count()
        }
    }

    fn every(name: &str, interval: Duration, check: impl Check) -> Scheduled {
        Scheduled {
            name: name.into(),
            check: Arc::new(check),
            interval,
            timeout: Duration::from_secs(60),
            thresholds: Thresholds::counts(1, 1),
            initial_jitter: Duration::ZERO,
            down_interval: interval,
            shared: false,
            retired: Arc::default(),
        }
    }

    async fn wait_until(what: &str, condition: impl Fn() -> bool) {
        for _ in 0..2000 {
            if condition() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        panic!("timed out waiting until {what}");
    }

    /// Set when dropped: with the check's future, a run in flight is gone.
    struct Flag(Arc<AtomicBool>);

    impl Drop for Flag {
        fn drop(&mut self) {
            self.0.store(true, Ordering::SeqCst);
        }
    }

    #[tokio::test]
    async fn checks_come_and_go_while_the_engine_runs() {
        let tasks = || {
            tokio::runtime::Handle::current()
                .metrics()
                .num_alive_tasks()
        };
        let before = tasks();
        let (mailbox, commands) = mailbox();
        let (stop, stopped) = watch::channel(false);
        let heard = Heard::default();
        let engine = tokio::spawn(run(Vec::new(), heard.clone(), None, stopped, commands));
        let (started, dropped) = (Arc::<AtomicBool>::default(), Arc::<AtomicBool>::default());
        let (start, drop) = (started.clone(), dropped.clone());
        let hang = move || {
            start.store(true, Ordering::SeqCst);
            let flag = Flag(drop.clone());
            async move {
                let _flag = flag;
                std::future::pending::<Result<(), String>>().await
            }
        };
        let second = Duration::from_secs(1);
        mailbox
            .send(Command::Add(Box::new(every("hang", second, hang))))
            .unwrap();
        let ok = || async { Ok::<(), String>(()) };
        let fast = Duration::from_millis(5);
        mailbox
            .send(Command::Add(Box::new(every("fast", fast, ok))))
            .unwrap();
        wait_until("both run", || {
            heard.count("fast") >= 3 && started.load(Ordering::SeqCst)
        })
        .await;

        mailbox.send(Command::Remove("hang".into())).unwrap();
        wait_until("the hanging run is dropped", || {
            dropped.load(Ordering::SeqCst)
        })
        .await;
        let runs = heard.count("fast");
        wait_until("fast goes on", || heard.count("fast") > runs + 2).await;
        mailbox.send(Command::Remove("fast".into())).unwrap();
        // The engine alone is left: every loop and run of the checks has ended.
        wait_until("the loops end", || tasks() == before + 1).await;
        let runs = heard.count("fast");
        tokio::time::sleep(fast * 10).await;
        assert_eq!(heard.count("fast"), runs, "a removed check ran");
        assert_eq!(heard.count("hang"), 0);

        stop.send_replace(true);
        engine.await.unwrap();
        assert_eq!(tasks(), before);
    }

    #[tokio::test]
    async fn a_loop_that_ends_by_itself_is_forgotten() {
        let mut loops = Loops::new(Heard(Arc::default(), true), None);
        let ok = || async { Ok::<(), String>(()) };
        loops.start(every("once", Duration::from_millis(1), ok));
        assert_eq!(loops.running(), 1);
        let ended = loops.set.join_next_with_id().await.unwrap();
        loops.ended(ended);
        assert_eq!(loops.running(), 0);
        // Stopping a name that is not running is nothing.
        loops.stop("once");
    }
}
