//! HTTP responses: a rendered body as a `GET` or `HEAD` answer with the headers every
//! health response carries (and `x-envoy-degraded` on a degraded readiness answer), `404`
//! for an unknown component, `405` for other methods.

use bytes::Bytes;
use http::header::{
    ALLOW, CACHE_CONTROL, CONTENT_LENGTH, CONTENT_SECURITY_POLICY, CONTENT_TYPE,
    X_CONTENT_TYPE_OPTIONS,
};
use http::{HeaderMap, HeaderName, HeaderValue, Method, Response, StatusCode};

use crate::render::{Body, Format};

const GET_HEAD: HeaderValue = HeaderValue::from_static("GET, HEAD");
const NO_STORE: HeaderValue = HeaderValue::from_static("no-store");
/// The status page's policy: nothing loads or runs but its own inline style (no script at
/// all), and no other site may frame it.
const PAGE_POLICY: HeaderValue = HeaderValue::from_static(
    "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; \
     frame-ancestors 'none'",
);
const NOSNIFF: HeaderValue = HeaderValue::from_static("nosniff");
/// Said by a readiness answer while its verdict is degraded (`200`, non-critical members
/// failing): Envoy's active HTTP health check marks the host degraded when the header is
/// there, whatever its value.
const ENVOY_DEGRADED: HeaderName = HeaderName::from_static("x-envoy-degraded");
const DEGRADED: HeaderValue = HeaderValue::from_static("degraded");
const METHOD_NOT_ALLOWED: &[u8] = br#"{"status":"error","error":"method not allowed"}"#;
const NO_SUCH_COMPONENT: &[u8] = br#"{"status":"error","error":"no such check"}"#;

/// The headers of every answer, built once per format when the layer is made: the plain
/// set, and the set a degraded readiness answer gets, with `x-envoy-degraded` besides.
///
/// A response clones the map it needs whole, which costs less than inserting the headers one
/// by one (no hashing, no probing, and no more allocations than the map's two). The `GET`
/// maps hold no `Content-Length`: the body's exact size says it (hyper writes the header
/// from it). The `HEAD` maps hold one, replaced in place with the body's length.
#[derive(Debug, Clone)]
pub(crate) struct Headers {
    /// Indexed by whether the answer is a degraded readiness answer.
    sets: [Maps; 2],
}

/// One set of maps: per format, for `GET` and for `HEAD`.
#[derive(Debug, Clone)]
struct Maps {
    get: [HeaderMap; Format::ALL.len()],
    head: [HeaderMap; Format::ALL.len()],
}

impl Default for Headers {
    fn default() -> Self {
        Headers {
            sets: [Maps::new(false), Maps::new(true)],
        }
    }
}

impl Maps {
    /// The maps of every format; with `degraded`, each also says `x-envoy-degraded`.
    fn new(degraded: bool) -> Self {
        let map = |format: Format, room: usize| {
            let page = format == Format::Html;
            let extra = if page { 2 } else { 0 } + usize::from(degraded);
            let mut headers = HeaderMap::with_capacity(2 + extra + room);
            headers.insert(CONTENT_TYPE, content_type(format));
            headers.insert(CACHE_CONTROL, NO_STORE);
            if page {
                headers.insert(CONTENT_SECURITY_POLICY, PAGE_POLICY);
                headers.insert(X_CONTENT_TYPE_OPTIONS, NOSNIFF);
            }
            if degraded {
                headers.insert(ENVOY_DEGRADED, DEGRADED);
            }
            headers
        };
        Maps {
            get: Format::ALL.map(|format| map(format, 0)),
            head: Format::ALL.map(|format| {
                // Room for more than its headers: `HeaderMap::insert` reserves a slot before
                // it finds the key, and a full map would grow on every answer.
                let mut headers = map(format, 2);
                headers.insert(CONTENT_LENGTH, HeaderValue::from_static("0"));
                headers
            }),
        }
    }

    fn response(
        &self,
        status: StatusCode,
        format: Format,
        body: &Bytes,
        length: &Bytes,
        head: bool,
    ) -> Response<Bytes> {
        let (headers, body) = if head {
            let mut headers = self.head[format.index()].clone();
            // Digits written by the renderer: shared, not copied.
            let length = HeaderValue::from_maybe_shared(length.clone())
                .unwrap_or_else(|_| HeaderValue::from(body.len()));
            headers.insert(CONTENT_LENGTH, length);
            (headers, Bytes::new())
        } else {
            (self.get[format.index()].clone(), body.clone())
        };
        let mut response = Response::new(body);
        *response.status_mut() = status;
        *response.headers_mut() = headers;
        response
    }
}

impl Headers {
    /// The answer for a rendered body: `200` or `503` from its verdict; with `head`, the
    /// same status and headers with the body's `Content-Length`, and no body. A
    /// `readiness` answer whose verdict is degraded (and passes) says `x-envoy-degraded`.
    pub(crate) fn answer(&self, body: &Body, head: bool, readiness: bool) -> Response<Bytes> {
        let status = match body.passing {
            true => StatusCode::OK,
            false => StatusCode::SERVICE_UNAVAILABLE,
        };
        // `&`, not `&&`: both are plain loads, and the index needs no branch.
        let set = &self.sets[usize::from(readiness & body.degraded)];
        set.response(status, body.format, &body.bytes, &body.length, head)
    }

    /// `404` for a `/readyz/<name>` naming no component.
    pub(crate) fn no_such_component(&self, head: bool) -> Response<Bytes> {
        let body = Bytes::from_static(NO_SUCH_COMPONENT);
        let length = Bytes::from(body.len().to_string());
        self.sets[0].response(StatusCode::NOT_FOUND, Format::Json, &body, &length, head)
    }

    /// Answer a request with `method` on a health path: `GET` gets `answer(false)`, `HEAD`
    /// `answer(true)` (the same headers, no body), anything else `405` with `Allow`.
    pub(crate) fn by_method(
        &self,
        method: &Method,
        answer: impl FnOnce(bool) -> Response<Bytes>,
    ) -> Response<Bytes> {
        if method == Method::GET || method == Method::HEAD {
            return answer(method == Method::HEAD);
        }
        let body = Bytes::from_static(METHOD_NOT_ALLOWED);
        let mut response = self.sets[0].response(
            StatusCode::METHOD_NOT_ALLOWED,
            Format::Json,
            &body,
            &Bytes::new(),
            false,
        );
        response.headers_mut().insert(ALLOW, GET_HEAD);
        response
    }
}

fn content_type(format: Format) -> HeaderValue {
    match format {
        Format::Json => HeaderValue::from_static("application/json"),
        Format::HealthJson => HeaderValue::from_static("application/health+json"),
        Format::Verbose => HeaderValue::from_static("text/plain; charset=utf-8"),
        Format::Html => HeaderValue::from_static("text/html; charset=utf-8"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::status::Status;

    fn body() -> Body {
        Body::new(Status::Down, false, Format::Json, Bytes::from_static(b"{}"))
    }

    #[test]
    fn get_has_body_and_headers() {
        let response = Headers::default().answer(&body(), false, true);
        assert_eq!(response.status(), 503);
        assert_eq!(response.headers()[CONTENT_TYPE], "application/json");
        assert_eq!(response.headers()[CACHE_CONTROL], "no-store");
        // The body's exact size gives Content-Length; the server writes it.
        assert!(!response.headers().contains_key(CONTENT_LENGTH));
        assert_eq!(response.body().as_ref(), b"{}");
    }

    #[test]
    fn head_has_same_headers_the_length_and_no_body() {
        let response = Headers::default().answer(&body(), true, true);
        assert_eq!(response.status(), 503);
        assert_eq!(response.headers()[CONTENT_TYPE], "application/json");
        assert_eq!(response.headers()[CACHE_CONTROL], "no-store");
        assert_eq!(response.headers()[CONTENT_LENGTH], "2");
        assert_eq!(response.headers().len(), 3);
        assert!(response.body().is_empty());
    }

    #[test]
    fn each_format_has_its_content_type() {
        for (format, content_type) in [
            (Format::Json, "application/json"),
            (Format::HealthJson, "application/health+json"),
            (Format::Verbose, "text/plain; charset=utf-8"),
        ] {
            let body = Body::new(Status::Ok, true, format, Bytes::new());
            let response = Headers::default().answer(&body, false, true);
            assert_eq!(response.status(), 200);
            assert_eq!(response.headers()[CONTENT_TYPE], content_type);
        }
    }

    #[test]
    fn a_degraded_readiness_answer_says_x_envoy_degraded() {
        let headers = Headers::default();
        let degraded = Body::new(
            Status::Degraded,
            true,
            Format::Json,
            Bytes::from_static(b"{}"),
        );
        for format in [Format::Json, Format::HealthJson, Format::Verbose] {
            let body = Body {
                format,
                ..degraded.clone()
            };
            for head in [false, true] {
                let response = headers.answer(&body, head, true);
                assert_eq!(response.status(), 200);
                assert_eq!(response.headers()[ENVOY_DEGRADED], "degraded");
                assert_eq!(response.headers()[CACHE_CONTROL], "no-store");
                assert_eq!(
                    response.headers().len(),
                    3 + usize::from(head),
                    "{format:?}"
                );
                // Not the readiness probe: no header.
                let other = headers.answer(&body, head, false);
                assert!(!other.headers().contains_key(ENVOY_DEGRADED));
                assert_eq!(other.headers().len(), 2 + usize::from(head));
            }
        }
        // Ok, down, and degraded mapped to 503: no header.
        for (verdict, passing) in [
            (Status::Ok, true),
            (Status::Down, false),
            (Status::Degraded, false),
        ] {
            let body = Body::new(verdict, passing, Format::Json, Bytes::new());
            for head in [false, true] {
                let response = headers.answer(&body, head, true);
                assert!(!response.headers().contains_key(ENVOY_DEGRADED));
            }
        }
        assert!(
            !headers
                .no_such_component(false)
                .headers()
                .contains_key(ENVOY_DEGRADED)
        );
    }

    #[test]
    fn unknown_component_is_404() {
        let headers = Headers::default();
        let response = headers.no_such_component(false);
        assert_eq!(response.status(), 404);
        assert_eq!(response.body().as_ref(), NO_SUCH_COMPONENT);
        let response = headers.no_such_component(true);
        assert_eq!(response.status(), 404);
        let length = NO_SUCH_COMPONENT.len().to_string();
        assert_eq!(response.headers()[CONTENT_LENGTH], length.as_str());
        assert!(response.body().is_empty());
    }

    #[test]
    fn get_and_head_get_the_answer_told_apart() {
        for (method, head) in [(Method::GET, false), (Method::HEAD, true)] {
            let response = Headers::default().by_method(&method, |is_head| {
                assert_eq!(is_head, head, "{method}");
                Response::new(Bytes::from_static(b"answer"))
            });
            assert_eq!(response.body().as_ref(), b"answer", "{method}");
        }
    }

    #[test]
    fn other_methods_get_405_with_allow() {
        for method in [Method::POST, Method::PUT, Method::DELETE, Method::OPTIONS] {
            let response =
                Headers::default().by_method(&method, |_| unreachable!("no answer needed for 405"));
            assert_eq!(response.status(), 405);
            assert_eq!(response.headers()[ALLOW], "GET, HEAD");
            assert_eq!(response.headers()[CACHE_CONTROL], "no-store");
            assert_eq!(response.body().as_ref(), METHOD_NOT_ALLOWED);
        }
    }
}
