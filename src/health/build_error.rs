//! [`BuildError`]: a configuration mistake found when the handle is built.

/// A configuration mistake found by [`HealthBuilder::try_build`](super::HealthBuilder::try_build):
/// two components with one name, a startup requirement or group member that names nothing,
/// a group path that is invalid or already taken. The message names the culprit.
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
