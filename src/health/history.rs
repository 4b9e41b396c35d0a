//! The builder's memory of the past: how many status changes each component keeps, and
//! when a component counts as flapping.

use std::time::Duration;

use super::HealthBuilder;

impl HealthBuilder {
    /// Keep the last `length` status changes of each component (default 20; 0 keeps none).
    /// They show in [`Component::history`](crate::model::Component::history), in the
    /// combined body and health+json with `?history`, and on the HTML status page. Each
    /// entry holds its error text cut at 256 bytes, so memory stays bounded whatever the
    /// churn.
    ///
    /// ```
    /// use tower_health::Health;
    ///
    /// let health = Health::builder().component("consumer").history_length(3).build();
    /// for _ in 0..10 {
    ///     health.mark_up("consumer");
    ///     health.mark_down("consumer", "rebalancing");
    /// }
    /// let snapshot = health.snapshot();
    /// let history: Vec<_> = snapshot.component("consumer").unwrap().history().collect();
    /// assert_eq!(history.len(), 3);
    /// assert_eq!(history[2].error.as_deref(), Some("rebalancing"));
    /// ```
    pub fn history_length(mut self, length: usize) -> Self {
        self.state.history.length = length;
        self
    }

    /// Mark a component flapping when it changes status at least `changes` times within
    /// `window` (default 5 within 10 minutes), until it settles: a whole `window` without
    /// a change. Flapping shows in bodies, the status page, metrics
    /// (`health_check_flapping`), [transitions](crate::model::Transition::flapping) and
    /// logs. A `changes` of 0 turns detection off.
    ///
    /// ```
    /// use std::time::Duration;
    /// use tower_health::Health;
    ///
    /// let health = Health::builder()
    ///     .component("consumer")
    ///     .flap_detection(4, Duration::from_secs(60))
    ///     .build();
    /// for _ in 0..2 {
    ///     health.mark_up("consumer");
    ///     health.mark_down("consumer", "rebalancing");
    /// }
    /// assert!(health.snapshot().component("consumer").unwrap().is_flapping());
    /// ```
    pub fn flap_detection(mut self, changes: u32, window: Duration) -> Self {
        self.state.history.flap.changes = changes;
        self.state.history.flap.window = window;
        self
    }
}
