//! Helpers shared by the black-box tests: run the binary, serve canned answers.

#![allow(dead_code, reason = "each test crate uses some of the helpers")]

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// The longest any single probe run may take before the test kills it and fails.
pub(crate) const HANG: Duration = Duration::from_secs(10);

/// What one run of the binary did.
#[derive(Debug)]
pub(crate) struct Run {
    pub(crate) code: i32,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
    pub(crate) elapsed: Duration,
}

impl Run {
    /// Asserts the run wrote exactly one `healthprobe: ` line on stderr and returns it.
    pub(crate) fn reason(&self) -> &str {
        let line = self
            .stderr
            .strip_suffix('\n')
            .unwrap_or_else(|| panic!("{self:?}"));
        assert!(!line.contains('\n'), "more than one stderr line: {self:?}");
        assert!(line.starts_with("healthprobe: "), "{self:?}");
        assert!(self.stdout.is_empty(), "{self:?}");
        line
    }
}

/// Runs the binary with `args`, killing it (and failing) if it runs longer than [`HANG`].
pub(crate) fn run(args: &[&str]) -> Run {
    let start = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_healthprobe"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn healthprobe");
    while child.try_wait().expect("wait for healthprobe").is_none() {
        if start.elapsed() > HANG {
            child.kill().ok();
            panic!("healthprobe {args:?} still running after {HANG:?}");
        }
        thread::sleep(Duration::from_millis(5));
    }
    let elapsed = start.elapsed();
    let out = child
        .wait_with_output()
        .expect("collect healthprobe output");
    Run {
        code: out.status.code().expect("healthprobe exited by a signal"),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
        elapsed,
    }
}

/// Reads one request head (up to the blank line) from `stream`.
pub(crate) fn read_head(stream: &TcpStream) -> String {
    stream.set_read_timeout(Some(HANG)).unwrap();
    let mut reader = BufReader::new(stream);
    let mut head = String::new();
    while !head.ends_with("\r\n\r\n") {
        if reader.read_line(&mut head).unwrap() == 0 {
            break;
        }
    }
    head
}

/// A one-connection server on `listener`: reads the request head, writes `answer`, closes.
/// The handle yields the request head it read.
pub(crate) fn serve_on(listener: TcpListener, answer: String) -> JoinHandle<String> {
    thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let head = read_head(&stream);
        stream.write_all(answer.as_bytes()).ok();
        head
    })
}

/// Starts a one-connection server on 127.0.0.1 answering `answer`; returns its base URL.
pub(crate) fn serve(answer: impl Into<String>) -> (String, JoinHandle<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    (url, serve_on(listener, answer.into()))
}

/// A status line with an empty body.
pub(crate) fn status(line: &str) -> String {
    format!("HTTP/1.1 {line}\r\ncontent-length: 0\r\n\r\n")
}

/// A complete answer: status line, `content-type`, `content-length` and `body`.
pub(crate) fn answer(line: &str, content_type: &str, body: &str) -> String {
    let length = body.len();
    format!(
        "HTTP/1.1 {line}\r\ncontent-type: {content_type}\r\ncontent-length: {length}\r\n\r\n{body}"
    )
}
