//! [`Classifier`]: which responses count as failures of the service.

use std::fmt;
use std::sync::Arc;

use http::{HeaderMap, StatusCode};

/// A function that says whether a response (its status and headers) is a failure.
type Custom = Arc<dyn Fn(StatusCode, &HeaderMap) -> bool + Send + Sync>;

/// Which responses of the inner service count as failures for the
/// [`traffic`](crate::Traffic) component. The inner service's errors (its `Err`) always do.
///
/// By default a response fails when its status is 5xx, never 4xx: a client's mistake is no
/// sign of the service's health. Statuses can be added and removed, a gRPC service's
/// Trailers-Only answers judged by their `grpc-status` header (how tonic answers a handler's
/// error), or the whole judgement handed to a function of your own.
///
/// ```
/// use http::StatusCode;
/// use tower_health::traffic::Classifier;
///
/// // Shedding load is failing users too; 501 is a route that does not exist.
/// let classifier = Classifier::new()
///     .failure(StatusCode::TOO_MANY_REQUESTS)
///     .success(StatusCode::NOT_IMPLEMENTED);
/// // A tonic service: handler errors come as `grpc-status` on a 200 answer.
/// let grpc = Classifier::new().grpc();
/// ```
#[derive(Clone)]
#[must_use]
pub struct Classifier {
    /// One bit per status code from 0 to 1023: set when it fails.
    failing: [u64; 16],
    /// One bit per gRPC status code: set when it fails; 0 when `grpc-status` is not read.
    grpc: u32,
    custom: Option<Custom>,
}

impl Default for Classifier {
    fn default() -> Self {
        Classifier::new()
    }
}

impl fmt::Debug for Classifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let failing: Vec<u16> = (0..1024).filter(|&s| self.fails(s)).collect();
        f.debug_struct("Classifier")
            .field("failing_statuses", &failing.len())
            .field("grpc_codes", &format_args!("{:#x}", self.grpc))
            .field("custom", &self.custom.is_some())
            .finish()
    }
}

impl Classifier {
    /// gRPC status codes that mean the server failed: `UNKNOWN` (2), `DEADLINE_EXCEEDED`
    /// (4), `INTERNAL` (13), `UNAVAILABLE` (14), `DATA_LOSS` (15). The others are the
    /// caller's business (`NOT_FOUND`, `INVALID_ARGUMENT`, `UNAUTHENTICATED`, …) or, like
    /// `RESOURCE_EXHAUSTED` and `UNIMPLEMENTED`, left for the operator to add.
    pub const GRPC_SERVER_ERRORS: [u8; 5] = [2, 4, 13, 14, 15];

    /// Every 5xx status is a failure, nothing else.
    pub fn new() -> Self {
        let mut classifier = Classifier {
            failing: [0; 16],
            grpc: 0,
            custom: None,
        };
        for status in 500..600 {
            classifier.set(status, true);
        }
        classifier
    }

    /// Count `status` as a failure too (e.g. `429 Too Many Requests`).
    pub fn failure(mut self, status: StatusCode) -> Self {
        self.set(status.as_u16(), true);
        self
    }

    /// Do not count `status` as a failure (e.g. `501 Not Implemented`).
    pub fn success(mut self, status: StatusCode) -> Self {
        self.set(status.as_u16(), false);
        self
    }

    /// Also read the `grpc-status` header of a response (a gRPC Trailers-Only answer, how
    /// tonic answers a handler's error) and count the
    /// [server's errors](Classifier::GRPC_SERVER_ERRORS) as failures. A status sent in the
    /// trailers after a streamed body is not seen: the response has been counted by then.
    pub fn grpc(self) -> Self {
        self.grpc_codes(Self::GRPC_SERVER_ERRORS)
    }

    /// Read the `grpc-status` header and count these codes (0 to 31) as failures, instead
    /// of [the default ones](Classifier::GRPC_SERVER_ERRORS).
    pub fn grpc_codes(mut self, codes: impl IntoIterator<Item = u8>) -> Self {
        self.grpc = codes
            .into_iter()
            .filter(|code| *code < 32)
            .fold(0, |mask, code| mask | 1 << code);
        self
    }

    /// Judge every response with `is_failure` instead (the inner service's errors are
    /// still failures). It runs for every forwarded response: keep it cheap.
    ///
    /// ```
    /// use tower_health::traffic::Classifier;
    ///
    /// // Only 503 counts.
    /// let classifier = Classifier::custom(|status, _headers| status == 503);
    /// ```
    pub fn custom(
        is_failure: impl Fn(StatusCode, &HeaderMap) -> bool + Send + Sync + 'static,
    ) -> Self {
        Classifier {
            custom: Some(Arc::new(is_failure)),
            ..Classifier::new()
        }
    }

    /// Whether a response with `status` and `headers` is a failure.
    #[inline]
    pub(crate) fn is_failure(&self, status: StatusCode, headers: &HeaderMap) -> bool {
        if let Some(custom) = &self.custom {
            return custom(status, headers);
        }
        self.fails(status.as_u16()) || (self.grpc != 0 && self.grpc_fails(headers))
    }

    #[inline]
    fn fails(&self, status: u16) -> bool {
        let status = usize::from(status & 1023);
        self.failing[status / 64] >> (status % 64) & 1 == 1
    }

    fn grpc_fails(&self, headers: &HeaderMap) -> bool {
        let Some(value) = headers.get("grpc-status") else {
            return false;
        };
        match std::str::from_utf8(value.as_bytes())
            .ok()
            .and_then(|v| v.parse::<u8>().ok())
        {
            Some(code) if code < 32 => self.grpc >> code & 1 == 1,
            // A status that is no number: the answer is broken.
            _ => true,
        }
    }

    fn set(&mut self, status: u16, failing: bool) {
        let status = usize::from(status & 1023);
        let bit = 1u64 << (status % 64);
        if failing {
            self.failing[status / 64] |= bit;
        } else {
            self.failing[status / 64] &= !bit;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_grpc(code: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("grpc-status", code.parse().unwrap());
        headers
    }

    #[test]
    fn by_default_5xx_fails_and_4xx_does_not() {
        let c = Classifier::new();
        let none = HeaderMap::new();
        for (status, fails) in [
            (200, false),
            (302, false),
            (404, false),
            (429, false),
            (500, true),
            (503, true),
            (599, true),
        ] {
            assert_eq!(
                c.is_failure(StatusCode::from_u16(status).unwrap(), &none),
                fails,
                "{status}"
            );
        }
        assert!(
            !c.is_failure(StatusCode::OK, &with_grpc("13")),
            "gRPC only when asked"
        );
    }

    #[test]
    fn statuses_can_be_added_and_removed() {
        let c = Classifier::new()
            .failure(StatusCode::TOO_MANY_REQUESTS)
            .success(StatusCode::NOT_IMPLEMENTED);
        let none = HeaderMap::new();
        assert!(c.is_failure(StatusCode::TOO_MANY_REQUESTS, &none));
        assert!(!c.is_failure(StatusCode::NOT_IMPLEMENTED, &none));
        assert!(c.is_failure(StatusCode::BAD_GATEWAY, &none));
    }

    #[test]
    fn grpc_status_of_a_trailers_only_answer() {
        let c = Classifier::new().grpc();
        assert!(c.is_failure(StatusCode::OK, &with_grpc("13")), "INTERNAL");
        assert!(
            c.is_failure(StatusCode::OK, &with_grpc("14")),
            "UNAVAILABLE"
        );
        assert!(!c.is_failure(StatusCode::OK, &with_grpc("0")), "OK");
        assert!(!c.is_failure(StatusCode::OK, &with_grpc("5")), "NOT_FOUND");
        assert!(c.is_failure(StatusCode::OK, &with_grpc("x")), "broken");
        assert!(
            !c.is_failure(StatusCode::OK, &HeaderMap::new()),
            "status in trailers"
        );
        let exhausted = Classifier::new().grpc_codes([8]);
        assert!(exhausted.is_failure(StatusCode::OK, &with_grpc("8")));
        assert!(!exhausted.is_failure(StatusCode::OK, &with_grpc("13")));
    }

    #[test]
    fn a_custom_judgement_decides_alone() {
        let c = Classifier::custom(|status, _| status == StatusCode::SERVICE_UNAVAILABLE);
        assert!(c.is_failure(StatusCode::SERVICE_UNAVAILABLE, &HeaderMap::new()));
        assert!(!c.is_failure(StatusCode::INTERNAL_SERVER_ERROR, &HeaderMap::new()));
        assert!(format!("{c:?}").contains("custom: true"));
    }
}
