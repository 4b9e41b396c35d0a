//! Response bodies, rendered once per state change (eagerly for the default JSON, on first
//! use for the other formats), so a probe answer is a clone of bytes.

mod ietf;
mod json;
mod verbose;

use std::sync::OnceLock;

use bytes::Bytes;
use http::header::{CACHE_CONTROL, CONTENT_LENGTH, CONTENT_TYPE};
use http::{HeaderMap, HeaderValue, Response, StatusCode};

use crate::component::Component;
use crate::snapshot::{Scope, State};
use crate::{Probe, Status};

/// The body formats a probe answers in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    /// The crate's JSON (the default).
    Json,
    /// The IETF draft "Health Check Response Format for HTTP APIs".
    HealthJson,
    /// kube-apiserver style plain text (`?verbose`).
    Verbose,
}

impl Format {
    const COUNT: usize = 3;

    const fn index(self) -> usize {
        self as usize
    }

    /// The headers every answer in this format carries, in a map with room for `capacity`.
    fn headers(self, capacity: usize) -> HeaderMap {
        const NO_STORE: HeaderValue = HeaderValue::from_static("no-store");
        let mut headers = HeaderMap::with_capacity(capacity);
        headers.insert(CONTENT_TYPE, self.content_type());
        headers.insert(CACHE_CONTROL, NO_STORE);
        headers
    }

    fn content_type(self) -> HeaderValue {
        match self {
            Format::Json => HeaderValue::from_static("application/json"),
            Format::HealthJson => HeaderValue::from_static("application/health+json"),
            Format::Verbose => HeaderValue::from_static("text/plain; charset=utf-8"),
        }
    }
}

/// A ready-made answer: status code, body, and the headers a health response carries.
///
/// A header map is built once per answer and method; a response clones it whole, which
/// costs less than inserting the headers one by one (no hashing, no probing, and no more
/// allocations than the map's two). The `GET` map holds no `Content-Length`: the body's
/// exact size says it (hyper writes the header from it). The `HEAD` map does, since its
/// response has no body; it is built on the first `HEAD`, so an answer used once builds
/// only the map it needs.
#[derive(Debug)]
pub(crate) struct Answer {
    status: StatusCode,
    format: Format,
    body: Bytes,
    get_headers: HeaderMap,
    head_headers: OnceLock<HeaderMap>,
}

impl Answer {
    /// `Content-Type` for `format` and `Cache-Control: no-store`.
    pub(crate) fn new(status: StatusCode, format: Format, body: Bytes) -> Self {
        Answer {
            status,
            format,
            get_headers: format.headers(2),
            head_headers: OnceLock::new(),
            body,
        }
    }

    /// The response to `GET` (the body) or `HEAD` (the same status and headers with the
    /// body's `Content-Length`, and no body).
    pub(crate) fn response(&self, head: bool) -> Response<Bytes> {
        let (headers, body) = if head {
            let headers = self.head_headers.get_or_init(|| {
                let mut headers = self.format.headers(3);
                headers.insert(CONTENT_LENGTH, HeaderValue::from(self.body.len()));
                headers
            });
            (headers, Bytes::new())
        } else {
            (&self.get_headers, self.body.clone())
        };
        let mut response = Response::new(body);
        *response.status_mut() = self.status;
        *response.headers_mut() = headers.clone();
        response
    }

    /// 404 for a `/readyz/<name>` naming no component.
    pub(crate) fn no_such_component() -> Self {
        let body = Bytes::from_static(br#"{"status":"error","error":"no such check"}"#);
        Answer::new(StatusCode::NOT_FOUND, Format::Json, body)
    }
}

/// Every answer for one state: probe × format × details, for the whole scope.
#[derive(Debug)]
pub(crate) struct Rendered {
    answers: [OnceLock<Answer>; Probe::ALL.len() * Format::COUNT * 2],
}

impl Rendered {
    /// Render the default answers (JSON, details withheld) at once; the rest on first use.
    pub(crate) fn new(state: &State) -> Self {
        let rendered = Rendered {
            answers: std::array::from_fn(|_| OnceLock::new()),
        };
        for probe in Probe::ALL {
            let answer = render(state, probe, Scope::All, Format::Json, false);
            let _ = rendered.answers[Self::index(probe, Format::Json, false)].set(answer);
        }
        rendered
    }

    fn index(probe: Probe, format: Format, reveal: bool) -> usize {
        (probe.index() * Format::COUNT + format.index()) * 2 + usize::from(reveal)
    }

    /// The answer in `format`, rendered from `state` on first use.
    pub(crate) fn answer(
        &self,
        state: &State,
        probe: Probe,
        format: Format,
        reveal: bool,
    ) -> &Answer {
        self.answers[Self::index(probe, format, reveal)]
            .get_or_init(|| render(state, probe, Scope::All, format, reveal))
    }
}

/// Render one answer.
pub(crate) fn render(
    state: &State,
    probe: Probe,
    scope: Scope<'_>,
    format: Format,
    reveal: bool,
) -> Answer {
    let subject = Subject::new(state, probe, scope, reveal);
    let body = match format {
        Format::Json => json::render(&subject),
        Format::HealthJson => ietf::render(&subject),
        Format::Verbose => verbose::render(&subject),
    };
    Answer::new(subject.status.http_status(), format, body)
}

/// What one body is rendered from: the state, the probe and scope asked for, their verdict,
/// and whether details are revealed.
#[derive(Debug, Clone, Copy)]
struct Subject<'a> {
    state: &'a State,
    probe: Probe,
    scope: Scope<'a>,
    status: Status,
    reveal: bool,
}

impl<'a> Subject<'a> {
    fn new(state: &'a State, probe: Probe, scope: Scope<'a>, reveal: bool) -> Self {
        Subject {
            state,
            probe,
            scope,
            status: state.verdict(probe, scope),
            reveal,
        }
    }

    /// The components the body lists: none for liveness and startup.
    fn listed(&self) -> impl Iterator<Item = (&'a str, &'a Component)> + use<'a> {
        let listed = matches!(self.probe, Probe::Readiness | Probe::Combined);
        let scope = self.scope;
        self.state
            .components
            .iter()
            .filter(move |(name, _)| listed && scope.counts(name))
            .map(|(name, component)| (name.as_str(), component))
    }

    /// The lifecycle reason the body gives, if the probe fails for one.
    fn reason(&self) -> Option<String> {
        let state = self.state;
        let lifecycle = &state.lifecycle;
        match (self.probe, self.scope) {
            (_, Scope::Only(_)) => None,
            (Probe::Liveness, _) => lifecycle.broken.as_ref().map(|broken| match self.reveal {
                true => format!("broken: {broken}"),
                false => "broken".to_owned(),
            }),
            (Probe::Startup, _) => (!state.is_started()).then(|| "starting".to_owned()),
            (Probe::Readiness | Probe::Combined, _) => state.lifecycle_reason().map(str::to_owned),
        }
    }

    /// Names in `?exclude=` that match no component.
    fn unmatched(&self) -> Vec<&'a str> {
        match self.scope {
            Scope::Exclude(names) => names
                .iter()
                .copied()
                .filter(|name| !self.state.components.contains_key(*name))
                .collect(),
            _ => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer() -> Answer {
        Answer::new(
            StatusCode::SERVICE_UNAVAILABLE,
            Format::Json,
            Bytes::from_static(b"{}"),
        )
    }

    #[test]
    fn get_has_body_and_headers() {
        let response = answer().response(false);
        assert_eq!(response.status(), 503);
        assert_eq!(response.headers()[CONTENT_TYPE], "application/json");
        assert_eq!(response.headers()[CACHE_CONTROL], "no-store");
        // The body's exact size gives Content-Length; the server writes it.
        assert!(!response.headers().contains_key(CONTENT_LENGTH));
        assert_eq!(response.body().as_ref(), b"{}");
    }

    #[test]
    fn head_has_same_headers_the_length_and_no_body() {
        let response = answer().response(true);
        assert_eq!(response.status(), 503);
        assert_eq!(response.headers()[CONTENT_TYPE], "application/json");
        assert_eq!(response.headers()[CACHE_CONTROL], "no-store");
        assert_eq!(response.headers()[CONTENT_LENGTH], "2");
        assert!(response.body().is_empty());
    }

    #[test]
    fn each_format_has_its_content_type() {
        for (format, content_type) in [
            (Format::Json, "application/json"),
            (Format::HealthJson, "application/health+json"),
            (Format::Verbose, "text/plain; charset=utf-8"),
        ] {
            let response = Answer::new(StatusCode::OK, format, Bytes::new()).response(false);
            assert_eq!(response.headers()[CONTENT_TYPE], content_type);
        }
    }
}
