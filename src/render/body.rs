//! [`Body`]: one rendered body with the verdict it reports.

use bytes::Bytes;

use super::Format;
use crate::model::status::Status;

/// One rendered body: its bytes, the format they are in, and whether the verdict they
/// report passes, and passes degraded.
#[derive(Debug, Clone)]
pub(crate) struct Body {
    /// Whether the verdict passes (the layer answers 200, else 503): `ok`, or `degraded`
    /// where it is not mapped to 503.
    pub(crate) passing: bool,
    /// Whether the verdict is `degraded` and passes: 200 while non-critical members fail.
    pub(crate) degraded: bool,
    pub(crate) format: Format,
    pub(crate) bytes: Bytes,
    /// The body's length in ASCII digits, for a `HEAD` answer's `Content-Length`: written
    /// once here, so answering a `HEAD` shares these bytes instead of formatting a number.
    pub(crate) length: Bytes,
}

impl Body {
    /// The body reporting `verdict`, which passes or not (`passing`), as `bytes` in `format`.
    pub(crate) fn new(verdict: Status, passing: bool, format: Format, bytes: Bytes) -> Self {
        let length = Bytes::from(bytes.len().to_string());
        Body {
            passing,
            degraded: passing && verdict == Status::Degraded,
            format,
            bytes,
            length,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn degraded_only_while_the_degraded_verdict_passes() {
        let body = |verdict, passing| Body::new(verdict, passing, Format::Json, Bytes::new());
        assert!(body(Status::Degraded, true).degraded);
        // Mapped to 503: failing, so not degraded.
        assert!(!body(Status::Degraded, false).degraded);
        assert!(!body(Status::Ok, true).degraded);
        assert!(!body(Status::Down, false).degraded);
    }
}
