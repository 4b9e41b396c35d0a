//! Verdicts: the overall status of a probe and the status of one component.

use http::StatusCode;

/// The overall verdict of a probe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    /// Everything the probe depends on is passing. HTTP 200.
    Ok,
    /// Only non-critical components are failing. Still HTTP 200.
    Degraded,
    /// Something the probe depends on is failing. HTTP 503.
    Down,
}

impl Status {
    /// The word used in bodies: `ok`, `degraded` or `down`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Degraded => "degraded",
            Status::Down => "down",
        }
    }

    /// Whether the probe passes (`Ok` or `Degraded`).
    pub const fn is_passing(self) -> bool {
        !matches!(self, Status::Down)
    }

    /// The HTTP status a probe answers with: 200 when passing, 503 when down.
    pub const fn http_status(self) -> StatusCode {
        if self.is_passing() {
            StatusCode::OK
        } else {
            StatusCode::SERVICE_UNAVAILABLE
        }
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The status of one component: a dependency check or a manually set component.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ComponentStatus {
    /// No result yet. Counts as failing for readiness.
    Unknown,
    /// Passing.
    Up,
    /// Passing, but impaired (the [`traffic`](crate::Traffic) component over its latency
    /// budget): it fails no probe and makes the probes it counts for `degraded`.
    Degraded,
    /// Failing.
    Down,
}

impl ComponentStatus {
    /// The word used in bodies: `unknown`, `ok`, `degraded` or `down`.
    pub const fn as_str(self) -> &'static str {
        match self {
            ComponentStatus::Unknown => "unknown",
            ComponentStatus::Up => "ok",
            ComponentStatus::Degraded => "degraded",
            ComponentStatus::Down => "down",
        }
    }

    /// Whether the component is fully up (not degraded).
    pub const fn is_up(self) -> bool {
        matches!(self, ComponentStatus::Up)
    }

    /// Whether the component passes: up, or degraded.
    pub const fn is_passing(self) -> bool {
        matches!(self, ComponentStatus::Up | ComponentStatus::Degraded)
    }
}

impl std::fmt::Display for ComponentStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
