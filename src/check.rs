//! The [`Check`] trait: one probe of a dependency, run by the background engine.

use std::future::Future;
use std::pin::Pin;

/// A boxed, sendable future, as returned by [`Check::check`].
pub type CheckFuture<'a> = Pin<Box<dyn Future<Output = Result<(), CheckError>> + Send + 'a>>;

/// One dependency check: `Ok(())` when the dependency is usable, an error otherwise.
///
/// The engine runs it on its interval, drops it when its timeout passes (so it must not
/// rely on running to completion), and catches a panic as a failure. Implemented for async
/// closures returning `Result<(), E>` with any error `E` that converts into a boxed error
/// (`String`, `&str`, any `std::error::Error`):
///
/// ```
/// use tower_health::Health;
///
/// let health = Health::builder()
///     .check("cache-warm", || async {
///         let warmed = true;
///         if warmed { Ok(()) } else { Err("cache not warm yet") }
///     })
///     .build();
/// ```
pub trait Check: Send + Sync + 'static {
    /// Run the check once.
    fn check(&self) -> CheckFuture<'_>;

    /// What the dependency is, in the IETF health+json format's terms (`componentType`):
    /// `component` by default, `datastore` for databases and caches, `system` for hosts.
    fn component_type(&self) -> &'static str {
        "component"
    }
}

impl<F, Fut, E> Check for F
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), E>> + Send + 'static,
    E: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    fn check(&self) -> CheckFuture<'_> {
        let future = self();
        Box::pin(async move { future.await.map_err(CheckError::new) })
    }
}

/// Why a check failed: a message built from an error and its sources.
///
/// The message is kept in the [`Snapshot`](crate::Snapshot) and logged, never shown in a
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
            message: crate::redact::redact(&message),
        }
    }

    /// The failure message.
    pub fn message(&self) -> &str {
        &self.message
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

    #[tokio::test]
    async fn closures_are_checks() {
        let ok = || async { Ok::<(), &str>(()) };
        assert!(ok.check().await.is_ok());
        let failing = || async { Err::<(), _>(String::from("nope")) };
        assert_eq!(failing.check().await.unwrap_err().message(), "nope");
    }
}
