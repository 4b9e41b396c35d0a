//! The HTTP response to a request on a health path.

use bytes::Bytes;
use http::header::ALLOW;
use http::{HeaderValue, Method, Response, StatusCode};

use crate::render::{Answer, Format};

const GET_HEAD: HeaderValue = HeaderValue::from_static("GET, HEAD");
const METHOD_NOT_ALLOWED: &[u8] = br#"{"status":"error","error":"method not allowed"}"#;

/// Answer a request with `method` on a health path: GET gets `answer(false)`, HEAD
/// `answer(true)` (the same headers, no body), anything else 405.
pub(crate) fn respond(
    method: &Method,
    answer: impl FnOnce(bool) -> Response<Bytes>,
) -> Response<Bytes> {
    if method == Method::GET || method == Method::HEAD {
        return answer(method == Method::HEAD);
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
    fn get_and_head_get_the_answer_told_apart() {
        for (method, head) in [(Method::GET, false), (Method::HEAD, true)] {
            let response = respond(&method, |is_head| {
                assert_eq!(is_head, head, "{method}");
                Response::new(Bytes::from_static(b"answer"))
            });
            assert_eq!(response.body().as_ref(), b"answer", "{method}");
        }
    }

    #[test]
    fn other_methods_get_405_with_allow() {
        for method in [Method::POST, Method::PUT, Method::DELETE, Method::OPTIONS] {
            let response = respond(&method, |_| unreachable!("no answer needed for 405"));
            assert_eq!(response.status(), 405);
            assert_eq!(response.headers()[ALLOW], "GET, HEAD");
            assert_eq!(response.headers()[CACHE_CONTROL], "no-store");
            assert_eq!(response.body().as_ref(), METHOD_NOT_ALLOWED);
        }
    }
}
