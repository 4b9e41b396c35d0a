//! One probe: resolve, connect, send `GET`, read the answer, each step bounded by the deadline.

use std::io::{self, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

use crate::answer::{BODY_LIMIT, Body, Framing, Head, Status, parse_body, parse_head};
use crate::args::format_duration;
use crate::url::Url;
use crate::why;

/// The most bytes read for the head (status line and header fields).
const HEAD_LIMIT: usize = 16 * 1024;

/// The end of the probe.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Deadline {
    /// The `--timeout`, for messages.
    pub(crate) timeout: Duration,
    /// When the probe gives up.
    pub(crate) at: Instant,
}

impl Deadline {
    /// The reason given when the deadline passes before an answer.
    pub(crate) fn missed(&self) -> String {
        format!("no answer within {}", format_duration(self.timeout))
    }

    /// The time left, or the reason when none is.
    fn left(&self) -> Result<Duration, String> {
        let left = self.at.saturating_duration_since(Instant::now());
        if left.is_zero() {
            Err(self.missed())
        } else {
            Ok(left)
        }
    }
}

/// Runs the probe to completion: `Ok(())` for a 200–399 answer, else the reason.
///
/// As soon as a failing status line is known, `answered` gets the reason that names it, so
/// that the caller has it should the deadline pass while the body is still arriving.
/// Connect, send and every read are bounded by the time left; `main` enforces the deadline
/// again from outside, so a step std cannot bound (name resolution) cannot hang it.
pub(crate) fn probe(
    url: &Url,
    deadline: Deadline,
    answered: impl FnOnce(&str),
) -> Result<(), String> {
    let mut connection = Connection::open(url, deadline)?;
    let request = format!(
        "GET {} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nUser-Agent: healthprobe\r\n\r\n",
        url.target,
        url.host_header()
    );
    connection.send(request.as_bytes())?;
    let status = connection.read_status()?;
    if status.passes() {
        return Ok(());
    }
    let status_line = format!("{} answered {}", url.text, status.text);
    answered(&status_line);
    let why = connection
        .read_head()
        .and_then(|(len, framing)| connection.read_body(len, framing))
        .and_then(|body| why::explain(&body));
    Err(match why {
        Some(why) => format!("{} answered {}: {why}", url.text, status.code),
        None => status_line,
    })
}

/// A connection to the probed server and what it has sent so far.
struct Connection<'a> {
    /// What is probed.
    url: &'a Url,
    /// When to give up.
    deadline: Deadline,
    /// The socket.
    stream: TcpStream,
    /// The bytes received.
    received: Vec<u8>,
}

impl<'a> Connection<'a> {
    /// Resolves the host and connects to the first address that accepts.
    fn open(url: &'a Url, deadline: Deadline) -> Result<Self, String> {
        let addrs = (url.host.as_str(), url.port)
            .to_socket_addrs()
            .map_err(|e| format!("resolve {}: {}", url.host, describe(&e)))?;
        let mut last_error = format!("resolve {}: no addresses", url.host);
        for addr in addrs {
            match TcpStream::connect_timeout(&addr, deadline.left()?) {
                Ok(stream) => {
                    let received = Vec::new();
                    return Ok(Connection {
                        url,
                        deadline,
                        stream,
                        received,
                    });
                }
                Err(e) if e.kind() == io::ErrorKind::TimedOut => last_error = deadline.missed(),
                Err(e) => last_error = format!("connect {addr}: {}", describe(&e)),
            }
        }
        Err(last_error)
    }

    /// The reason for an I/O error on the connection.
    fn failed(&self, e: &io::Error) -> String {
        match e.kind() {
            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => self.deadline.missed(),
            _ => format!("{}: {}", self.url.text, describe(e)),
        }
    }

    /// Writes the request.
    fn send(&mut self, request: &[u8]) -> Result<(), String> {
        let left = self.deadline.left()?;
        let sent = self.stream.set_write_timeout(Some(left));
        let sent = sent.and_then(|()| self.stream.write_all(request));
        sent.map_err(|e| self.failed(&e))
    }

    /// Reads more, keeping at most `limit` bytes: `Ok(false)` once the server has closed.
    fn receive(&mut self, limit: usize) -> Result<bool, String> {
        let mut chunk = [0; 8192];
        let room = limit.saturating_sub(self.received.len()).min(chunk.len());
        loop {
            let left = self.deadline.left()?;
            let read = self.stream.set_read_timeout(Some(left));
            match read.and_then(|()| self.stream.read(&mut chunk[..room])) {
                Ok(n) => {
                    self.received.extend_from_slice(&chunk[..n]);
                    return Ok(n > 0);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(self.failed(&e)),
            }
        }
    }

    /// Reads until the status line is known.
    fn read_status(&mut self) -> Result<Status, String> {
        loop {
            let malformed = match parse_head(&self.received) {
                Head::Status { status, .. } => return Ok(status),
                Head::Malformed if self.received.contains(&b'\n') => return Err(self.malformed()),
                Head::Malformed => true,
                Head::Partial => false,
            };
            let more = if self.received.len() < HEAD_LIMIT {
                self.receive(HEAD_LIMIT)
            } else {
                Ok(false)
            };
            match more {
                Ok(true) => {}
                Err(why) if !malformed => return Err(why),
                Ok(false) if self.received.is_empty() => {
                    let url = &self.url.text;
                    return Err(format!("{url} closed the connection without answering"));
                }
                Ok(false) | Err(_) => return Err(self.malformed()),
            }
        }
    }

    /// Reads on to the end of the head: its length and the body's framing, or `None` when
    /// the head is unusable, too long or cut short.
    fn read_head(&mut self) -> Option<(usize, Framing)> {
        loop {
            if let Head::Status {
                complete: Some(head),
                ..
            } = parse_head(&self.received)
            {
                return head.ok();
            }
            if self.received.len() >= HEAD_LIMIT || !self.receive(HEAD_LIMIT).ok()? {
                return None;
            }
        }
    }

    /// The reason for an answer that does not start with a status line.
    fn malformed(&self) -> String {
        let first = self
            .received
            .split(|&b| b == b'\n')
            .next()
            .unwrap_or_default();
        let first = String::from_utf8_lossy(first);
        let start: String = first.trim_end().chars().take(60).collect();
        format!("{} sent a malformed status line: {start:?}", self.url.text)
    }

    /// Reads the body after a head of `len` bytes, or `None` when it is too long, badly
    /// framed or cut short (by the server or the deadline).
    fn read_body(&mut self, len: usize, framing: Framing) -> Option<Vec<u8>> {
        self.received.drain(..len);
        let mut closed = false;
        loop {
            match parse_body(&self.received, framing, closed) {
                Body::Complete(body) => return Some(body),
                Body::Unusable => return None,
                Body::Partial => closed = !self.receive(BODY_LIMIT + 1).ok()?,
            }
        }
    }
}

/// An I/O error's message without the ` (os error N)` suffix.
fn describe(e: &io::Error) -> String {
    let text = e.to_string();
    match text.find(" (os error ") {
        Some(i) => text[..i].to_owned(),
        None => text,
    }
}
