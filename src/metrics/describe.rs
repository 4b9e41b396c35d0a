//! The help text and unit of every metric, told the recorder once.

use ::metrics::{Unit, describe_counter, describe_gauge, describe_histogram};

use super::{
    CHECK_CRITICAL, CHECK_DEMOTED, CHECK_DOWN_ACROSS_FLEET, CHECK_DURATION, CHECK_FAILURES,
    CHECK_FLAPPING, CHECK_STATUS, PEER_REQUESTS, PROBE_STATUS,
};

/// Describe every metric (help text, and unit where it has one) to the current recorder.
pub(super) fn describe() {
    // The status gauges are codes, not quantities: no unit.
    describe_gauge!(
        CHECK_STATUS,
        "Status of each health check and component: 1 up, 0.5 degraded, 0 down, -1 unknown (no result yet)."
    );
    describe_histogram!(
        CHECK_DURATION,
        Unit::Seconds,
        "How long each health check run took, timeouts included."
    );
    describe_gauge!(
        CHECK_FAILURES,
        Unit::Count,
        "Failures in a row of each health check up to its last result."
    );
    describe_gauge!(
        PROBE_STATUS,
        "Verdict of each health probe: 1 passing (ok or degraded, HTTP 200), 0 failing (HTTP 503)."
    );
    describe_gauge!(
        CHECK_FLAPPING,
        "Each health check and manual component: 1 while it flaps (changes status too often), 0 otherwise."
    );
    describe_gauge!(
        CHECK_CRITICAL,
        "Each health check and manual component: 1 when its failure fails the probes it counts for, 0 when it only degrades them."
    );
    describe_gauge!(
        CHECK_DEMOTED,
        "Each health check and manual component: 1 while an operator has demoted it to report-only (it fails no probe), 0 otherwise."
    );
    describe_gauge!(
        CHECK_DOWN_ACROSS_FLEET,
        "Each shared health check: 1 down here and across the fleet (readiness holds), 0 otherwise."
    );
    describe_counter!(
        PEER_REQUESTS,
        Unit::Count,
        "Questions to peers about a failing shared health check, by answer: up, down, none."
    );
    #[cfg(feature = "tls")]
    super::certificate::describe();
}
