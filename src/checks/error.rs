//! [`CheckError`]: why a check failed, with passwords in URLs masked.

/// Why a check failed: a message built from an error and its sources.
///
/// The message is kept in the [`Snapshot`](crate::health::Snapshot) and logged, never shown in a
/// public body by default; passwords in URLs within it are masked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckError {
    message: String,
}

impl CheckError {
    /// An error from anything that converts into a boxed error; its `source()` chain is
    /// appended to the message.
    pub fn new(error: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        let error = error.into();
        let mut message = error.to_string();
        let mut source = error.source();
        while let Some(cause) = source {
            let text = cause.to_string();
            if !message.contains(&text) {
                message.push_str(": ");
                message.push_str(&text);
            }
            source = cause.source();
        }
        CheckError {
            message: super::redact::redact(&message),
        }
    }

    /// The failure message.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The failure message, owned.
    pub(crate) fn into_message(self) -> String {
        self.message
    }
}

impl std::fmt::Display for CheckError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CheckError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Outer(std::io::Error);
    impl std::fmt::Display for Outer {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("query failed")
        }
    }
    impl std::error::Error for Outer {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            Some(&self.0)
        }
    }

    #[test]
    fn message_carries_the_source_chain() {
        let error = CheckError::new(Outer(std::io::Error::other("connection reset")));
        assert_eq!(error.message(), "query failed: connection reset");
    }

    #[test]
    fn passwords_in_urls_are_masked() {
        let error = CheckError::new("cannot reach postgres://app:hunter2@db:5432/app");
        assert!(!error.message().contains("hunter2"), "{error}");
        assert!(error.message().contains("db:5432"), "{error}");
    }
}
