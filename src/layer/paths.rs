//! Which request paths the layer answers, and matching them exactly.

use crate::model::probe::Probe;

/// What a health request asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Route<'a> {
    pub(crate) probe: Probe,
    /// `/readyz/<name>`: one component only.
    pub(crate) component: Option<&'a str>,
}

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
        if let Some(other) = self.probe(&path).filter(|&other| other != probe) {
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
    pub(crate) fn probe(&self, path: &str) -> Option<Probe> {
        // Lengths first: a miss, the common case, compares no bytes.
        Probe::ALL.into_iter().find(|probe| {
            let probe_path = self.paths[probe.index()].as_deref();
            probe_path.is_some_and(|p| p.len() == path.len() && p == path)
        })
    }

    /// What `path` asks for: a probe on its exact path, or one component of readiness or
    /// combined on `<path>/<name>` (one segment, not empty).
    #[inline]
    pub(crate) fn lookup<'a>(&self, path: &'a str) -> Option<Route<'a>> {
        if let Some(probe) = self.probe(path) {
            return Some(Route {
                probe,
                component: None,
            });
        }
        [Probe::Readiness, Probe::Combined]
            .into_iter()
            .find_map(|probe| {
                let base = self.paths[probe.index()].as_deref()?;
                // The `/` after the base first: one byte rules out nearly every other path.
                if path.as_bytes().get(base.len()) != Some(&b'/') {
                    return None;
                }
                let name = path.strip_prefix(base)?.get(1..)?;
                (!name.is_empty() && !name.contains('/')).then_some(Route {
                    probe,
                    component: Some(name),
                })
            })
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
        assert_eq!(paths.probe("/healthz"), Some(Probe::Liveness));
        assert_eq!(paths.probe("/readyz"), Some(Probe::Readiness));
        assert_eq!(paths.probe("/startupz"), Some(Probe::Startup));
        assert_eq!(paths.probe("/health"), Some(Probe::Combined));
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
            assert_eq!(paths.probe(other), None, "{other:?}");
        }
    }

    #[test]
    fn paths_can_be_moved_and_turned_off() {
        let mut paths = Paths::default();
        paths.set(Probe::Liveness, "/livez".into());
        paths.disable(Probe::Combined);
        assert_eq!(paths.probe("/livez"), Some(Probe::Liveness));
        assert_eq!(paths.probe("/healthz"), None);
        assert_eq!(paths.probe("/health"), None);
        paths.set(Probe::Combined, "/healthz".into());
        assert_eq!(paths.probe("/healthz"), Some(Probe::Combined));
    }

    #[test]
    fn components_of_readiness_and_combined_have_sub_paths() {
        let paths = Paths::default();
        let route = |probe, component| Some(Route { probe, component });
        assert_eq!(paths.lookup("/readyz"), route(Probe::Readiness, None));
        assert_eq!(
            paths.lookup("/readyz/redis"),
            route(Probe::Readiness, Some("redis"))
        );
        assert_eq!(
            paths.lookup("/health/db"),
            route(Probe::Combined, Some("db"))
        );
        for other in [
            "/readyz/",
            "/readyz/a/b",
            "/healthz/x",
            "/startupz/x",
            "/readyzx/y",
            "//readyz/x",
        ] {
            assert_eq!(paths.lookup(other), None, "{other:?}");
        }
        let long = format!("/readyz/{}", "n".repeat(10_000));
        assert_eq!(
            paths.lookup(&long).unwrap().component.unwrap().len(),
            10_000
        );
    }

    #[test]
    fn setting_the_same_path_again_is_fine() {
        let mut paths = Paths::default();
        paths.set(Probe::Readiness, "/readyz".into());
        assert_eq!(paths.probe("/readyz"), Some(Probe::Readiness));
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
