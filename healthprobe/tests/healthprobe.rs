//! Black-box tests of the `healthprobe` binary against real sockets on loopback.

mod common;

use std::io::Write;
use std::net::TcpListener;
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use common::{HANG, read_head, run, serve, serve_on, status};

#[test]
fn ok_statuses_exit_0_silently() {
    for line in [
        "200 OK",
        "204 No Content",
        "301 Moved Permanently",
        "302 Found",
        "399 X",
    ] {
        let (url, server) = serve(status(line));
        let run = run(&[&format!("{url}/readyz")]);
        assert_eq!(run.code, 0, "{line}: {run:?}");
        assert_eq!(
            (run.stdout.as_str(), run.stderr.as_str()),
            ("", ""),
            "{line}"
        );
        assert!(
            server
                .join()
                .unwrap()
                .starts_with("GET /readyz HTTP/1.1\r\n")
        );
    }
}

#[test]
fn failing_statuses_exit_1_naming_the_status() {
    for line in [
        "404 Not Found",
        "500 Internal Server Error",
        "503 Service Unavailable",
    ] {
        let (url, server) = serve(status(line));
        let url = format!("{url}/readyz");
        let run = run(&[&url]);
        assert_eq!(run.code, 1, "{run:?}");
        assert_eq!(run.reason(), format!("healthprobe: {url} answered {line}"));
        server.join().unwrap();
    }
}

#[test]
fn sends_get_with_host_and_connection_close() {
    let (url, server) = serve(status("200 OK"));
    let port = url.rsplit(':').next().unwrap().to_owned();
    assert_eq!(run(&[&format!("{url}/readyz?x=1")]).code, 0);
    let head = server.join().unwrap();
    let mut lines = head.lines();
    assert_eq!(lines.next(), Some("GET /readyz?x=1 HTTP/1.1"), "{head}");
    let headers: Vec<String> = lines.map(str::to_ascii_lowercase).collect();
    for expected in [
        format!("host: 127.0.0.1:{port}"),
        "connection: close".to_owned(),
        "user-agent: healthprobe".to_owned(),
    ] {
        assert!(headers.contains(&expected), "no {expected:?} in {head:?}");
    }

    let (url, server) = serve(status("200 OK"));
    assert_eq!(run(&[&url]).code, 0);
    assert!(server.join().unwrap().starts_with("GET / HTTP/1.1\r\n"));
}

#[test]
fn ipv6_loopback() {
    let listener = TcpListener::bind("[::1]:0").expect("bind [::1] (IPv6 loopback)");
    let port = listener.local_addr().unwrap().port();
    let server = serve_on(listener, status("200 OK"));
    assert_eq!(run(&[&format!("http://[::1]:{port}/readyz")]).code, 0);
    let head = server.join().unwrap().to_ascii_lowercase();
    assert!(
        head.contains(&format!("\r\nhost: [::1]:{port}\r\n")),
        "{head}"
    );
}

#[test]
fn refused_connection_exits_1() {
    let addr = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let run = run(&[&format!("http://{addr}/readyz")]);
    assert_eq!(run.code, 1);
    let reason = run.reason();
    assert!(
        reason.starts_with(&format!("healthprobe: connect {addr}: ")),
        "{reason}"
    );
    assert!(reason.to_ascii_lowercase().contains("refused"), "{reason}");
}

#[test]
fn blackholed_server_times_out() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/readyz", listener.local_addr().unwrap());
    let (accepted_tx, accepted_rx) = mpsc::channel();
    let (done_tx, done_rx) = mpsc::channel::<()>();
    thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        accepted_tx.send(()).unwrap();
        done_rx.recv().ok(); // hold the connection open, silent, until the test ends
        drop(stream);
    });
    let run = run(&["--timeout", "300ms", &url]);
    assert_eq!(run.code, 1);
    assert_eq!(run.reason(), "healthprobe: no answer within 300ms");
    assert!(run.elapsed >= Duration::from_millis(300), "{run:?}");
    assert!(run.elapsed < HANG, "{run:?}");
    accepted_rx
        .recv_timeout(HANG)
        .expect("the probe never connected");
    drop(done_tx);
}

#[test]
fn answer_without_end_is_enough() {
    // The server sends the status line and then stalls: the probe must not wait for more.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    let (done_tx, done_rx) = mpsc::channel::<()>();
    thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        read_head(&stream);
        stream
            .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n")
            .unwrap();
        done_rx.recv().ok();
    });
    let run = run(&["--timeout", "5s", &url]);
    assert_eq!(run.code, 0, "{run:?}");
    drop(done_tx);
}

#[test]
fn garbage_or_silence_exits_1() {
    let (url, _server) = serve("SSH-2.0-OpenSSH_9.6\r\n");
    let out = run(&[&url]);
    assert_eq!(out.code, 1);
    let expected =
        format!("healthprobe: {url} sent a malformed status line: \"SSH-2.0-OpenSSH_9.6\"");
    assert_eq!(out.reason(), expected);

    let (url, _server) = serve("");
    let out = run(&[&url]);
    assert_eq!(out.code, 1);
    assert_eq!(
        out.reason(),
        format!("healthprobe: {url} closed the connection without answering")
    );
}

#[test]
fn timeout_forms() {
    let (url, _server) = serve(status("200 OK"));
    assert_eq!(run(&["--timeout=2s", &url]).code, 0);
    let (url, _server) = serve(status("200 OK"));
    assert_eq!(run(&[&url, "--timeout", "1m"]).code, 0);
}

#[test]
fn usage_errors_exit_2() {
    let url = "http://127.0.0.1:9/";
    let cases: [&[&str]; 10] = [
        &[],
        &["--timeout", "1s"],
        &["--timeout", "5x", url],
        &["--timeout", "0s", url],
        &["--timeout", url],
        &[url, "--timeout"],
        &["https://127.0.0.1/readyz"],
        &["ftp://x"],
        &[url, "extra"],
        &["--verbose", url],
    ];
    for args in cases {
        let out = run(args);
        assert_eq!(out.code, 2, "{args:?}: {out:?}");
        assert!(out.reason().starts_with("healthprobe: usage: "), "{out:?}");
    }
    let out = run(&["https://127.0.0.1/readyz"]);
    assert!(out.reason().contains("https is not supported"), "{out:?}");
}

#[test]
fn help_exits_0_on_stdout() {
    for flag in ["--help", "-h"] {
        let run = run(&[flag]);
        assert_eq!(run.code, 0, "{run:?}");
        assert!(run.stderr.is_empty(), "{run:?}");
        assert!(run.stdout.starts_with("Usage: healthprobe"), "{run:?}");
        assert!(run.stdout.contains("--timeout <duration>"), "{run:?}");
    }
}
