//! [`ConfigWarning`]: one mistake the linter found.

/// One mistake found by [`Health::lint`](crate::health::Health::lint).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigWarning {
    pub(super) message: String,
}

impl ConfigWarning {
    /// What is wrong and what to do about it.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl std::fmt::Display for ConfigWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}
