//! Which request paths the layer answers, and matching them exactly.

use super::prefilter::SecondBytes;
use crate::model::group::Group;
use crate::model::path;
use crate::model::probe::Probe;
use crate::model::target::Target;

/// What a health request asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Route<'a> {
    /// The probe or group.
    pub(crate) target: Target,
    /// `/readyz/<name>`: one component only.
    pub(crate) component: Option<&'a str>,
}

/// The probes with a sub-path per component, `<path>/<name>` (groups have them too).
const WITH_COMPONENTS: [Probe; 2] = [Probe::Readiness, Probe::Combined];

/// The path of each probe (`None` where the probe is turned off), then of each group, and
/// the prefilter made from them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Paths {
    paths: [Option<Box<str>>; 4],
    groups: Box<[Box<str>]>,
    /// Rebuilt whenever a path changes.
    second: SecondBytes,
}

impl Default for Paths {
    fn default() -> Self {
        Paths::new(&[])
    }
}

impl Paths {
    /// The default probe paths and the paths of `groups` (checked when the handle was built:
    /// valid, and none another's).
    pub(crate) fn new(groups: &[Group]) -> Self {
        let mut paths = Paths {
            paths: Probe::ALL.map(|probe| Some(probe.default_path().into())),
            groups: groups.iter().map(|group| group.path().into()).collect(),
            second: SecondBytes::default(),
        };
        paths.prefilter();
        paths
    }

    /// Rebuild the prefilter from the paths: every exact path, and every `<base>/<name>`
    /// under readiness, combined and the groups.
    fn prefilter(&mut self) {
        let mut second = SecondBytes::default();
        for (probe, path) in Probe::ALL.iter().zip(&self.paths) {
            if let Some(path) = path {
                second.add(path, WITH_COMPONENTS.contains(probe));
            }
        }
        for group in &self.groups {
            second.add(group, true);
        }
        self.second = second;
    }

    /// Serve `probe` on `path`.
    ///
    /// # Panics
    ///
    /// When `path` does not start with `/`, holds anything but visible ASCII, a `?` or a
    /// `#`, or is already the path of another probe or a group: configuration mistakes,
    /// caught when the layer is built rather than on a request.
    pub(crate) fn set(&mut self, probe: Probe, path: String) {
        if let Err(problem) = path::validate(&path) {
            panic!("tower-health: invalid path {path:?} for the {probe} probe: {problem}");
        }
        match self.target(&path) {
            Some(Target::Probe(other)) if other != probe => {
                panic!("tower-health: path {path:?} is already the path of the {other} probe")
            }
            Some(Target::Group(_)) => {
                panic!("tower-health: path {path:?} is already the path of a group")
            }
            _ => {}
        }
        self.paths[probe.index()] = Some(path.into_boxed_str());
        self.prefilter();
    }

    /// Stop answering `probe`; its path goes to the inner service.
    pub(crate) fn disable(&mut self, probe: Probe) {
        self.paths[probe.index()] = None;
        self.prefilter();
    }

    /// The probe or group served on exactly `path` (a URI path, without its query), if any.
    #[inline]
    pub(crate) fn target(&self, path: &str) -> Option<Target> {
        // Lengths first: a miss, the common case, compares no bytes.
        let same = |candidate: &str| candidate.len() == path.len() && candidate == path;
        for probe in Probe::ALL {
            if self.paths[probe.index()].as_deref().is_some_and(same) {
                return Some(Target::Probe(probe));
            }
        }
        let position = self.groups.iter().position(|group| same(group))?;
        Some(Target::Group(position))
    }

    /// What `path` asks for: a probe or group on its exact path, or one component of
    /// readiness, combined or a group on `<path>/<name>` (one segment, not empty).
    ///
    /// A forwarded request's path, the common case, is nearly always turned away by the
    /// prefilter: one byte loaded and one bit tested, before any length or byte compared.
    #[inline]
    pub(crate) fn lookup<'a>(&self, path: &'a str) -> Option<Route<'a>> {
        if !self.second.may_match(path) {
            return None;
        }
        self.exact(path)
    }

    /// [`Paths::lookup`] without the prefilter: the exact matching.
    #[inline]
    fn exact<'a>(&self, path: &'a str) -> Option<Route<'a>> {
        let route = |target, component| Some(Route { target, component });
        if let Some(target) = self.target(path) {
            return route(target, None);
        }
        for probe in WITH_COMPONENTS {
            let base = self.paths[probe.index()].as_deref();
            if let Some(name) = base.and_then(|base| component(path, base)) {
                return route(Target::Probe(probe), Some(name));
            }
        }
        for (position, base) in self.groups.iter().enumerate() {
            if let Some(name) = component(path, base) {
                return route(Target::Group(position), Some(name));
            }
        }
        None
    }
}

/// The `<name>` of `path` when it is `<base>/<name>` (one segment, not empty).
#[inline]
fn component<'a>(path: &'a str, base: &str) -> Option<&'a str> {
    // The `/` after the base first: one byte rules out nearly every other path.
    if path.as_bytes().get(base.len()) != Some(&b'/') {
        return None;
    }
    let name = path.strip_prefix(base)?.get(1..)?;
    (!name.is_empty() && !name.contains('/')).then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_paths_match_exactly() {
        let paths = Paths::default();
        assert_eq!(
            paths.target("/healthz"),
            Some(Target::Probe(Probe::Liveness))
        );
        assert_eq!(
            paths.target("/readyz"),
            Some(Target::Probe(Probe::Readiness))
        );
        assert_eq!(
            paths.target("/startupz"),
            Some(Target::Probe(Probe::Startup))
        );
        assert_eq!(
            paths.target("/health"),
            Some(Target::Probe(Probe::Combined))
        );
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
            assert_eq!(paths.target(other), None, "{other:?}");
        }
    }

    #[test]
    fn paths_can_be_moved_and_turned_off() {
        let mut paths = Paths::default();
        paths.set(Probe::Liveness, "/livez".into());
        paths.disable(Probe::Combined);
        assert_eq!(paths.target("/livez"), Some(Target::Probe(Probe::Liveness)));
        assert_eq!(paths.target("/healthz"), None);
        assert_eq!(paths.target("/health"), None);
        paths.set(Probe::Combined, "/healthz".into());
        assert_eq!(
            paths.target("/healthz"),
            Some(Target::Probe(Probe::Combined))
        );
    }

    #[test]
    fn components_of_readiness_and_combined_have_sub_paths() {
        let paths = Paths::default();
        let route = |probe, component| {
            Some(Route {
                target: Target::Probe(probe),
                component,
            })
        };
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
        assert_eq!(
            paths.target("/readyz"),
            Some(Target::Probe(Probe::Readiness))
        );
    }

    #[test]
    #[should_panic(expected = "already the path of the liveness probe")]
    fn two_probes_cannot_share_a_path() {
        Paths::default().set(Probe::Readiness, "/healthz".into());
    }

    #[test]
    fn groups_have_paths_and_sub_paths() {
        let groups = [Group::new("lb", "/lbz").members(["db"])];
        let paths = Paths::new(&groups);
        assert_eq!(paths.target("/lbz"), Some(Target::Group(0)));
        assert_eq!(
            paths.target("/readyz"),
            Some(Target::Probe(Probe::Readiness))
        );
        let route = paths.lookup("/lbz/db").unwrap();
        assert_eq!(
            (route.target, route.component),
            (Target::Group(0), Some("db"))
        );
        assert_eq!(paths.lookup("/lbzz"), None);
    }

    #[test]
    #[should_panic(expected = "path \"/lbz\" is already the path of a group")]
    fn a_probe_cannot_take_a_group_path() {
        let groups = [Group::new("lb", "/lbz")];
        Paths::new(&groups).set(Probe::Liveness, "/lbz".into());
    }

    /// The prefilter never turns away a path the exact matching would answer.
    fn agrees(paths: &Paths, candidates: &[&str]) {
        for path in candidates {
            let exact = paths.exact(path);
            assert_eq!(paths.lookup(path), exact, "{path:?}");
            if exact.is_some() {
                assert!(paths.second.may_match(path), "{path:?}");
            }
        }
    }

    const CANDIDATES: &[&str] = &[
        "",
        "/",
        "//",
        "//x",
        "/a",
        "/h",
        "/x",
        "/api/items",
        "/healthz",
        "/health",
        "/health/db",
        "/readyz",
        "/readyz/redis",
        "/readyz/",
        "/startupz",
        "/livez",
        "/livez/x",
        "/lbz",
        "/lbz/db",
        "/-/ready",
        "/-/ready/db",
        "/é",
        "/\u{ff}",
    ];

    #[test]
    fn the_prefilter_turns_away_other_second_bytes() {
        let paths = Paths::default();
        for other in ["", "/", "/a", "/api/items", "//healthz", "/HEALTHZ", "/é"] {
            assert!(!paths.second.may_match(other), "{other:?}");
            assert_eq!(paths.lookup(other), None, "{other:?}");
        }
        // Second byte in the set, yet no health path: the exact matching says no.
        for near in ["/hello", "/readyzz", "/status", "/h", "/r/x"] {
            assert!(paths.second.may_match(near), "{near:?}");
            assert_eq!(paths.lookup(near), None, "{near:?}");
        }
        agrees(&paths, CANDIDATES);
    }

    #[test]
    fn the_prefilter_follows_moved_and_disabled_probes() {
        let mut paths = Paths::default();
        paths.set(Probe::Liveness, "/livez".into());
        paths.disable(Probe::Combined);
        assert!(paths.second.may_match("/livez"));
        // No path starts `/h` any more.
        assert!(!paths.second.may_match("/healthz"));
        assert!(!paths.second.may_match("/health/db"));
        agrees(&paths, CANDIDATES);
        paths.set(Probe::Combined, "/-/ready".into());
        assert_eq!(
            paths.lookup("/-/ready/db").map(|route| route.component),
            Some(Some("db"))
        );
        agrees(&paths, CANDIDATES);
        for probe in Probe::ALL {
            paths.disable(probe);
        }
        for path in CANDIDATES {
            assert!(!paths.second.may_match(path), "{path:?}");
        }
        agrees(&paths, CANDIDATES);
    }

    #[test]
    fn the_prefilter_lets_groups_and_their_sub_paths_through() {
        let groups = [Group::new("lb", "/lbz").members(["db"])];
        let paths = Paths::new(&groups);
        assert!(paths.second.may_match("/lbz"));
        assert!(paths.second.may_match("/lbz/db"));
        assert!(!paths.second.may_match("/x"));
        agrees(&paths, CANDIDATES);
    }

    #[test]
    fn the_prefilter_knows_paths_of_one_byte() {
        let mut paths = Paths::default();
        assert!(!paths.second.may_match("/"));
        paths.set(Probe::Readiness, "/".into());
        assert_eq!(
            paths.lookup("/"),
            Some(Route {
                target: Target::Probe(Probe::Readiness),
                component: None,
            })
        );
        // Sub-paths of `/` are `//<name>`.
        assert_eq!(
            paths.lookup("//redis").map(|route| route.component),
            Some(Some("redis"))
        );
        agrees(&paths, CANDIDATES);
        let mut paths = Paths::default();
        paths.set(Probe::Liveness, "/".into());
        assert_eq!(
            paths.lookup("/").map(|route| route.target),
            Some(Target::Probe(Probe::Liveness))
        );
        assert_eq!(paths.lookup("//x"), None);
        agrees(&paths, CANDIDATES);
    }
}
