//! Which request paths the layer answers, and matching them exactly.

use crate::Probe;

/// The path of each probe, or `None` where the probe is turned off.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Paths {
    paths: [Option<Box<str>>; 4],
}

impl Default for Paths {
    fn default() -> Self {
        Paths {
            paths: Probe::ALL.map(|probe| Some(probe.default_path().into())),
        }
    }
}

impl Paths {
    /// Serve `probe` on `path`.
    ///
    /// # Panics
    ///
    /// When `path` does not start with `/`, holds anything but visible ASCII, a `?` or a
    /// `#`, or is already the path of another probe: configuration mistakes, caught when
    /// the layer is built rather than on a request.
    pub(crate) fn set(&mut self, probe: Probe, path: String) {
        if let Err(problem) = validate(&path) {
            panic!("tower-health: invalid path {path:?} for the {probe} probe: {problem}");
        }
        if let Some(other) = self.lookup(&path).filter(|&other| other != probe) {
            panic!("tower-health: path {path:?} is already the path of the {other} probe");
        }
        self.paths[probe.index()] = Some(path.into_boxed_str());
    }

    /// Stop answering `probe`; its path goes to the inner service.
    pub(crate) fn disable(&mut self, probe: Probe) {
        self.paths[probe.index()] = None;
    }

    /// The probe served on exactly `path` (a URI path, without its query), if any.
    #[inline]
    pub(crate) fn lookup(&self, path: &str) -> Option<Probe> {
        Probe::ALL
            .into_iter()
            .find(|probe| self.paths[probe.index()].as_deref() == Some(path))
    }
}

fn validate(path: &str) -> Result<(), &'static str> {
    if !path.starts_with('/') {
        return Err("a path must start with '/'");
    }
    if !path.bytes().all(|b| b.is_ascii_graphic()) {
        return Err("a path may hold visible ASCII characters only");
    }
    if path.contains(['?', '#']) {
        return Err("a path may not hold '?' or '#'");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_paths_match_exactly() {
        let paths = Paths::default();
        assert_eq!(paths.lookup("/healthz"), Some(Probe::Liveness));
        assert_eq!(paths.lookup("/readyz"), Some(Probe::Readiness));
        assert_eq!(paths.lookup("/startupz"), Some(Probe::Startup));
        assert_eq!(paths.lookup("/health"), Some(Probe::Combined));
        for other in [
            "",
            "/",
            "/healthzx",
            "/healthz/",
            "/healthz/x",
            "//healthz",
            "/%68ealthz",
            "/HEALTHZ",
            "healthz",
            "/health/",
            "/readyz%2F",
        ] {
            assert_eq!(paths.lookup(other), None, "{other:?}");
        }
    }

    #[test]
    fn paths_can_be_moved_and_turned_off() {
        let mut paths = Paths::default();
        paths.set(Probe::Liveness, "/livez".into());
        paths.disable(Probe::Combined);
        assert_eq!(paths.lookup("/livez"), Some(Probe::Liveness));
        assert_eq!(paths.lookup("/healthz"), None);
        assert_eq!(paths.lookup("/health"), None);
        paths.set(Probe::Combined, "/healthz".into());
        assert_eq!(paths.lookup("/healthz"), Some(Probe::Combined));
    }

    #[test]
    fn setting_the_same_path_again_is_fine() {
        let mut paths = Paths::default();
        paths.set(Probe::Readiness, "/readyz".into());
        assert_eq!(paths.lookup("/readyz"), Some(Probe::Readiness));
    }

    #[test]
    #[should_panic(expected = "already the path of the liveness probe")]
    fn two_probes_cannot_share_a_path() {
        Paths::default().set(Probe::Readiness, "/healthz".into());
    }

    #[test]
    fn invalid_paths_are_refused() {
        for bad in ["healthz", "/a b", "/a?b", "/a#b", "/é", ""] {
            assert!(validate(bad).is_err(), "{bad:?}");
        }
        assert!(validate("/-/ready").is_ok());
    }
}
