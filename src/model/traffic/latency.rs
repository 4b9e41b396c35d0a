//! The fixed log-scale latency histogram: which bucket a latency falls in, and quantiles
//! read back from bucket counts.
//!
//! Latencies are counted in microseconds, four buckets per doubling (each bucket at most
//! 19 % wider than the one before), from 0 µs to about 4 minutes; longer ones share the
//! last bucket. A quantile is read as the upper bound of the bucket it falls in, so it is
//! never under the true value and at most a quarter of a doubling over it.

use std::time::Duration;

/// How many buckets the histogram has.
pub(crate) const BUCKETS: usize = 108;

/// The bucket of a latency of `micros` microseconds.
#[inline]
pub(crate) fn bucket(micros: u64) -> usize {
    if micros < 4 {
        // 0..=3 µs: a bucket each.
        return micros as usize;
    }
    // The doubling it lies in (at least 2), then which quarter of it.
    let doubling = 63 - micros.leading_zeros() as usize;
    let quarter = ((micros >> (doubling - 2)) & 3) as usize;
    (doubling * 4 + quarter - 4).min(BUCKETS - 1)
}

/// The smallest latency, in microseconds, of bucket `index` (`BUCKETS` gives the end of
/// the last one).
pub(crate) fn lower_bound(index: usize) -> u64 {
    if index < 4 {
        return index as u64;
    }
    let doubling = (index + 4) / 4;
    let quarter = (index % 4) as u64;
    (4 + quarter) << (doubling - 2)
}

/// The `q` quantile (0 < q ≤ 1) of the latencies counted in `counts`, one count per bucket:
/// the upper bound of the bucket holding it; `None` when nothing was counted.
pub(crate) fn quantile(counts: &[u64; BUCKETS], q: f64) -> Option<Duration> {
    let total: u64 = counts.iter().sum();
    if total == 0 {
        return None;
    }
    // The rank of the quantile, 1-based: at least the first latency.
    let rank = ((total as f64 * q).ceil() as u64).clamp(1, total);
    let mut seen = 0;
    for (index, count) in counts.iter().enumerate() {
        seen += count;
        if seen >= rank {
            return Some(Duration::from_micros(lower_bound(index + 1)));
        }
    }
    Some(Duration::from_micros(lower_bound(BUCKETS)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_contiguous_and_grow_by_a_quarter_doubling() {
        for index in 0..BUCKETS {
            let low = lower_bound(index);
            let next = lower_bound(index + 1);
            assert!(next > low, "bucket {index}");
            assert_eq!(bucket(low), index, "the lower bound of {index} is in it");
            assert_eq!(
                bucket(next - 1),
                index,
                "the value under the next is in {index}"
            );
            if index >= 4 {
                assert!(
                    (next - low) as f64 / low as f64 <= 0.25 + 1e-9,
                    "bucket {index}"
                );
            }
        }
        assert_eq!(bucket(0), 0);
        assert_eq!(bucket(u64::MAX), BUCKETS - 1, "longer ones share the last");
        assert!(lower_bound(BUCKETS) > 200_000_000, "about 4 minutes");
    }

    #[test]
    fn quantiles_are_upper_bounds_within_a_quarter() {
        let mut counts = [0; BUCKETS];
        assert_eq!(quantile(&counts, 0.99), None);
        // 990 requests at 1 ms, 10 at 38 ms.
        counts[bucket(1_000)] += 990;
        counts[bucket(38_000)] += 10;
        let p50 = quantile(&counts, 0.5).unwrap();
        let p99 = quantile(&counts, 0.99).unwrap();
        let p999 = quantile(&counts, 0.999).unwrap();
        assert!(p50 >= Duration::from_millis(1) && p50 <= Duration::from_micros(1_250));
        assert_eq!(p99, p50, "the 990th is still 1 ms");
        assert!(p999 >= Duration::from_millis(38) && p999 <= Duration::from_micros(47_500));
        assert_eq!(quantile(&counts, 1.0), Some(p999));
    }
}
