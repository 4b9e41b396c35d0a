//! What makes a path a probe can answer on.

/// Whether `path` can be a probe's path: it starts with `/`, holds visible ASCII only, and
/// no `?` or `#` (those would never match a request's path).
pub(crate) fn validate(path: &str) -> Result<(), &'static str> {
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
    fn invalid_paths_are_refused() {
        for bad in ["healthz", "/a b", "/a?b", "/a#b", "/é", ""] {
            assert!(validate(bad).is_err(), "{bad:?}");
        }
        assert!(validate("/-/ready").is_ok());
    }
}
