//! Heartbeats: a component a background task keeps alive by beating, down when the beats
//! stop for longer than a TTL (Consul's TTL checks).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use super::check::{Check, CheckFuture};
use super::error::CheckError;
use super::named::NamedCheck;

/// The reading of a heartbeat that has not beaten yet.
const NEVER: u64 = u64::MAX;

/// A heartbeat with time-to-live `ttl`: the [`Beat`] a background task calls
/// [`beat`](Beat::beat) on as it works, and the check that passes while the last beat is at
/// most `ttl` old.
///
/// The check fails with how long ago the last beat was (`no beat for 12.3s (ttl 5s)`), or
/// `no beat yet (ttl 5s)` before the first one: beat once when the task starts. Run the check
/// at least twice per TTL, and let its first failure count (the TTL is already the grace
/// period): [`HeartbeatCheck::named`] does both. Registered with
/// [`HealthBuilder::check`](crate::HealthBuilder::check) instead, it takes the builder's
/// interval and failure threshold (5 s and 3 by default), which add up to three intervals
/// to the TTL before it is down.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use std::time::Duration;
/// use tower_health::{Health, checks};
///
/// let (beat, check) = checks::heartbeat(Duration::from_secs(5));
/// let health = Health::builder().add_check(check.named("jobs")).build();
/// health.start_checks();
///
/// tokio::spawn(async move {
///     loop {
///         beat.beat(); // one atomic store
///         // … take a job from the queue and run it …
/// #       tokio::time::sleep(Duration::from_millis(100)).await;
///     }
/// });
/// # }
/// ```
///
/// The check is in-process ([`Check::is_remote`] is `false`), so it may count for liveness
/// ([`NamedCheck::probes`]) when a stuck loop is worth a restart. When the task ends or
/// panics and its last [`Beat`] is dropped, the check goes down once the TTL has passed
/// since its last beat, like any silence, and says the handles are gone.
///
/// Beats read the CPU's time-stamp counter through `quanta`: the first clock of a process
/// calibrates it against the system's monotonic clock, once (about a millisecond, at most
/// 200 ms).
pub fn heartbeat(ttl: Duration) -> (Beat, HeartbeatCheck) {
    heartbeat_on(ttl, quanta::Clock::new())
}

/// [`heartbeat`] on `clock`.
fn heartbeat_on(ttl: Duration, clock: quanta::Clock) -> (Beat, HeartbeatCheck) {
    let pulse = Arc::new(Pulse {
        clock,
        last: AtomicU64::new(NEVER),
    });
    let beat = Beat {
        pulse: pulse.clone(),
    };
    (beat, HeartbeatCheck { pulse, ttl })
}

/// When the last beat was: the clock's raw reading then, or [`NEVER`].
#[derive(Debug)]
struct Pulse {
    clock: quanta::Clock,
    last: AtomicU64,
}

/// The beating side of a [`heartbeat`]: cheap to clone, to share between tasks and threads,
/// and to call in a hot loop.
///
/// ```
/// use std::time::Duration;
/// use tower_health::checks;
///
/// let (beat, check) = checks::heartbeat(Duration::from_secs(30));
/// let worker = beat.clone();
/// std::thread::spawn(move || {
///     for _ in 0..3 {
///         worker.beat();
///     }
/// })
/// .join()
/// .unwrap();
/// ```
#[derive(Debug, Clone)]
pub struct Beat {
    pulse: Arc<Pulse>,
}

impl Beat {
    /// Note that the task is alive, now: a read of the CPU's time-stamp counter (through
    /// `quanta`; the monotonic clock where there is none) and one relaxed atomic store, no
    /// lock, no allocation, never waits: about 20–30 ns. It works before the engine runs
    /// too: the check reads the latest beat whenever it runs.
    ///
    /// ```
    /// use std::time::Duration;
    /// use tower_health::checks;
    ///
    /// let (beat, _check) = checks::heartbeat(Duration::from_secs(5));
    /// beat.beat();
    /// ```
    #[inline]
    pub fn beat(&self) {
        self.pulse
            .last
            .store(self.pulse.clock.raw(), Ordering::Relaxed);
    }
}

/// The check made by [`heartbeat`]: passes while the last [`Beat::beat`] is at most its TTL
/// old.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use std::time::Duration;
/// use tower_health::{Check, checks};
///
/// let (beat, check) = checks::heartbeat(Duration::from_secs(5));
/// let error = check.check().await.unwrap_err();
/// assert_eq!(error.message(), "no beat yet (ttl 5s)");
/// beat.beat();
/// assert!(check.check().await.is_ok());
/// # }
/// ```
#[derive(Debug)]
pub struct HeartbeatCheck {
    pulse: Arc<Pulse>,
    ttl: Duration,
}

impl HeartbeatCheck {
    /// This check named `name`, run every half TTL (at least every millisecond) and down on
    /// its first failing run: it is down at most about 1.5 TTL after the last beat. Options
    /// set on the returned [`NamedCheck`] afterwards take precedence; a builder-wide
    /// [`down_after`](crate::HealthBuilder::down_after) replaces the failure threshold.
    ///
    /// ```
    /// use std::time::Duration;
    /// use tower_health::{Health, Probe, checks};
    ///
    /// let (beat, check) = checks::heartbeat(Duration::from_secs(10));
    /// let health = Health::builder()
    ///     .add_check(check.named("scheduler").probes([Probe::Readiness, Probe::Liveness]))
    ///     .build();
    /// ```
    pub fn named(self, name: impl Into<String>) -> NamedCheck {
        let interval = (self.ttl / 2).max(Duration::from_millis(1));
        NamedCheck::new(name, self)
            .interval(interval)
            .failure_threshold(1)
    }

    /// The verdict now.
    fn verdict(&self) -> Result<(), CheckError> {
        let ttl = self.ttl;
        let last = self.pulse.last.load(Ordering::Relaxed);
        // Only this check holds the pulse: every `Beat` is gone.
        let orphaned = Arc::strong_count(&self.pulse) == 1;
        let dropped = if orphaned {
            "; every Beat handle was dropped"
        } else {
            ""
        };
        if last == NEVER {
            return Err(CheckError::new(format!(
                "no beat yet (ttl {ttl:?}{dropped})"
            )));
        }
        // A beat after the clock was read is no older than zero.
        let age = self.pulse.clock.delta(last, self.pulse.clock.raw());
        if age <= ttl {
            return Ok(());
        }
        let age = rounded(age);
        Err(CheckError::new(format!(
            "no beat for {age:?} (ttl {ttl:?}{dropped})"
        )))
    }
}

/// `age` short enough to read: to the millisecond below a second, to a tenth of a second
/// above (`412ms`, `12.3s`).
fn rounded(age: Duration) -> Duration {
    let millis = u64::try_from(age.as_millis()).unwrap_or(u64::MAX);
    if millis < 1000 {
        Duration::from_millis(millis)
    } else {
        Duration::from_millis(millis / 100 * 100)
    }
}

impl Check for HeartbeatCheck {
    fn check(&self) -> CheckFuture<'_> {
        let verdict = self.verdict();
        Box::pin(std::future::ready(verdict))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mocked(ttl: Duration) -> (Beat, HeartbeatCheck, Arc<quanta::Mock>) {
        let (clock, mock) = quanta::Clock::mock();
        mock.increment(Duration::from_secs(1));
        let (beat, check) = heartbeat_on(ttl, clock);
        (beat, check, mock)
    }

    fn message(check: &HeartbeatCheck) -> String {
        check.verdict().unwrap_err().message().to_owned()
    }

    #[test]
    fn down_before_the_first_beat() {
        let (_beat, check, mock) = mocked(Duration::from_secs(5));
        mock.increment(Duration::from_secs(1));
        assert_eq!(message(&check), "no beat yet (ttl 5s)");
    }

    #[test]
    fn up_within_the_ttl_and_down_after_it_with_the_age() {
        let (beat, check, mock) = mocked(Duration::from_secs(5));
        beat.beat();
        assert!(check.verdict().is_ok());
        mock.increment(Duration::from_secs(5));
        assert!(check.verdict().is_ok(), "a beat exactly the TTL old");
        mock.increment(Duration::from_millis(7_345));
        assert_eq!(message(&check), "no beat for 12.3s (ttl 5s)");
        mock.increment(Duration::from_secs(100));
        assert_eq!(message(&check), "no beat for 112.3s (ttl 5s)");
    }

    #[test]
    fn a_new_beat_brings_it_back() {
        let (beat, check, mock) = mocked(Duration::from_millis(300));
        beat.beat();
        mock.increment(Duration::from_micros(350_400));
        assert_eq!(message(&check), "no beat for 350ms (ttl 300ms)");
        beat.clone().beat();
        assert!(check.verdict().is_ok());
    }

    #[test]
    fn dropped_handles_are_named() {
        let (beat, check, mock) = mocked(Duration::from_secs(1));
        let other = beat.clone();
        drop(beat);
        mock.increment(Duration::from_secs(3));
        assert_eq!(message(&check), "no beat yet (ttl 1s)");
        other.beat();
        drop(other);
        mock.increment(Duration::from_secs(3));
        assert_eq!(
            message(&check),
            "no beat for 3s (ttl 1s; every Beat handle was dropped)"
        );
    }

    #[test]
    fn ages_are_rounded_to_read() {
        let text = |age| format!("{:?}", rounded(age));
        assert_eq!(text(Duration::from_micros(412_600)), "412ms");
        assert_eq!(text(Duration::from_millis(12_399)), "12.3s");
        assert_eq!(text(Duration::from_secs(90)), "90s");
    }

    #[test]
    fn named_runs_twice_per_ttl_and_fails_at_once() {
        let (_beat, check) = heartbeat(Duration::from_secs(10));
        let named = check.named("jobs");
        assert_eq!(named.interval, Some(Duration::from_secs(5)));
        assert_eq!(named.failure_threshold, Some(1));
        let (_beat, check) = heartbeat(Duration::ZERO);
        assert_eq!(check.named("x").interval, Some(Duration::from_millis(1)));
    }

    #[tokio::test]
    async fn runs_as_a_check_on_the_real_clock() {
        let (beat, check) = heartbeat(Duration::from_millis(100));
        assert!(check.check().await.is_err());
        beat.beat();
        assert!(check.check().await.is_ok());
        std::thread::sleep(Duration::from_millis(150));
        let error = check.check().await.unwrap_err();
        assert!(error.message().starts_with("no beat for 1"), "{error}");
        assert!(!check.is_remote());
    }
}
