//! [`Scope`]: which components count toward a verdict.

/// Which components count toward a verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scope<'a> {
    /// Every component (the probe's normal verdict).
    All,
    /// Every component but these (`?exclude=`).
    Exclude(&'a [&'a str]),
    /// This one component only (`/readyz/<name>`); the lifecycle does not count.
    Only(&'a str),
}

impl Scope<'_> {
    /// Whether the component named `name` counts.
    pub(crate) fn counts(&self, name: &str) -> bool {
        match self {
            Scope::All => true,
            Scope::Exclude(names) => !names.contains(&name),
            Scope::Only(only) => *only == name,
        }
    }
}
