//! The paths the layer answers, modelled apart from the crate: a request the model calls a
//! probe must be answered, any other forwarded untouched, whatever its bytes.

use tower_health::{HealthLayer, Probe};

/// Where the layer answers: each probe's path (`None`: turned off). The groups are
/// [`GROUPS`], the same in every layout.
#[derive(Debug, Clone, Copy)]
pub struct Layout {
    /// `[liveness, readiness, startup, combined]`.
    pub paths: [Option<&'static str>; 4],
}

const PROBES: [Probe; 4] = [
    Probe::Liveness,
    Probe::Readiness,
    Probe::Startup,
    Probe::Combined,
];

/// The default paths, and paths moved about: readiness on `/` (its components on
/// `//<name>`), startup off.
pub const LAYOUTS: [Layout; 2] = [
    Layout {
        paths: [
            Some("/healthz"),
            Some("/readyz"),
            Some("/startupz"),
            Some("/health"),
        ],
    },
    Layout {
        paths: [Some("/livez"), Some("/"), None, Some("/-/health")],
    },
];

/// The components of every health the targets ask.
pub const COMPONENTS: [&str; 4] = ["database", "redis", "search", "queue"];

/// The groups: name, path, the components counted (nested groups resolved; `cache?`, absent,
/// counts for nothing).
pub const GROUPS: [(&str, &str, &[&str]); 2] = [
    ("lb", "/lbz", &["database", "redis"]),
    ("deep", "/deep", &["database", "redis", "search", "queue"]),
];

impl Layout {
    /// `layer` serving this layout's paths.
    pub fn apply(&self, mut layer: HealthLayer) -> HealthLayer {
        for (probe, path) in PROBES.into_iter().zip(self.paths) {
            layer = match path {
                Some(path) => layer.path(probe, path),
                None => layer.disable(probe),
            };
        }
        layer
    }

    /// Every path this layout answers, and a few component paths: each probe's and group's,
    /// `<path>/<name>` for a known and an unknown name where there are components.
    pub fn health_paths(&self) -> Vec<String> {
        let [_, readiness, _, combined] = self.paths;
        let mut paths: Vec<String> = self.paths.iter().flatten().map(|p| p.to_string()).collect();
        for (_, base, _) in GROUPS {
            paths.push(base.to_owned());
        }
        let bases = [readiness, combined].into_iter().flatten();
        for base in bases.chain(GROUPS.map(|(_, base, _)| base)) {
            paths.push(format!("{base}/redis"));
            paths.push(format!("{base}/cache"));
        }
        paths
    }

    /// What the layer must make of a request for `path`.
    pub fn expected<'a>(&self, path: &'a str) -> Expected<'a> {
        let [_, readiness, _, combined] = self.paths;
        if let Some(at) = self.paths.iter().position(|p| *p == Some(path)) {
            let page = PROBES[at] == Probe::Combined;
            return Expected::Answer {
                page,
                component: None,
            };
        }
        if GROUPS.iter().any(|(_, base, _)| *base == path) {
            return Expected::Answer {
                page: false,
                component: None,
            };
        }
        let everything = &COMPONENTS[..];
        let bases = [readiness, combined]
            .into_iter()
            .flatten()
            .map(|b| (b, everything));
        let groups = GROUPS.iter().map(|(_, base, members)| (*base, *members));
        for (base, members) in bases.chain(groups) {
            let Some(name) = path
                .strip_prefix(base)
                .and_then(|rest| rest.strip_prefix('/'))
            else {
                continue;
            };
            if !name.is_empty() && !name.contains('/') {
                let known = members.contains(&name);
                return Expected::Answer {
                    page: false,
                    component: Some((name, known)),
                };
            }
        }
        Expected::Forwarded
    }
}

/// What the layer must do with a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expected<'a> {
    /// Pass it to the app.
    Forwarded,
    /// Answer it: a probe or group, the combined probe's (which has a status page) or one
    /// component, named and known there or not.
    Answer {
        /// Whether the path has a status page (`Accept: text/html`).
        page: bool,
        /// `/<path>/<name>`: the name, and whether it counts there.
        component: Option<(&'a str, bool)>,
    },
}
