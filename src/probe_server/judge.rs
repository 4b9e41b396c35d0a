//! The judge: from heartbeat readings, whether the application's runtime is stalled
//! (wedged: no heartbeat at all for the stall threshold) or overloaded (heartbeats late by
//! the overload threshold), saying only what changed.

use std::time::{Duration, Instant};

use super::heartbeat::Reading;

/// How long the lag must stay under half the overload threshold before overload clears.
pub(super) const CALM: Duration = Duration::from_secs(1);

/// The watchdog's verdicts so far.
#[derive(Debug)]
pub(super) struct Judge {
    stall_after: Duration,
    overload_after: Option<Duration>,
    /// While stalled: the whole seconds of silence last reported.
    stalled: Option<u64>,
    overloaded: bool,
    /// While overloaded: since when the lag has stayed under half the threshold.
    calm_since: Option<Instant>,
}

/// A verdict that changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Change {
    /// No heartbeat for this long (again each whole second while it lasts).
    Stalled(Duration),
    /// A heartbeat came after a stall.
    Resumed,
    /// Heartbeats run this late.
    Overloaded(Duration),
    /// The lag has stayed under half the overload threshold for [`CALM`].
    Relieved,
}

impl Judge {
    pub(super) fn new(stall_after: Duration, overload_after: Option<Duration>) -> Self {
        Judge {
            stall_after,
            overload_after,
            stalled: None,
            overloaded: false,
            calm_since: None,
        }
    }

    /// Judge one reading taken at `now`: the verdicts that changed, stall first.
    pub(super) fn observe(&mut self, reading: Reading, now: Instant) -> [Option<Change>; 2] {
        [self.stall(reading.silence), self.load(reading.lag, now)]
    }

    fn stall(&mut self, silence: Duration) -> Option<Change> {
        if silence < self.stall_after {
            return self.stalled.take().map(|_| Change::Resumed);
        }
        let seconds = silence.as_secs();
        match self.stalled.replace(seconds) {
            Some(reported) if reported == seconds => None,
            _ => Some(Change::Stalled(silence)),
        }
    }

    fn load(&mut self, lag: Duration, now: Instant) -> Option<Change> {
        let threshold = self.overload_after?;
        if !self.overloaded {
            self.overloaded = lag >= threshold;
            return self.overloaded.then_some(Change::Overloaded(lag));
        }
        if lag >= threshold / 2 {
            self.calm_since = None;
            return None;
        }
        let calm_since = *self.calm_since.get_or_insert(now);
        if now.saturating_duration_since(calm_since) < CALM {
            return None;
        }
        self.overloaded = false;
        self.calm_since = None;
        Some(Change::Relieved)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    fn reading(silence_ms: u64, lag_ms: u64) -> Reading {
        Reading {
            silence: MS * u32::try_from(silence_ms).unwrap(),
            lag: MS * u32::try_from(lag_ms).unwrap(),
        }
    }

    #[test]
    fn late_heartbeats_under_the_stall_threshold_never_stall() {
        let mut judge = Judge::new(Duration::from_secs(10), None);
        let now = Instant::now();
        for silence in [0, 2_000, 9_999, 5_000] {
            assert_eq!(judge.observe(reading(silence, silence), now), [None, None]);
        }
    }

    #[test]
    fn a_stall_is_reported_each_whole_second_then_resumed_once() {
        let mut judge = Judge::new(Duration::from_secs(2), None);
        let now = Instant::now();
        let stalled = |ms| [Some(Change::Stalled(MS * ms)), None];
        assert_eq!(judge.observe(reading(2_000, 0), now), stalled(2_000));
        assert_eq!(judge.observe(reading(2_500, 0), now), [None, None]);
        assert_eq!(judge.observe(reading(3_100, 0), now), stalled(3_100));
        assert_eq!(
            judge.observe(reading(10, 0), now),
            [Some(Change::Resumed), None]
        );
        assert_eq!(judge.observe(reading(20, 0), now), [None, None]);
    }

    #[test]
    fn overload_trips_at_the_threshold_and_clears_after_a_calm_second() {
        let mut judge = Judge::new(Duration::from_secs(10), Some(MS * 400));
        let start = Instant::now();
        let at = |ms: u32| start + MS * ms;
        assert_eq!(judge.observe(reading(0, 399), at(0)), [None, None]);
        let tripped = [None, Some(Change::Overloaded(MS * 450))];
        assert_eq!(judge.observe(reading(0, 450), at(100)), tripped);
        // Half the threshold or more keeps it; so does a calm spell shorter than CALM.
        assert_eq!(judge.observe(reading(0, 250), at(200)), [None, None]);
        assert_eq!(judge.observe(reading(0, 10), at(300)), [None, None]);
        assert_eq!(judge.observe(reading(0, 300), at(900)), [None, None]);
        assert_eq!(judge.observe(reading(0, 10), at(1_000)), [None, None]);
        assert_eq!(judge.observe(reading(0, 10), at(1_999)), [None, None]);
        let relieved = [None, Some(Change::Relieved)];
        assert_eq!(judge.observe(reading(0, 10), at(2_000)), relieved);
        assert_eq!(judge.observe(reading(0, 10), at(2_100)), [None, None]);
    }

    #[test]
    fn without_an_overload_threshold_lag_is_never_judged() {
        let mut judge = Judge::new(Duration::from_secs(10), None);
        let now = Instant::now();
        assert_eq!(judge.observe(reading(0, 9_000), now), [None, None]);
    }
}
