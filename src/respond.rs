//! The HTTP response to a request on a health path.

use bytes::Bytes;
use http::header::ALLOW;
use http::{HeaderValue, Method, Response, StatusCode};

use crate::render::{Answer, Format};

const GET_HEAD: HeaderValue = HeaderValue::from_static("GET, HEAD");
const METHOD_NOT_ALLOWED: &[u8] = br#"{"status":"error","error":"method not allowed"}"#;

/// Answer a request with `method` on a health path: GET and HEAD get `answer` (which tells
/// them apart), anything else 405.
pub(crate) fn respond(
    method: &Method,
    answer: impl FnOnce() -> Response<Bytes>,
) -> Response<Bytes> {
    if method == Method::GET || method == Method::HEAD {
        return answer();
    }
    let body = Bytes::from_static(METHOD_NOT_ALLOWED);
    let mut response =
        Answer::new(StatusCode::METHOD_NOT_ALLOWED, Format::Json, body).response(false);
    response.headers_mut().insert(ALLOW, GET_HEAD);
    response
}

#[cfg(test)]
mod tests {
    use http::header::CACHE_CONTROL;

    use super::*;

    #[test]
    fn get_and_head_get_the_answer() {
        for method in [Method::GET, Method::HEAD] {
            let response = respond(&method, || Response::new(Bytes::from_static(b"answer")));
            assert_eq!(response.body().as_ref(), b"answer", "{method}");
        }
    }

    #[test]
    fn other_methods_get_405_with_allow() {
        for method in [Method::POST, Method::PUT, Method::DELETE, Method::OPTIONS] {
            let response = respond(&method, || unreachable!("no answer needed for 405"));
            assert_eq!(response.status(), 405);
            assert_eq!(response.headers()[ALLOW], "GET, HEAD");
            assert_eq!(response.headers()[CACHE_CONTROL], "no-store");
            assert_eq!(response.body().as_ref(), METHOD_NOT_ALLOWED);
        }
    }
}
