//! The [`Check`] trait: one probe of a dependency, run by the background engine.

use std::future::Future;
use std::pin::Pin;

use super::error::CheckError;

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

    /// Whether it talks to another host (a database, a cache, an HTTP or TCP service):
    /// `true` for the built-in checks, `false` by default. The
    /// [linter](crate::health::Health::lint) warns when such a check counts for liveness.
    fn is_remote(&self) -> bool {
        false
    }

    /// Told the name it is registered under, once, before it first runs: by
    /// [`NamedCheck::new`](crate::checks::NamedCheck::new), which
    /// [`HealthBuilder::check`](crate::health::HealthBuilder::check) uses too. For a check
    /// that labels something of its own with that name (the TLS check's expiry gauge);
    /// does nothing by default.
    fn set_name(&mut self, name: &str) {
        let _ = name;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn closures_are_checks() {
        let ok = || async { Ok::<(), &str>(()) };
        assert!(ok.check().await.is_ok());
        let failing = || async { Err::<(), _>(String::from("nope")) };
        assert_eq!(failing.check().await.unwrap_err().message(), "nope");
    }
}
