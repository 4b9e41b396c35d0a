//! [`Body`]: one rendered body with the verdict it reports.

use bytes::Bytes;

use super::Format;

/// One rendered body: its bytes, the format they are in, and whether the verdict they
/// report passes.
#[derive(Debug, Clone)]
pub(crate) struct Body {
    /// Whether the verdict passes (the layer answers 200, else 503): `ok`, or `degraded`
    /// where it is not mapped to 503.
    pub(crate) passing: bool,
    pub(crate) format: Format,
    pub(crate) bytes: Bytes,
    /// The body's length in ASCII digits, for a `HEAD` answer's `Content-Length`: written
    /// once here, so answering a `HEAD` shares these bytes instead of formatting a number.
    pub(crate) length: Bytes,
}

impl Body {
    pub(crate) fn new(passing: bool, format: Format, bytes: Bytes) -> Self {
        let length = Bytes::from(bytes.len().to_string());
        Body {
            passing,
            format,
            bytes,
            length,
        }
    }
}
