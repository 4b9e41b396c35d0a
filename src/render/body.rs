//! [`Body`]: one rendered body with the verdict it reports.

use bytes::Bytes;

use super::Format;
use crate::model::status::Status;

/// One rendered body: its bytes, the format they are in, and the verdict they report.
#[derive(Debug, Clone)]
pub(crate) struct Body {
    /// The verdict the body reports (the layer answers 200 or 503 from it).
    pub(crate) status: Status,
    pub(crate) format: Format,
    pub(crate) bytes: Bytes,
    /// The body's length in ASCII digits, for a `HEAD` answer's `Content-Length`: written
    /// once here, so answering a `HEAD` shares these bytes instead of formatting a number.
    pub(crate) length: Bytes,
}

impl Body {
    pub(crate) fn new(status: Status, format: Format, bytes: Bytes) -> Self {
        let length = Bytes::from(bytes.len().to_string());
        Body {
            status,
            format,
            bytes,
            length,
        }
    }
}
