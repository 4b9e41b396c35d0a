//! The query parameters a health path understands: `verbose`, `history` and `exclude`.

use std::collections::HashSet;

/// What a request's query asks of a probe.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct View<'a> {
    /// `?verbose`: the kube-apiserver style plain-text listing.
    pub(crate) verbose: bool,
    /// `?history`: each component's last status changes in the JSON formats.
    pub(crate) history: bool,
    /// `?exclude=name` (repeatable): components left out of the verdict.
    pub(crate) exclude: Vec<&'a str>,
}

impl<'a> View<'a> {
    /// Read `query` (without the `?`). Unknown, empty or repeated keys are harmless; values
    /// are taken as written.
    pub(crate) fn parse(query: Option<&'a str>) -> Self {
        let mut view = View::default();
        let Some(query) = query else {
            return view;
        };
        for pair in query.split('&') {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            match key {
                "verbose" => view.verbose = !matches!(value, "0" | "false"),
                "history" => view.history = !matches!(value, "0" | "false"),
                "exclude" if !value.is_empty() => view.exclude.push(value),
                _ => {}
            }
        }
        // Repeated names once each, the first kept: linear in the query, whatever its length.
        if view.exclude.len() > 1 {
            let mut seen = HashSet::with_capacity(view.exclude.len());
            view.exclude.retain(|name| seen.insert(*name));
        }
        view
    }

    /// Whether the answer is the pre-rendered one for the probe's format.
    pub(crate) fn is_plain(&self) -> bool {
        self.exclude.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_verbose_and_exclude() {
        assert_eq!(View::parse(None), View::default());
        assert!(View::parse(Some("verbose")).verbose);
        assert!(View::parse(Some("verbose=1")).verbose);
        assert!(View::parse(Some("x=1&verbose=true")).verbose);
        assert!(!View::parse(Some("verbose=0")).verbose);
        assert!(View::parse(Some("history")).history);
        assert!(View::parse(Some("verbose&history=1")).history);
        assert!(!View::parse(Some("history=false")).history);
        let view = View::parse(Some(
            "exclude=redis&exclude=db&exclude=redis&exclude=&&=&exclude",
        ));
        assert_eq!(view.exclude, ["redis", "db"]);
        assert!(!view.is_plain());
        assert!(View::parse(Some("&&&")).is_plain());
    }

    #[test]
    fn thousands_of_repeated_names_are_read_once_each_in_order() {
        let query: String = (0..20_000)
            .map(|n| format!("exclude=n{}&", n % 5_000))
            .collect();
        let view = View::parse(Some(&query));
        assert_eq!(view.exclude.len(), 5_000);
        assert_eq!(view.exclude[..3], ["n0", "n1", "n2"]);
    }
}
