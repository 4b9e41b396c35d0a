//! [`CheckError`]: why a check failed (or passed impaired), with passwords in URLs masked.

/// Why a check failed: a message built from an error and its sources. Or, made by
/// [`CheckError::degraded`], why it passed impaired.
///
/// The message is kept in the [`Snapshot`](crate::health::Snapshot) and logged, never shown in a
/// public body by default; passwords in URLs within it are masked.
///
/// # Degraded: passing, but impaired
///
/// A check whose dependency works but not as it should (a certificate close to expiry, a
/// saturated pool) returns `Err(CheckError::degraded(reason))`. The engine records it as
/// passing: the component turns `degraded` (the probes it counts for answer 200 `degraded`,
/// critical or not), the reason is its error text (shown under the details policy, like a
/// failure's), and for thresholds it counts as a success: it ends a streak of failures, and
/// from `unknown` or `down` it counts toward the
/// [success threshold](crate::checks::NamedCheck::success_threshold) like any passing
/// result. A degraded check that passes fully again is `up` at once, and an `up` one turns
/// `degraded` at once.
///
/// ```
/// use tower_health::{Health, checks::CheckError};
///
/// let health = Health::builder()
///     .check("pool", || async {
///         let (in_use, size) = (10, 10);
///         if in_use < size {
///             Ok(())
///         } else {
///             Err(CheckError::degraded(format!("pool exhausted: {in_use}/{size} in use")))
///         }
///     })
///     .build();
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckError {
    message: String,
    degraded: bool,
}

impl CheckError {
    /// An error from anything that converts into a boxed error; its `source()` chain is
    /// appended to the message. A `CheckError` passes through unchanged (a degraded one
    /// stays degraded).
    pub fn new(error: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        let error = match error.into().downcast::<CheckError>() {
            Ok(error) => return *error,
            Err(error) => error,
        };
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
            degraded: false,
        }
    }

    /// Not a failure: the check passed, impaired, for `reason` (see
    /// [Degraded](CheckError#degraded-passing-but-impaired)).
    pub fn degraded(reason: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        CheckError {
            degraded: true,
            ..CheckError::new(reason)
        }
    }

    /// Whether it marks a passing but impaired result, made by [`CheckError::degraded`].
    pub fn is_degraded(&self) -> bool {
        self.degraded
    }

    /// The failure message (or, degraded, the reason).
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
    fn degraded_survives_conversion() {
        let degraded = CheckError::degraded("pool exhausted: 10/10 in use");
        assert!(degraded.is_degraded());
        let again = CheckError::new(degraded.clone());
        assert_eq!(again, degraded);
        assert!(!CheckError::new("boom").is_degraded());
    }

    #[test]
    fn passwords_in_urls_are_masked() {
        let error = CheckError::new("cannot reach postgres://app:hunter2@db:5432/app");
        assert!(!error.message().contains("hunter2"), "{error}");
        assert!(error.message().contains("db:5432"), "{error}");
    }
}
