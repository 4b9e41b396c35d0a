//! A disk space check: free space on a path's filesystem (Spring's `diskSpace`).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::check::{Check, CheckFuture};
use super::error::CheckError;

/// Passes when the filesystem holding `path` has at least `min_free` bytes available to
/// the process (what `df` shows as available: free space less the blocks reserved for
/// root).
///
/// It fails naming the path and both amounts (`/var/lib/app: 812 MiB free, 1 GiB required`),
/// or why the filesystem could not be read (a path that does not exist). The reading is a
/// `statvfs` (`GetDiskFreeSpaceExW` on Windows), blocking I/O that can hang on a network
/// filesystem, so it runs on tokio's blocking pool: the engine's timeout still ends the
/// run (the stuck thread is left to finish).
///
/// ```
/// use tower_health::{Health, NamedCheck, checks};
///
/// let data = std::env::temp_dir();
/// let health = Health::builder()
///     .add_check(NamedCheck::new("disk", checks::disk(data, 1 << 30)).non_critical())
///     .build();
/// ```
pub fn disk(path: impl Into<PathBuf>, min_free: u64) -> DiskCheck {
    DiskCheck {
        path: Arc::from(path.into()),
        min_free,
    }
}

/// The check made by [`disk()`].
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use tower_health::{Check, checks};
///
/// let dir = std::env::temp_dir();
/// assert!(checks::disk(&dir, 0).check().await.is_ok());
/// let error = checks::disk(&dir, u64::MAX).check().await.unwrap_err();
/// assert!(error.message().ends_with("free, 15.9 EiB required"), "{error}");
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct DiskCheck {
    path: Arc<Path>,
    min_free: u64,
}

impl DiskCheck {
    /// The verdict on `available` bytes (or why they could not be read).
    fn verdict(&self, available: std::io::Result<u64>) -> Result<(), CheckError> {
        let path = self.path.display();
        let free = available
            .map_err(|error| CheckError::new(format!("{path}: cannot read free space: {error}")))?;
        if free >= self.min_free {
            Ok(())
        } else {
            Err(CheckError::new(format!(
                "{path}: {} free, {} required",
                bytes(free),
                bytes(self.min_free)
            )))
        }
    }
}

impl Check for DiskCheck {
    fn component_type(&self) -> &'static str {
        "system"
    }

    fn check(&self) -> CheckFuture<'_> {
        let path = self.path.clone();
        Box::pin(async move {
            let available = tokio::task::spawn_blocking(move || fs4::available_space(&path))
                .await
                .unwrap_or_else(|error| Err(std::io::Error::other(error)));
            self.verdict(available)
        })
    }
}

/// `amount` in binary units, to a tenth below 100 of a unit (`812 MiB`, `1.5 GiB`, `0 B`),
/// rounded down: a shortfall never reads as enough.
fn bytes(amount: u64) -> String {
    const UNITS: [&str; 7] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    let mut unit = 0;
    while unit + 1 < UNITS.len() && amount >> (10 * (unit + 1)) > 0 {
        unit += 1;
    }
    let scale = 1u128 << (10 * unit);
    let tenths = u128::from(amount) * 10 / scale;
    let (whole, tenth) = (tenths / 10, tenths % 10);
    if whole >= 100 || tenth == 0 {
        format!("{whole} {}", UNITS[unit])
    } else {
        format!("{whole}.{tenth} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_read_in_binary_units() {
        assert_eq!(bytes(0), "0 B");
        assert_eq!(bytes(1023), "1023 B");
        assert_eq!(bytes(1024), "1 KiB");
        assert_eq!(bytes(1536), "1.5 KiB");
        assert_eq!(bytes(812 * 1024 * 1024 + 500_000), "812 MiB");
        assert_eq!(bytes(1 << 30), "1 GiB");
        assert_eq!(bytes((1 << 30) - 1), "1023 MiB");
        assert_eq!(bytes(31 * (1 << 30) + (1 << 29)), "31.5 GiB");
        assert_eq!(bytes(u64::MAX), "15.9 EiB");
    }

    #[test]
    fn the_reason_names_the_path_and_both_amounts() {
        let check = disk("/var/lib/app", 1 << 30);
        let error = check.verdict(Ok(812 * 1024 * 1024)).unwrap_err();
        assert_eq!(
            error.message(),
            "/var/lib/app: 812 MiB free, 1 GiB required"
        );
        assert!(check.verdict(Ok(1 << 30)).is_ok());
        let missing = std::io::Error::from(std::io::ErrorKind::NotFound);
        let error = check.verdict(Err(missing)).unwrap_err();
        assert!(
            error
                .message()
                .starts_with("/var/lib/app: cannot read free space: "),
            "{error}"
        );
    }
}
