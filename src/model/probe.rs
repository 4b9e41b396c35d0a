//! The four probes a health layer answers.

/// One of the health probes the layer answers.
///
/// Each probe has its own path (see [`Probe::default_path`]) and its own meaning; see the
/// crate documentation for the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Probe {
    /// Is the process alive? Never depends on external dependencies. Default path `/healthz`.
    Liveness,
    /// Should traffic be routed here? Default path `/readyz`.
    ///
    /// While its verdict is `degraded` and passes (`200`: only non-critical members fail, or
    /// a critical one fails across the fleet), a readiness answer carries the header
    /// `x-envoy-degraded: degraded`, on `GET` and `HEAD`, in every format (`?verbose`,
    /// health+json, `?exclude=`): Envoy's active HTTP health check then marks the host
    /// degraded, and sends it traffic only once the healthy hosts are not enough. No other
    /// probe says it, nor a readiness answer that is `ok`, `down`, or `degraded` mapped to
    /// `503`.
    Readiness,
    /// Has the application finished starting? A latch. Default path `/startupz`.
    Startup,
    /// Readiness with the whole picture in the body. Default path `/health`.
    Combined,
}

impl Probe {
    /// Every probe, in a fixed order.
    pub const ALL: [Probe; 4] = [
        Probe::Liveness,
        Probe::Readiness,
        Probe::Startup,
        Probe::Combined,
    ];

    /// The path this probe is served on unless configured otherwise.
    ///
    /// ```
    /// use tower_health::Probe;
    /// assert_eq!(Probe::Readiness.default_path(), "/readyz");
    /// ```
    pub const fn default_path(self) -> &'static str {
        match self {
            Probe::Liveness => "/healthz",
            Probe::Readiness => "/readyz",
            Probe::Startup => "/startupz",
            Probe::Combined => "/health",
        }
    }

    /// A short lowercase name: `liveness`, `readiness`, `startup` or `combined`.
    pub const fn name(self) -> &'static str {
        match self {
            Probe::Liveness => "liveness",
            Probe::Readiness => "readiness",
            Probe::Startup => "startup",
            Probe::Combined => "combined",
        }
    }

    /// Position in [`Probe::ALL`], for per-probe tables.
    pub(crate) const fn index(self) -> usize {
        self as usize
    }
}

impl std::fmt::Display for Probe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}
