//! [`BuildError`]: a configuration mistake found when the handle is built.

/// A configuration mistake found by [`HealthBuilder::try_build`](super::HealthBuilder::try_build):
/// two components with one name, a startup requirement, group member or nested group that
/// names nothing, a group path that is invalid or already taken, groups nesting each other in
/// a cycle. The message names the culprit (for a cycle, every group on it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildError {
    message: String,
}

impl BuildError {
    pub(super) fn new(message: String) -> Self {
        BuildError { message }
    }

    /// What is wrong, naming the component, group or path.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl std::fmt::Display for BuildError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for BuildError {}
