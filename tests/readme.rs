//! The README shows code that compiles: its Rust snippets are doctests (see the end of
//! `src/lib.rs`), none is left out with `ignore`, and its first snippet is
//! `examples/minimal.rs`, byte for byte, so the app a new user pastes is the one
//! `tests/examples/minimal.rs` runs.

fn read(path: &str) -> String {
    std::fs::read_to_string(format!("{}/{path}", env!("CARGO_MANIFEST_DIR")))
        .unwrap_or_else(|error| panic!("read {path}: {error}"))
}

/// The Rust code blocks of a markdown text: (info string, body).
fn rust_blocks(markdown: &str) -> Vec<(String, String)> {
    let mut blocks = Vec::new();
    let mut open: Option<(String, String)> = None;
    for line in markdown.lines() {
        match (&mut open, line.strip_prefix("```")) {
            (None, Some(info)) => open = Some((info.to_owned(), String::new())),
            (Some(_), Some("")) => blocks.extend(open.take()),
            (Some((_, body)), _) => {
                body.push_str(line);
                body.push('\n');
            }
            (None, None) => {}
        }
    }
    blocks
        .into_iter()
        .filter(|(info, _)| info.split(',').next() == Some("rust"))
        .collect()
}

#[test]
fn every_rust_snippet_is_compiled() {
    let blocks = rust_blocks(&read("README.md"));
    assert!(blocks.len() >= 5, "{} Rust snippets", blocks.len());
    for (info, body) in &blocks {
        assert!(
            !info.contains("ignore"),
            "a README snippet is not compiled ({info}):\n{body}"
        );
    }
}

#[test]
fn the_first_snippet_is_the_minimal_example() {
    let blocks = rust_blocks(&read("README.md"));
    let (info, first) = &blocks[0];
    assert_eq!(info, "rust,no_run");
    assert_eq!(*first, read("examples/minimal.rs"));
}
