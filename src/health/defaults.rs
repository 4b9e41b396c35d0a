//! [`Defaults`]: the check settings the builder gives every check that sets none of its
//! own, and a registered check scheduled for the engine with them.

use std::sync::Arc;
use std::time::Duration;

use crate::checks::NamedCheck;
use crate::engine::Scheduled;
use crate::model::thresholds::Thresholds;

/// The default initial jitter is the check's interval, at most this.
const MAX_DEFAULT_INITIAL_JITTER: Duration = Duration::from_secs(30);

/// The builder's settings for checks that set none of their own.
#[derive(Debug, Clone, Copy)]
pub(super) struct Defaults {
    pub(super) interval: Duration,
    pub(super) timeout: Duration,
    pub(super) thresholds: Thresholds,
    pub(super) initial_jitter: Option<Duration>,
    pub(super) down_interval: Option<Duration>,
}

impl Defaults {
    /// `check`, named `name`, as the engine runs it: its own settings, else these; one
    /// that gates startup runs at once.
    pub(super) fn schedule(
        &self,
        name: Arc<str>,
        check: &NamedCheck,
        gates_startup: bool,
    ) -> Scheduled {
        let at_least = |duration: Duration| duration.max(Duration::from_millis(1));
        let thresholds = self.thresholds;
        let every = at_least(check.interval.unwrap_or(self.interval));
        Scheduled {
            shared: check.shared,
            retired: Arc::default(),
            name,
            check: check.check.clone(),
            interval: every,
            timeout: at_least(check.timeout.unwrap_or(self.timeout)),
            thresholds: Thresholds {
                failures: check
                    .failure_threshold
                    .unwrap_or(thresholds.failures)
                    .max(1),
                successes: check
                    .success_threshold
                    .unwrap_or(thresholds.successes)
                    .max(1),
                down_after: check.down_after.or(thresholds.down_after),
                up_after: check.up_after.or(thresholds.up_after),
            },
            initial_jitter: match check.initial_jitter.or(self.initial_jitter) {
                _ if gates_startup => Duration::ZERO,
                Some(jitter) => jitter,
                None => every.min(MAX_DEFAULT_INITIAL_JITTER),
            },
            down_interval: check
                .down_interval
                .or(self.down_interval)
                .map_or(every, at_least),
        }
    }
}
