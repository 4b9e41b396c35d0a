//! [`Counters`]: the atomic counters the layer writes for every forwarded request, sharded
//! so that the cores serving requests do not fight over one cache line.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering::Relaxed};

use super::classifier::Classifier;
use super::counts::{CLASSES, Counts, class};
use super::latency::{BUCKETS, bucket};

/// Sharded counters of forwarded requests: each thread records into a shard of its own
/// (threads beyond the shard count share), and a reader sums them.
#[derive(Debug)]
pub(crate) struct Counters {
    shards: Box<[Arc<Shard>]>,
}

/// One shard of the counters, on cache lines of its own, with the classifier that judges
/// the responses it counts.
#[derive(Debug)]
#[repr(align(128))]
pub(crate) struct Shard {
    requests: AtomicU64,
    classes: [AtomicU64; CLASSES],
    failures: AtomicU64,
    errors: AtomicU64,
    abandoned: AtomicU64,
    latency: [AtomicU64; BUCKETS],
    classifier: Classifier,
    /// The clock latencies are read from.
    clock: quanta::Clock,
}

/// The next shard slot handed to a thread.
static NEXT_SLOT: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    /// This thread's shard slot, taken the first time it records.
    static SLOT: usize = NEXT_SLOT.fetch_add(1, Relaxed);
}

impl Counters {
    /// Counters with a shard per two threads the machine runs at once (at least 2, at most
    /// 64, a power of two), each judging responses with `classifier`.
    ///
    /// The first counters of a process calibrate the clock against the system's monotonic
    /// one (up to 200 ms, once).
    pub(crate) fn new(classifier: &Classifier) -> Self {
        let parallelism = std::thread::available_parallelism().map_or(2, |n| n.get());
        let count = (parallelism * 2).clamp(2, 64).next_power_of_two();
        let clock = quanta::Clock::new();
        let shards = (0..count)
            .map(|_| Arc::new(Shard::new(classifier.clone(), clock.clone())))
            .collect();
        Counters { shards }
    }

    /// The shard of the calling thread.
    #[inline]
    pub(crate) fn shard(&self) -> &Arc<Shard> {
        let slot = SLOT.with(|slot| *slot);
        &self.shards[slot & (self.shards.len() - 1)]
    }

    /// Everything counted since the start, summed over the shards.
    pub(crate) fn totals(&self) -> Counts {
        let mut totals = Counts::default();
        for shard in &self.shards {
            totals.add(&shard.read());
        }
        totals
    }

    /// Requests forwarded and not ended yet, read live: what the agent check weighs
    /// against its capacity. Ends are read before starts, so a reading never sees more
    /// ended than started.
    #[cfg_attr(
        not(feature = "probe-server"),
        allow(
            dead_code,
            reason = "read by the probe server's watchdog and agent check"
        )
    )]
    pub(crate) fn in_flight(&self) -> u64 {
        let load = |counter: &AtomicU64| counter.load(Relaxed);
        let ended: u64 = self
            .shards
            .iter()
            .map(|shard| {
                shard.classes.iter().map(load).sum::<u64>()
                    + load(&shard.errors)
                    + load(&shard.abandoned)
            })
            .sum();
        let started: u64 = self.shards.iter().map(|shard| load(&shard.requests)).sum();
        started.saturating_sub(ended)
    }

    /// Requests completed since the start (a response or an error): what the runtime
    /// watchdog reads as progress.
    #[cfg_attr(
        not(feature = "probe-server"),
        allow(
            dead_code,
            reason = "read by the probe server's watchdog and agent check"
        )
    )]
    pub(crate) fn completed(&self) -> u64 {
        let load = |counter: &AtomicU64| counter.load(Relaxed);
        self.shards
            .iter()
            .map(|shard| shard.classes.iter().map(load).sum::<u64>() + load(&shard.errors))
            .sum()
    }
}

impl Shard {
    fn new(classifier: Classifier, clock: quanta::Clock) -> Self {
        Shard {
            requests: AtomicU64::new(0),
            classes: Default::default(),
            failures: AtomicU64::new(0),
            errors: AtomicU64::new(0),
            abandoned: AtomicU64::new(0),
            latency: [const { AtomicU64::new(0) }; BUCKETS],
            classifier,
            clock,
        }
    }

    /// A request was forwarded: counted, and the clock's raw reading returned, to give
    /// [`respond`](Shard::respond) or [`error`](Shard::error).
    #[inline]
    pub(crate) fn start(&self) -> u64 {
        self.requests.fetch_add(1, Relaxed);
        self.clock.raw()
    }

    /// Its response came, with `status` and `headers`, for the request started at the
    /// raw reading `started`.
    #[inline]
    pub(crate) fn respond(
        &self,
        status: http::StatusCode,
        headers: &http::HeaderMap,
        started: u64,
    ) {
        self.record_latency(started);
        self.classes[class(status.as_u16())].fetch_add(1, Relaxed);
        if self.classifier.is_failure(status, headers) {
            self.failures.fetch_add(1, Relaxed);
        }
    }

    /// The inner service returned an error, for the request started at the raw reading
    /// `started`: always a failure.
    #[inline]
    pub(crate) fn error(&self, started: u64) {
        self.record_latency(started);
        self.errors.fetch_add(1, Relaxed);
        self.failures.fetch_add(1, Relaxed);
    }

    /// The response future was dropped before it completed: the client went away.
    #[inline]
    pub(crate) fn abandon(&self) {
        self.abandoned.fetch_add(1, Relaxed);
    }

    #[inline]
    fn record_latency(&self, started: u64) {
        let nanos = self.clock.delta_as_nanos(started, self.clock.raw());
        self.latency[bucket(nanos / 1_000)].fetch_add(1, Relaxed);
    }

    fn read(&self) -> Counts {
        let load = |counter: &AtomicU64| counter.load(Relaxed);
        // Ends before starts: a reading never sees more ended than started.
        let classes = self.classes.each_ref().map(load);
        let errors = load(&self.errors);
        let abandoned = load(&self.abandoned);
        let failures = load(&self.failures);
        let latency = self.latency.each_ref().map(load);
        Counts {
            requests: load(&self.requests),
            classes,
            failures,
            errors,
            abandoned,
            latency,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::{HeaderMap, StatusCode};
    use std::time::Duration;

    #[test]
    fn counts_from_several_threads_add_up() {
        let counters = Arc::new(Counters::new(&Classifier::default()));
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let counters = counters.clone();
                std::thread::spawn(move || {
                    for n in 0..1_000u64 {
                        let shard = counters.shard().clone();
                        let started = shard.start();
                        match n % 10 {
                            0 => shard.error(started),
                            1 => shard.abandon(),
                            2 => shard.respond(
                                StatusCode::SERVICE_UNAVAILABLE,
                                &HeaderMap::new(),
                                started,
                            ),
                            3 => shard.respond(StatusCode::NOT_FOUND, &HeaderMap::new(), started),
                            _ => shard.respond(StatusCode::OK, &HeaderMap::new(), started),
                        }
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
        let totals = counters.totals();
        assert_eq!(totals.requests, 4_000);
        assert_eq!(totals.errors, 400);
        assert_eq!(totals.abandoned, 400);
        assert_eq!(totals.classes, [0, 2_400, 0, 400, 400]);
        assert_eq!(totals.failures, 800, "5xx and errors, never 4xx");
        assert_eq!(totals.in_flight(), 0);
        assert_eq!(counters.in_flight(), 0);
        assert_eq!(counters.completed(), 3_600);
        assert_eq!(totals.latency.iter().sum::<u64>(), 3_600);
    }

    #[test]
    fn latencies_are_timed_by_the_clock() {
        let counters = Counters::new(&Classifier::default());
        let shard = counters.shard();
        let started = shard.start();
        std::thread::sleep(Duration::from_millis(20));
        shard.respond(StatusCode::OK, &HeaderMap::new(), started);
        let p50 = counters.totals().latency_quantile(0.5).unwrap();
        assert!(
            p50 >= Duration::from_millis(20) && p50 < Duration::from_millis(200),
            "{p50:?}"
        );
    }

    #[test]
    fn a_started_request_is_in_flight_until_it_ends() {
        let counters = Counters::new(&Classifier::default());
        counters.shard().start();
        assert_eq!(counters.totals().in_flight(), 1);
        assert_eq!(counters.in_flight(), 1);
        counters.shard().abandon();
        assert_eq!(counters.totals().in_flight(), 0);
        assert_eq!(counters.in_flight(), 0);
    }
}
