//! [`Window`]: the sliding window of traffic, a ring of buckets the clock folds one at a
//! time.

use std::collections::VecDeque;
use std::time::Duration;

use super::counts::Counts;
use super::figures::TrafficFigures;

/// The last `capacity` buckets of traffic, each what happened during one period, and their
/// sum.
#[derive(Debug, Clone)]
pub(crate) struct Window {
    buckets: VecDeque<Counts>,
    capacity: usize,
    period: Duration,
    /// The whole span once full (the period times the capacity, but for rounding).
    span: Duration,
    sum: Counts,
}

impl Window {
    /// A window spanning `span` in `capacity` buckets (at least one).
    pub(crate) fn new(span: Duration, capacity: usize) -> Self {
        let capacity = capacity.max(1);
        Window {
            buckets: VecDeque::with_capacity(capacity),
            capacity,
            period: span / u32::try_from(capacity).unwrap_or(u32::MAX),
            span,
            sum: Counts::default(),
        }
    }

    /// How long each bucket lasts.
    pub(crate) fn period(&self) -> Duration {
        self.period
    }

    /// Fold in what happened during the last period; the oldest bucket leaves once the
    /// window is full.
    pub(crate) fn push(&mut self, bucket: Counts) {
        if self.buckets.len() == self.capacity
            && let Some(oldest) = self.buckets.pop_front()
        {
            self.sum = self.sum.since(&oldest);
        }
        self.sum.add(&bucket);
        self.buckets.push_back(bucket);
    }

    /// The figures of the window, with `in_flight` requests now.
    pub(crate) fn figures(&self, in_flight: u64) -> TrafficFigures {
        let span = match self.buckets.len() {
            full if full == self.capacity => self.span,
            filled => self.period * u32::try_from(filled).unwrap_or(u32::MAX),
        };
        TrafficFigures::new(&self.sum, span, in_flight)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bucket(requests: u64, failures: u64) -> Counts {
        Counts {
            requests,
            classes: [0, requests - failures, 0, 0, failures],
            failures,
            ..Counts::default()
        }
    }

    #[test]
    fn old_buckets_slide_out() {
        let mut window = Window::new(Duration::from_secs(15), 3);
        assert_eq!(window.figures(0).window(), Duration::ZERO);
        window.push(bucket(10, 10));
        window.push(bucket(10, 0));
        window.push(bucket(10, 0));
        let figures = window.figures(2);
        assert_eq!((figures.requests(), figures.failures()), (30, 10));
        assert_eq!(figures.window(), Duration::from_secs(15));
        assert_eq!(figures.in_flight(), 2);
        window.push(bucket(4, 1));
        let figures = window.figures(0);
        assert_eq!(
            (figures.requests(), figures.failures()),
            (24, 1),
            "the failing bucket left"
        );
        assert_eq!(figures.window(), Duration::from_secs(15));
        // A span the buckets do not divide evenly reads whole once full.
        let mut window = Window::new(Duration::from_secs(2), 12);
        window.push(bucket(1, 0));
        assert_eq!(window.figures(0).window(), window.period());
        for _ in 0..12 {
            window.push(bucket(1, 0));
        }
        assert_eq!(window.figures(0).window(), Duration::from_secs(2));
    }
}
