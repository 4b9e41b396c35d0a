//! [`Demotion`]: an operator's word that a check or component counts for no probe for a
//! while: why, since when, until when, and the line every view shows.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::time::Instant;

use super::history::cut;

/// The latest deadline every view can write: a minute before the end of year 9999, the
/// last moment RFC 3339 holds (a deadline is shown rounded up to its minute).
const LATEST: Duration = Duration::from_secs(253_402_300_800 - 60);

/// An operator's demotion of a check or component to report-only, from
/// [`Health::demote`](crate::health::Health::demote): while it lasts the component counts
/// for no probe and no group, and every view says so; its own status goes on as before.
///
/// ```
/// use std::time::Duration;
/// use tower_health::Health;
///
/// let health = Health::builder().component("redis").build();
/// health
///     .demote("redis", "flapping during failover", Some(Duration::from_secs(1800)))
///     .unwrap();
/// let snapshot = health.snapshot();
/// let demotion = snapshot.component("redis").unwrap().demotion().unwrap();
/// assert_eq!(demotion.reason(), "flapping during failover");
/// assert!(demotion.until().is_some());
/// // `demoted by operator until 03:40Z: flapping during failover`
/// assert!(demotion.to_string().starts_with("demoted by operator until "));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Demotion {
    pub(crate) reason: String,
    pub(crate) since: SystemTime,
    /// When it began on the monotonic clock: how long it lasted is measured from here.
    pub(crate) began: Instant,
    pub(crate) until: Option<Deadline>,
}

/// When a demotion ends by itself: on the monotonic clock, which the handle's clock waits
/// for, and on the wall clock, which the views show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Deadline {
    pub(crate) at: Instant,
    pub(crate) wall: SystemTime,
}

impl Deadline {
    /// `duration` after `now` (`wall` on the wall clock); `None` when `duration` is zero,
    /// or ends past what either clock, or RFC 3339, can hold.
    pub(crate) fn after(duration: Duration, now: Instant, wall: SystemTime) -> Option<Deadline> {
        if duration.is_zero() {
            return None;
        }
        let at = now.checked_add(duration)?;
        let wall = wall.checked_add(duration)?;
        let since_epoch = wall.duration_since(UNIX_EPOCH).ok()?;
        (since_epoch <= LATEST).then_some(Deadline { at, wall })
    }
}

impl Demotion {
    /// A demotion from `now` (`wall` on the wall clock), its reason cut at 256 bytes.
    pub(crate) fn new(
        reason: &str,
        until: Option<Deadline>,
        now: Instant,
        wall: SystemTime,
    ) -> Self {
        Demotion {
            reason: cut(reason),
            since: wall,
            began: now,
            until,
        }
    }

    /// Why, as the operator said it (cut at 256 bytes). Public bodies show it.
    pub fn reason(&self) -> &str {
        &self.reason
    }

    /// When it was demoted (wall-clock time).
    pub fn since(&self) -> SystemTime {
        self.since
    }

    /// When it ends by itself, if it has a deadline (wall-clock time).
    pub fn until(&self) -> Option<SystemTime> {
        self.until.map(|until| until.wall)
    }

    /// When it ends by itself on the monotonic clock, if it has a deadline.
    pub(crate) fn deadline(&self) -> Option<Instant> {
        self.until.map(|until| until.at)
    }

    /// Whether its deadline has come at `now`.
    pub(crate) fn is_over(&self, now: Instant) -> bool {
        self.deadline().is_some_and(|at| at <= now)
    }

    /// Its deadline as the views write it, in UTC rounded up to the minute: `03:40Z`, or
    /// with the date (`2030-06-02T03:40Z`) when it is more than a day after the demotion.
    pub(crate) fn until_text(&self) -> Option<String> {
        let until = self.until?.wall;
        let into_minute = until.duration_since(UNIX_EPOCH).ok()?.as_secs() % 60;
        let minute = match into_minute {
            0 => until,
            seconds => until + Duration::from_secs(60 - seconds),
        };
        // `YYYY-MM-DDTHH:MM:SSZ`: within LATEST, always writable.
        let text = humantime::format_rfc3339_seconds(minute).to_string();
        let within_a_day = until
            .duration_since(self.since)
            .is_ok_and(|ahead| ahead <= Duration::from_secs(86_400));
        let start = if within_a_day { 11 } else { 0 };
        Some(format!("{}Z", text.get(start..16)?))
    }
}

impl fmt::Display for Demotion {
    /// `demoted by operator until 03:40Z: flapping during failover` (without `until …` when
    /// it has no deadline).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("demoted by operator")?;
        if let Some(until) = self.until_text() {
            write!(f, " until {until}")?;
        }
        write!(f, ": {}", self.reason)
    }
}

#[cfg(test)]
impl Demotion {
    /// For tests: a demotion for `reason` at 2030-06-01T03:10:00Z, for `minutes` if any.
    pub(crate) fn at_ten_past_three(reason: &str, minutes: Option<u64>) -> Demotion {
        let (now, wall) = (
            Instant::now(),
            UNIX_EPOCH + Duration::from_secs(1_906_513_800),
        );
        let until = minutes.and_then(|m| Deadline::after(Duration::from_secs(m * 60), now, wall));
        Demotion::new(reason, until, now, wall)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2030-06-01T03:10:00Z.
    fn wall() -> SystemTime {
        Demotion::at_ten_past_three("x", None).since
    }

    fn demotion(until: Option<Duration>) -> Demotion {
        let now = Instant::now();
        let until = until.map(|d| Deadline::after(d, now, wall()).unwrap());
        Demotion::new("flapping during failover", until, now, wall())
    }

    #[test]
    fn the_line_every_view_shows() {
        assert_eq!(
            humantime::format_rfc3339_seconds(wall()).to_string(),
            "2030-06-01T03:10:00Z"
        );
        let half_an_hour = demotion(Some(Duration::from_secs(1800)));
        assert_eq!(
            half_an_hour.to_string(),
            "demoted by operator until 03:40Z: flapping during failover"
        );
        assert_eq!(
            demotion(None).to_string(),
            "demoted by operator: flapping during failover"
        );
        // Rounded up to its minute: still demoted at 03:40:30.
        let rounded = demotion(Some(Duration::from_secs(1801)));
        assert_eq!(rounded.until_text().as_deref(), Some("03:41Z"));
        // More than a day ahead: with the date.
        let days = demotion(Some(Duration::from_secs(3 * 86_400)));
        assert_eq!(days.until_text().as_deref(), Some("2030-06-04T03:10Z"));
        let a_day = demotion(Some(Duration::from_secs(86_400)));
        assert_eq!(a_day.until_text().as_deref(), Some("03:10Z"));
    }

    #[test]
    fn deadline_arithmetic() {
        let now = Instant::now();
        let minute = Duration::from_secs(60);
        let deadline = Deadline::after(minute, now, wall()).unwrap();
        assert_eq!(deadline.at, now + minute);
        assert_eq!(deadline.wall, wall() + minute);
        assert_eq!(Deadline::after(Duration::ZERO, now, wall()), None);
        assert_eq!(Deadline::after(Duration::MAX, now, wall()), None);
        // Beyond year 9999, which no view can write.
        let years = Duration::from_secs(8000 * 366 * 86_400);
        assert_eq!(Deadline::after(years, now, wall()), None);
        let latest = LATEST - wall().duration_since(UNIX_EPOCH).unwrap();
        let last = Deadline::after(latest, now, wall()).unwrap();
        let demotion = Demotion::new("x", Some(last), now, wall());
        assert_eq!(demotion.until_text().as_deref(), Some("9999-12-31T23:59Z"));
        assert!(Deadline::after(latest + Duration::from_secs(1), now, wall()).is_none());

        let over = Demotion::new("x", Some(deadline), now, wall());
        assert!(!over.is_over(now + Duration::from_secs(59)));
        assert!(over.is_over(now + minute));
        assert!(!demotion_without_deadline().is_over(now + Duration::from_secs(1 << 40)));
    }

    fn demotion_without_deadline() -> Demotion {
        Demotion::new("x", None, Instant::now(), wall())
    }

    #[test]
    fn a_long_reason_is_cut() {
        let long = "é".repeat(400);
        let demotion = Demotion::new(&long, None, Instant::now(), wall());
        assert!(demotion.reason().len() <= crate::model::history::ERROR_LIMIT);
        assert!(demotion.reason().ends_with('…'));
    }
}
