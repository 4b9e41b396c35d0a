//! The heartbeat: a task on the application's runtime that wakes on a short period and
//! notes when it ran and how late, for the judge on the probe thread to read.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::watch;

/// How often the heartbeat task asks to be woken.
pub(super) const PERIOD: Duration = Duration::from_millis(100);

/// What the heartbeat task writes and the judge reads, across threads, without a lock.
#[derive(Debug)]
pub(super) struct Heartbeat {
    /// The times below are nanoseconds since this instant.
    origin: Instant,
    /// When the task last ran.
    last: AtomicU64,
    /// The largest lateness of a beat since the judge last read it.
    late: AtomicU64,
}

/// What the judge sees at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Reading {
    /// How long since the task last ran.
    pub(super) silence: Duration,
    /// How late the runtime runs a task that is due: the latest beats' lateness, or the
    /// pending beat's when it is overdue by more.
    pub(super) lag: Duration,
}

impl Heartbeat {
    /// A heartbeat whose first beat is now.
    pub(super) fn new() -> Arc<Heartbeat> {
        Arc::new(Heartbeat {
            origin: Instant::now(),
            last: AtomicU64::new(0),
            late: AtomicU64::new(0),
        })
    }

    /// Beat every [`PERIOD`] until `stopped` resolves (the probe server stopped); on the
    /// application's runtime, so it runs only when that runtime gets to it.
    pub(super) async fn run(self: Arc<Self>, mut stopped: watch::Receiver<()>) {
        loop {
            let due = Instant::now() + PERIOD;
            tokio::select! {
                _ = stopped.changed() => return,
                () = tokio::time::sleep(PERIOD) => {}
            }
            let now = Instant::now();
            self.last.store(self.nanos(now), Ordering::Relaxed);
            let late = now.saturating_duration_since(due);
            self.late.fetch_max(nanos(late), Ordering::Relaxed);
        }
    }

    /// Read it at `now`, taking the beats' lateness seen since the last read.
    pub(super) fn read(&self, now: Instant) -> Reading {
        let last = Duration::from_nanos(self.last.load(Ordering::Relaxed));
        let silence = now
            .saturating_duration_since(self.origin)
            .saturating_sub(last);
        let late = Duration::from_nanos(self.late.swap(0, Ordering::Relaxed));
        Reading {
            silence,
            lag: late.max(silence.saturating_sub(PERIOD)),
        }
    }

    fn nanos(&self, at: Instant) -> u64 {
        nanos(at.saturating_duration_since(self.origin))
    }
}

fn nanos(duration: Duration) -> u64 {
    u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_free_runtime_beats_on_time_and_stops_with_the_server() {
        let heartbeat = Heartbeat::new();
        let (stop, stopped) = watch::channel(());
        let task = tokio::spawn(heartbeat.clone().run(stopped));
        tokio::time::sleep(PERIOD * 5).await;
        let reading = heartbeat.read(Instant::now());
        assert!(reading.silence < PERIOD * 3, "{reading:?}");
        assert!(reading.lag < PERIOD * 3, "{reading:?}");
        drop(stop);
        tokio::time::timeout(Duration::from_secs(10), task)
            .await
            .expect("the heartbeat stops with the server")
            .unwrap();
    }

    #[test]
    fn silence_past_the_period_counts_as_lag() {
        let heartbeat = Heartbeat::new();
        let now = heartbeat.origin + Duration::from_secs(3);
        let reading = heartbeat.read(now);
        assert_eq!(reading.silence, Duration::from_secs(3));
        assert_eq!(reading.lag, Duration::from_secs(3) - PERIOD);
    }

    #[test]
    fn a_late_beat_is_read_once() {
        let heartbeat = Heartbeat::new();
        heartbeat
            .late
            .store(nanos(Duration::from_millis(700)), Ordering::Relaxed);
        let now = heartbeat.origin + Duration::from_millis(50);
        assert_eq!(heartbeat.read(now).lag, Duration::from_millis(700));
        assert_eq!(heartbeat.read(now).lag, Duration::ZERO);
    }
}
