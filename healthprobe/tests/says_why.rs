//! The stderr line of a failing probe names the components of a tower-health body.

mod common;

use std::io::Write;
use std::net::TcpListener;
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use common::{HANG, answer, read_head, run, serve};

/// The crate's checks: one passing, one failing, one unknown.
const CHECKS: &str = r#""checks":{"database":{"status":"ok","critical":true},"queue":{"status":"unknown","critical":false},"redis":{"status":"down","critical":true}}"#;

/// Probes a one-connection server answering `answer`: the exit code and the stderr line
/// without the `healthprobe: <url> ` prefix.
fn probe(answer: String) -> (i32, String) {
    let (url, server) = serve(answer);
    let url = format!("{url}/readyz");
    let out = run(&["--timeout", "5s", &url]);
    server.join().unwrap();
    if out.code == 0 {
        assert_eq!((out.stdout.as_str(), out.stderr.as_str()), ("", ""));
        return (0, String::new());
    }
    let rest = out.reason().strip_prefix(&format!("healthprobe: {url} "));
    (
        out.code,
        rest.unwrap_or_else(|| panic!("{out:?}")).to_owned(),
    )
}

/// A 503 answer with a JSON `body`.
fn unavailable(body: &str) -> String {
    answer("503 Service Unavailable", "application/json", body)
}

#[test]
fn failing_components_first_then_the_passing_ones() {
    let body = format!(r#"{{"status":"down",{CHECKS}}}"#);
    let expected = "answered 503: redis down, queue unknown (database ok)";
    assert_eq!(probe(unavailable(&body)), (1, expected.to_owned()));
}

#[test]
fn lifecycle_reason_comes_first() {
    let cases = [
        (
            r#"{"status":"down","reason":"starting","checks":{}}"#.to_owned(),
            "answered 503: starting",
        ),
        (
            format!(r#"{{"status":"down","reason":"starting",{CHECKS}}}"#),
            "answered 503: starting; redis down, queue unknown (database ok)",
        ),
        (
            r#"{"status":"down","reason":"shutting down","started":true,"draining":true,"live":true,"checks":{"database":{"status":"ok","critical":true}}}"#.to_owned(),
            "answered 503: shutting down (database ok)",
        ),
        (r#"{"status":"down","reason":"broken"}"#.to_owned(), "answered 503: broken"),
    ];
    for (body, expected) in cases {
        assert_eq!(
            probe(unavailable(&body)),
            (1, expected.to_owned()),
            "{body}"
        );
    }
}

#[test]
fn ietf_health_json() {
    let body = r#"{"status":"fail","output":"starting","checks":{"redis":[{"componentType":"datastore","status":"fail"}],"database":[{"componentType":"datastore","status":"pass"}],"search":[{"componentType":"component","status":"warn"}]}}"#;
    let answer = answer("503 Service Unavailable", "application/health+json", body);
    let expected = "answered 503: starting; redis fail, search warn (database pass)";
    assert_eq!(probe(answer), (1, expected.to_owned()));
}

#[test]
fn per_check_and_unknown_check_paths() {
    let body = r#"{"status":"down","checks":{"redis":{"status":"down","critical":true}}}"#;
    assert_eq!(
        probe(unavailable(body)),
        (1, "answered 503: redis down".to_owned())
    );
    let body = r#"{"status":"error","error":"no such check"}"#;
    let answer = answer("404 Not Found", "application/json", body);
    assert_eq!(probe(answer), (1, "answered 404: no such check".to_owned()));
}

#[test]
fn chunked_and_unframed_bodies() {
    let body = format!(r#"{{"status":"down",{CHECKS}}}"#);
    let (first, second) = body.split_at(20);
    let chunked = format!(
        "HTTP/1.1 503 Service Unavailable\r\ntransfer-encoding: chunked\r\n\r\n\
         {:x}\r\n{first}\r\n{:x}\r\n{second}\r\n0\r\n\r\n",
        first.len(),
        second.len()
    );
    let unframed = format!("HTTP/1.1 503 Service Unavailable\r\n\r\n{body}");
    for answer in [chunked, unframed] {
        let expected = "answered 503: redis down, queue unknown (database ok)";
        assert_eq!(probe(answer.clone()), (1, expected.to_owned()), "{answer}");
    }
}

#[test]
fn passing_answers_stay_silent() {
    let body = r#"{"status":"degraded","checks":{"search":{"status":"down","critical":false}}}"#;
    assert_eq!(
        probe(answer("200 OK", "application/json", body)),
        (0, String::new())
    );
}

#[test]
fn other_bodies_give_the_status_line_only() {
    let cut_short =
        "HTTP/1.1 503 Service Unavailable\r\ncontent-length: 100\r\n\r\n{\"status\":\"down\"";
    let answers = [
        answer("503 Service Unavailable", "text/plain", "redis down"),
        answer("503 Service Unavailable", "text/html", "<h1>503</h1>"),
        answer(
            "503 Service Unavailable",
            "application/json",
            r#"{"healthy":false}"#,
        ),
        answer(
            "503 Service Unavailable",
            "application/json",
            r#"{"status":"down","checks":"#,
        ),
        cut_short.to_owned(),
    ];
    for answer in answers {
        let expected = "answered 503 Service Unavailable";
        assert_eq!(probe(answer.clone()), (1, expected.to_owned()), "{answer}");
    }
}

/// Serves `start` and then `filler` over and over until the probe hangs up; returns the URL.
fn serve_endless(start: String, filler: &'static [u8]) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/readyz", listener.local_addr().unwrap());
    thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        read_head(&stream);
        stream.write_all(start.as_bytes()).unwrap();
        while stream.write_all(filler).is_ok() {}
    });
    url
}

#[test]
fn huge_or_endless_bodies_do_not_hang() {
    let unavailable = "HTTP/1.1 503 Service Unavailable\r\n";
    let json = r#"{"status":"down","checks":{"redis":{"status":"down"}}"#;
    let spaces: &[u8] = &[b' '; 4096];
    let cases: [(&str, &str, &[u8]); 3] = [
        ("content-length: 100000000\r\n\r\n", json, spaces),
        ("\r\n", json, spaces),
        (
            "transfer-encoding: chunked\r\n\r\n",
            "1\r\n{\r\n",
            b"4\r\n    \r\n",
        ),
    ];
    for (headers, start, filler) in cases {
        let url = serve_endless(format!("{unavailable}{headers}{start}"), filler);
        // Reading stops at 64 KiB: the probe ends long before its timeout.
        let out = run(&["--timeout", "9s", &url]);
        assert_eq!(out.code, 1, "{headers:?}: {out:?}");
        let expected = format!("healthprobe: {url} answered 503 Service Unavailable");
        assert_eq!(out.reason(), expected, "{headers:?}");
        assert!(out.elapsed < Duration::from_secs(9), "{out:?}");
    }
}

#[test]
fn stalled_answer_gives_the_status_line_at_the_timeout() {
    let stalls = [
        "HTTP/1.1 503 Service Unavailable\r\ncontent-le",
        "HTTP/1.1 503 Service Unavailable\r\ncontent-length: 100\r\n\r\n{\"status\":",
    ];
    for stall in stalls {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/readyz", listener.local_addr().unwrap());
        let (done_tx, done_rx) = mpsc::channel::<()>();
        thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            read_head(&stream);
            stream.write_all(stall.as_bytes()).unwrap();
            done_rx.recv().ok(); // hold the connection open, silent, until the test ends
        });
        let out = run(&["--timeout", "300ms", &url]);
        assert_eq!(out.code, 1, "{out:?}");
        let expected = format!("healthprobe: {url} answered 503 Service Unavailable");
        assert_eq!(out.reason(), expected, "{stall:?}");
        assert!(out.elapsed < HANG, "{out:?}");
        drop(done_tx);
    }
}

#[test]
fn the_line_stays_one_line_of_200_characters() {
    let checks: Vec<String> = (0..40)
        .map(|i| format!(r#""component-{i:02}":{{"status":"down","critical":true}}"#))
        .collect();
    let body = format!(r#"{{"status":"down","checks":{{{}}}}}"#, checks.join(","));
    let (url, server) = serve(unavailable(&body));
    let url = format!("{url}/readyz");
    let out = run(&[&url]);
    server.join().unwrap();
    let line = out.reason();
    assert_eq!(line.chars().count(), 200, "{line}");
    let start = format!("healthprobe: {url} answered 503: component-00 down, component-01 down, ");
    assert!(line.starts_with(&start), "{line}");
    assert!(line.ends_with('…'), "{line}");

    let body = r#"{"status":"down","reason":"line\nbreak","checks":{"x\ty":{"status":"down"}}}"#;
    let expected = r"answered 503: line\nbreak; x\ty down";
    assert_eq!(probe(unavailable(body)), (1, expected.to_owned()));
}
