//! The bad-input battery: hostile and odd requests get clear answers, never a panic, and
//! the server keeps serving. Run against any server with the layer in front of an app that
//! answers "inner" and counts its calls (`serve::counting_app`).

use std::net::SocketAddr;

use http::{Method, StatusCode};

use super::client::{fetch, raw, send};
use super::serve::Calls;

/// The status code of a raw HTTP/1.1 answer.
pub fn status_of(answer: &str) -> u16 {
    answer
        .strip_prefix("HTTP/1.1 ")
        .and_then(|rest| rest.get(..3))
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP answer: {answer:?}"))
}

/// Every case of the battery, one after the other.
pub async fn all(addr: SocketAddr, calls: &Calls) {
    an_8_kib_query_string_is_answered(addr, calls).await;
    non_utf8_bytes_get_a_clear_answer(addr, calls).await;
    garbage_and_odd_methods_do_not_hurt_the_server(addr, calls).await;
    many_probes_on_one_keep_alive_connection(addr, calls).await;
}

pub async fn an_8_kib_query_string_is_answered(addr: SocketAddr, calls: &Calls) {
    let before = calls.count();
    let path = format!("/readyz?{}", "q=%FF&".repeat(8 * 1024 / 6));
    assert!(path.len() > 8 * 1024 - 16);
    let reply = fetch(addr, &path).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.json()["status"], "ok");
    assert_eq!(calls.count(), before);
}

pub async fn non_utf8_bytes_get_a_clear_answer(addr: SocketAddr, calls: &Calls) {
    let before = calls.count();
    let cases: [(&[u8], &[u16]); 3] = [
        // In a query: the probe answers, or the HTTP parser refuses the request line.
        (
            b"GET /readyz?\xff\xfe=\xc0 HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n",
            &[200, 400],
        ),
        // In a path: not a health path, so the app's answer or a parser refusal.
        (
            b"GET /healthz\xff HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n",
            &[200, 400],
        ),
        // In a header value: the probe does not read headers.
        (
            b"GET /healthz HTTP/1.1\r\nhost: x\r\nx-odd: \xff\xfe\r\nconnection: close\r\n\r\n",
            &[200, 400],
        ),
    ];
    for (request, expected) in cases {
        let answer = raw(addr, request).await;
        let status = status_of(&answer);
        assert!(
            expected.contains(&status),
            "{status} for {request:?}: {answer}"
        );
        assert!(!answer.contains("panicked"), "{answer}");
    }
    assert!(calls.count() <= 1 + before);
    assert_eq!(fetch(addr, "/healthz").await.status, StatusCode::OK);
}

pub async fn garbage_and_odd_methods_do_not_hurt_the_server(addr: SocketAddr, _calls: &Calls) {
    let garbage = raw(addr, b"\x00\x01\x02 not http at all\r\n\r\n").await;
    assert!(
        garbage.is_empty() || status_of(&garbage) == 400,
        "{garbage:?}"
    );

    let odd = raw(
        addr,
        b"BREW /healthz HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n",
    )
    .await;
    assert_eq!(status_of(&odd), 405, "{odd}");
    assert!(
        odd.to_ascii_lowercase().contains("allow: get, head"),
        "{odd}"
    );

    let absolute = raw(
        addr,
        b"GET http://example.invalid/healthz HTTP/1.1\r\nhost: example.invalid\r\nconnection: close\r\n\r\n",
    )
    .await;
    assert_eq!(status_of(&absolute), 200, "{absolute}");

    let with_body = send(addr, Method::GET, "/readyz", &[("content-length", "0")]).await;
    assert_eq!(with_body.status, StatusCode::OK);
    assert_eq!(fetch(addr, "/readyz").await.status, StatusCode::OK);
}

pub async fn many_probes_on_one_keep_alive_connection(addr: SocketAddr, calls: &Calls) {
    let before = calls.count();
    let mut pipeline = Vec::new();
    for _ in 0..100 {
        pipeline.extend_from_slice(b"GET /healthz HTTP/1.1\r\nhost: x\r\n\r\n");
    }
    pipeline.extend_from_slice(b"GET /readyz HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n");
    let answers = raw(addr, &pipeline).await;
    assert_eq!(answers.matches("HTTP/1.1 200 OK").count(), 101);
    assert_eq!(calls.count(), before);
}
