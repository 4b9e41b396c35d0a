//! [`TrafficFigures`]: what the forwarded requests of the last window came to.

use std::fmt;
use std::time::Duration;

use super::counts::{CLASSES, Counts};

/// What the forwarded requests of the last window came to: the figures the
/// [`traffic`](crate::Traffic) component is judged by and its views show.
///
/// Read from a snapshot's component
/// ([`Component::traffic`](crate::model::Component::traffic)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrafficFigures {
    pub(crate) window: Duration,
    pub(crate) requests: u64,
    pub(crate) failures: u64,
    pub(crate) classes: [u64; CLASSES],
    pub(crate) errors: u64,
    pub(crate) abandoned: u64,
    pub(crate) in_flight: u64,
    pub(crate) p50: Option<Duration>,
    pub(crate) p90: Option<Duration>,
    pub(crate) p99: Option<Duration>,
}

impl TrafficFigures {
    /// The figures of `counts`, summed over `window`, with `in_flight` requests now.
    pub(crate) fn new(counts: &Counts, window: Duration, in_flight: u64) -> Self {
        TrafficFigures {
            window,
            requests: counts.completed(),
            failures: counts.failures,
            classes: counts.classes,
            errors: counts.errors,
            abandoned: counts.abandoned,
            in_flight,
            p50: counts.latency_quantile(0.5),
            p90: counts.latency_quantile(0.9),
            p99: counts.latency_quantile(0.99),
        }
    }

    /// How long the window is (60 s by default); until it has filled, the time counted so
    /// far.
    pub fn window(&self) -> Duration {
        self.window
    }

    /// Requests that completed within the window: a response, or an error of the inner
    /// service.
    pub fn requests(&self) -> u64 {
        self.requests
    }

    /// Of those, how many the classifier counted as failures (inner errors included).
    pub fn failures(&self) -> u64 {
        self.failures
    }

    /// `failures / requests`, 0 without requests.
    pub fn failure_ratio(&self) -> f64 {
        if self.requests == 0 {
            0.0
        } else {
            self.failures as f64 / self.requests as f64
        }
    }

    /// Responses with a status of the class `hundreds` (1 for 1xx … 5 for 5xx; 0 for any
    /// other number).
    pub fn responses(&self, hundreds: u8) -> u64 {
        match usize::from(hundreds) {
            class @ 1..=CLASSES => self.classes[class - 1],
            _ => 0,
        }
    }

    /// The inner service's errors (its `Err`).
    pub fn errors(&self) -> u64 {
        self.errors
    }

    /// Requests given up before their response: the client went away.
    pub fn abandoned(&self) -> u64 {
        self.abandoned
    }

    /// Requests forwarded and not ended when the window was last folded.
    pub fn in_flight(&self) -> u64 {
        self.in_flight
    }

    /// The median latency (an upper bound, at most 19 % over), `None` without requests.
    pub fn p50(&self) -> Option<Duration> {
        self.p50
    }

    /// The 90th percentile latency, as [`p50`](TrafficFigures::p50).
    pub fn p90(&self) -> Option<Duration> {
        self.p90
    }

    /// The 99th percentile latency, as [`p50`](TrafficFigures::p50).
    pub fn p99(&self) -> Option<Duration> {
        self.p99
    }
}

/// `1,204 requests in 60s, 0.4% failed, p99 38ms, 3 in flight`.
impl fmt::Display for TrafficFigures {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} requests in {}s, {:.1}% failed",
            Thousands(self.requests),
            self.window.as_secs(),
            self.failure_ratio() * 100.0
        )?;
        if let Some(p99) = self.p99 {
            write!(f, ", p99 {}", Millis(p99))?;
        }
        write!(f, ", {} in flight", Thousands(self.in_flight))
    }
}

/// A count with a comma every three digits.
pub(crate) struct Thousands(pub(crate) u64);

impl fmt::Display for Thousands {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let digits = self.0.to_string();
        for (at, digit) in digits.chars().enumerate() {
            if at > 0 && (digits.len() - at).is_multiple_of(3) {
                f.write_str(",")?;
            }
            write!(f, "{digit}")?;
        }
        Ok(())
    }
}

/// A latency for people: `<1ms`, `38ms`, `1.2s`.
pub(crate) struct Millis(pub(crate) Duration);

impl fmt::Display for Millis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.as_millis() {
            0 => f.write_str("<1ms"),
            ms @ 1..1_000 => write!(f, "{ms}ms"),
            _ => write!(f, "{:.1}s", self.0.as_secs_f64()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::traffic::latency::bucket;

    #[test]
    fn the_line_says_the_figures() {
        let mut counts = Counts {
            requests: 1_210,
            classes: [0, 1_199, 0, 0, 5],
            failures: 5,
            ..Counts::default()
        };
        counts.latency[bucket(1_000)] = 1_190;
        counts.latency[bucket(38_000)] = 14;
        let figures = TrafficFigures::new(&counts, Duration::from_secs(60), 3);
        assert_eq!(figures.requests(), 1_204);
        assert_eq!(figures.responses(5), 5);
        assert_eq!(figures.responses(9), 0);
        assert_eq!(
            figures.to_string(),
            "1,204 requests in 60s, 0.4% failed, p99 40ms, 3 in flight"
        );
        let quiet = TrafficFigures::new(&Counts::default(), Duration::from_secs(5), 0);
        assert_eq!(
            quiet.to_string(),
            "0 requests in 5s, 0.0% failed, 0 in flight"
        );
    }

    #[test]
    fn thousands_and_millis() {
        for (n, text) in [
            (0, "0"),
            (999, "999"),
            (1_000, "1,000"),
            (1_234_567, "1,234,567"),
        ] {
            assert_eq!(Thousands(n).to_string(), text);
        }
        assert_eq!(Millis(Duration::from_micros(300)).to_string(), "<1ms");
        assert_eq!(Millis(Duration::from_millis(38)).to_string(), "38ms");
        assert_eq!(Millis(Duration::from_millis(1_250)).to_string(), "1.2s");
    }
}
