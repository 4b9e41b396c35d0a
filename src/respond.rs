//! The HTTP response to a request on a health path.

use bytes::Bytes;
use http::header::ALLOW;
use http::{HeaderValue, Method, Response, StatusCode};

use crate::render::{Answer, Format};

const GET_HEAD: HeaderValue = HeaderValue::from_static("GET, HEAD");
const METHOD_NOT_ALLOWED: &[u8] = br#"{"status":"error","error":"method not allowed"}"#;

/// Answer a request with `method` on a health path: GET gets `answer`, HEAD the same
/// without the body, anything else 405.
pub(crate) fn respond(method: &Method, answer: impl FnOnce() -> Answer) -> Response<Bytes> {
    if method == Method::GET {
        build(answer())
    } else if method == Method::HEAD {
        build(answer().without_body())
    } else {
        let body = Bytes::from_static(METHOD_NOT_ALLOWED);
        let mut response = build(Answer::new(
            StatusCode::METHOD_NOT_ALLOWED,
            Format::Json,
            body,
        ));
        response.headers_mut().insert(ALLOW, GET_HEAD);
        response
    }
}

fn build(answer: Answer) -> Response<Bytes> {
    let mut response = Response::new(answer.body);
    *response.status_mut() = answer.status;
    *response.headers_mut() = answer.headers;
    response
}

#[cfg(test)]
mod tests {
    use http::header::{CACHE_CONTROL, CONTENT_LENGTH, CONTENT_TYPE};

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
        let response = respond(&Method::GET, answer);
        assert_eq!(response.status(), 503);
        assert_eq!(response.headers()[CONTENT_TYPE], "application/json");
        assert_eq!(response.headers()[CACHE_CONTROL], "no-store");
        assert_eq!(response.body().as_ref(), b"{}");
    }

    #[test]
    fn head_has_same_headers_and_no_body() {
        let response = respond(&Method::HEAD, answer);
        assert_eq!(response.status(), 503);
        assert_eq!(response.headers()[CONTENT_TYPE], "application/json");
        assert_eq!(response.headers()[CACHE_CONTROL], "no-store");
        assert_eq!(response.headers()[CONTENT_LENGTH], "2");
        assert!(response.body().is_empty());
    }

    #[test]
    fn other_methods_get_405_with_allow() {
        for method in [Method::POST, Method::PUT, Method::DELETE, Method::OPTIONS] {
            let response = respond(&method, || unreachable!("no answer needed for 405"));
            assert_eq!(response.status(), 405);
            assert_eq!(response.headers()[ALLOW], "GET, HEAD");
            assert_eq!(response.headers()[CACHE_CONTROL], "no-store");
        }
    }
}
