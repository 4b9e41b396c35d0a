//! Which request paths the layer answers, and matching them exactly.

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

/// The path of each probe (`None` where the probe is turned off), then of each group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Paths {
    paths: [Option<Box<str>>; 4],
    groups: Box<[Box<str>]>,
}

impl Default for Paths {
    fn default() -> Self {
        Paths {
            paths: Probe::ALL.map(|probe| Some(probe.default_path().into())),
            groups: Box::default(),
        }
    }
}

impl Paths {
    /// The default probe paths and the paths of `groups` (checked when the handle was built:
    /// valid, and none another's).
    pub(crate) fn new(groups: &[Group]) -> Self {
        Paths {
            groups: groups.iter().map(|group| group.path().into()).collect(),
            ..Paths::default()
        }
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
    }

    /// Stop answering `probe`; its path goes to the inner service.
    pub(crate) fn disable(&mut self, probe: Probe) {
        self.paths[probe.index()] = None;
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
    #[inline]
    pub(crate) fn lookup<'a>(&self, path: &'a str) -> Option<Route<'a>> {
        let route = |target, component| Some(Route { target, component });
        if let Some(target) = self.target(path) {
            return route(target, None);
        }
        for probe in [Probe::Readiness, Probe::Combined] {
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
}
