//! Heartbeats: a component a background task keeps alive by beating, down when the beats
//! stop for longer than a TTL (Consul's TTL checks).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

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
/// at least twice per TTL; [`HeartbeatCheck::named`] does that, and turns it down on its first
/// failing run (the TTL is already the grace period).
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
pub fn heartbeat(ttl: Duration) -> (Beat, HeartbeatCheck) {
    let pulse = Arc::new(Pulse {
        origin: Instant::now(),
        last: AtomicU64::new(NEVER),
    });
    let beat = Beat {
        pulse: pulse.clone(),
    };
    (beat, HeartbeatCheck { pulse, ttl })
}

/// When the last beat was: nanoseconds since `origin`, or [`NEVER`].
#[derive(Debug)]
struct Pulse {
    origin: Instant,
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
    /// Note that the task is alive, now: a read of the monotonic clock and one relaxed
    /// atomic store, no lock, no allocation, never waits. It works before the engine runs
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
        let since = self.pulse.origin.elapsed();
        let nanos = u64::try_from(since.as_nanos()).unwrap_or(NEVER - 1);
        self.pulse.last.store(nanos, Ordering::Relaxed);
    }
}

/// The check made by [`heartbeat`]: passes while the last [`Beat::beat`] is at most its TTL
/// old.
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

    /// The verdict at `now`.
    fn verdict(&self, now: Instant) -> Result<(), CheckError> {
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
        let age = now
            .saturating_duration_since(self.pulse.origin)
            .saturating_sub(Duration::from_nanos(last));
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
        let verdict = self.verdict(Instant::now());
        Box::pin(std::future::ready(verdict))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(result: Result<(), CheckError>) -> String {
        result.unwrap_err().message().to_owned()
    }

    #[test]
    fn down_before_the_first_beat() {
        let (_beat, check) = heartbeat(Duration::from_secs(5));
        let now = check.pulse.origin + Duration::from_secs(1);
        assert_eq!(message(check.verdict(now)), "no beat yet (ttl 5s)");
    }

    #[test]
    fn up_within_the_ttl_and_down_after_it_with_the_age() {
        let (beat, check) = heartbeat(Duration::from_secs(5));
        beat.beat();
        let origin = check.pulse.origin;
        let last = Duration::from_nanos(check.pulse.last.load(Ordering::Relaxed));
        assert!(check.verdict(origin + last).is_ok());
        assert!(
            check
                .verdict(origin + last + Duration::from_secs(5))
                .is_ok()
        );
        let late = origin + last + Duration::from_millis(12_345);
        assert_eq!(message(check.verdict(late)), "no beat for 12.3s (ttl 5s)");
        // A beat taken after the check read the clock is not in the future.
        assert!(check.verdict(origin).is_ok());
    }

    #[test]
    fn a_new_beat_brings_it_back() {
        let (beat, check) = heartbeat(Duration::from_millis(300));
        beat.beat();
        std::thread::sleep(Duration::from_millis(350));
        let error = message(check.verdict(Instant::now()));
        assert!(error.starts_with("no beat for 3"), "{error}");
        assert!(error.ends_with("ms (ttl 300ms)"), "{error}");
        beat.clone().beat();
        assert!(check.verdict(Instant::now()).is_ok());
    }

    #[test]
    fn dropped_handles_are_named() {
        let (beat, check) = heartbeat(Duration::from_secs(1));
        let other = beat.clone();
        drop(beat);
        let now = check.pulse.origin + Duration::from_secs(3);
        assert_eq!(message(check.verdict(now)), "no beat yet (ttl 1s)");
        other.beat();
        drop(other);
        let error = message(check.verdict(Instant::now() + Duration::from_secs(3)));
        assert!(
            error.ends_with("(ttl 1s; every Beat handle was dropped)"),
            "{error}"
        );
    }

    #[test]
    fn ages_are_rounded_to_read() {
        assert_eq!(
            format!("{:?}", rounded(Duration::from_micros(412_600))),
            "412ms"
        );
        assert_eq!(
            format!("{:?}", rounded(Duration::from_millis(12_399))),
            "12.3s"
        );
        assert_eq!(format!("{:?}", rounded(Duration::from_secs(90))), "90s");
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
    async fn runs_as_a_check() {
        let (beat, check) = heartbeat(Duration::from_secs(60));
        assert!(check.check().await.is_err());
        beat.beat();
        assert!(check.check().await.is_ok());
        assert!(!check.is_remote());
    }
}
