//! The source tree keeps its shape: dependencies between the top-level modules run one way
//! along the data flow, no source file grows past 400 lines (generated code aside), and
//! modules import their neighbours by module path, not through the crate root's re-exports.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The stages in flow order: a module may use only the ones before it.
const STAGES: &[&str] = &[
    "model",
    "checks",
    "engine",
    "render",
    "metrics",
    "fleet",
    "lint",
    "health",
    "layer",
    "probe_server",
    "grpc",
];

fn sources(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            sources(&path, found);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            found.push(path);
        }
    }
}

fn src() -> Vec<PathBuf> {
    let mut found = Vec::new();
    sources(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut found,
    );
    found.sort();
    found
}

/// The top-level module a file under `src/` belongs to (`None` for `lib.rs`).
fn stage_of(path: &Path) -> Option<String> {
    let relative = path
        .strip_prefix(Path::new(env!("CARGO_MANIFEST_DIR")).join("src"))
        .unwrap();
    let first = relative.components().next()?.as_os_str().to_str()?;
    let name = first.strip_suffix(".rs").unwrap_or(first);
    (name != "lib").then(|| name.to_owned())
}

/// The code of a file without its comments and without its `#[cfg(test)]` module (tests
/// may reach anywhere).
fn code(path: &Path) -> String {
    let text = std::fs::read_to_string(path).expect("read source");
    let text = match text.find("#[cfg(test)]\nmod tests") {
        Some(at) => &text[..at],
        None => &text,
    };
    text.lines()
        .map(|line| line.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Which top-level modules a piece of code uses through `crate::<module>`.
fn uses(code: &str) -> BTreeSet<String> {
    code.match_indices("crate::")
        .filter_map(|(at, _)| {
            let rest = &code[at + "crate::".len()..];
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            let name = &rest[..end];
            STAGES.contains(&name).then(|| name.to_owned())
        })
        .collect()
}

#[test]
fn dependencies_run_one_way_along_the_flow() {
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for path in src() {
        let Some(stage) = stage_of(&path) else {
            continue;
        };
        assert!(
            STAGES.contains(&stage.as_str()),
            "{stage} is not a known stage"
        );
        for used in uses(&code(&path)) {
            if used != stage {
                edges.entry(stage.clone()).or_default().insert(used);
            }
        }
    }
    let position = |name: &str| STAGES.iter().position(|stage| *stage == name).unwrap();
    let upward: Vec<String> = edges
        .iter()
        .flat_map(|(from, to)| to.iter().map(move |to| (from, to)))
        .filter(|(from, to)| position(to) > position(from))
        .map(|(from, to)| format!("{from} uses {to}"))
        .collect();
    assert!(upward.is_empty(), "imports against the flow: {upward:?}");
    // The flow itself is visible: each later stage reads the model.
    for stage in ["render", "health", "layer"] {
        assert!(
            edges[stage].contains("model"),
            "{stage} does not read the model"
        );
    }
    assert!(
        !edges.contains_key("model"),
        "the model uses nothing: {edges:?}"
    );
}

#[test]
fn no_module_imports_through_the_crate_root() {
    let mut offenders = Vec::new();
    for path in src() {
        let code = code(&path);
        if code.contains("use crate::{")
            || code.lines().any(|line| {
                let line = line.trim();
                line.starts_with("use crate::")
                    && line.trim_end_matches(';').matches("::").count() == 1
            })
        {
            offenders.push(path.display().to_string());
        }
    }
    assert!(
        offenders.is_empty(),
        "imports through the crate root in {offenders:?}"
    );
}

/// The files generated from a schema rather than written (`src/grpc/pb.rs`, from the gRPC
/// health proto; tests/grpc_codegen.rs keeps it what the proto generates). Nobody edits them,
/// so the length rule is not theirs.
const GENERATED: &[&str] = &["src/grpc/pb.rs"];

#[test]
fn no_source_file_is_over_400_lines() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let generated: Vec<PathBuf> = GENERATED.iter().map(|file| root.join(file)).collect();
    for path in &generated {
        let text = std::fs::read_to_string(path).expect("a generated file");
        assert!(
            text.starts_with("// This file is @generated by prost-build."),
            "{} is not generated any more: drop it from GENERATED",
            path.display()
        );
    }
    let long: Vec<String> = src()
        .into_iter()
        .filter(|path| !generated.contains(path))
        .filter_map(|path| {
            let lines = std::fs::read_to_string(&path).unwrap().lines().count();
            (lines > 400).then(|| format!("{}: {lines}", path.display()))
        })
        .collect();
    assert!(long.is_empty(), "files over 400 lines: {long:?}");
}
