//! `healthprobe`: an HTTP health probe for exec probes and Docker `HEALTHCHECK`, for images
//! without a shell or curl (distroless, scratch).
//!
//! ```text
//! healthprobe [--timeout <duration>] <url>
//! HEALTHCHECK CMD ["/healthprobe", "--timeout", "2s", "http://127.0.0.1:3000/readyz"]
//! ```
//!
//! It sends `GET <path> HTTP/1.1` (with `Host`, `Connection: close` and
//! `User-Agent: healthprobe`) to a plain `http://` URL and reads the status line only.
//! `<duration>` is a whole number of `ms`, `s` or `m` (default `1s`); it bounds the whole
//! probe: name resolution, connect, send and the wait for the answer.
//!
//! Exit status, as kubelet judges HTTP probes: `0` when the status is 200–399 (nothing is
//! printed); `1` for any other status, a refused connection, a malformed answer or a timeout;
//! `2` for a usage error. When not `0` it prints exactly one line on stderr saying why.
//!
//! Standard library only: no crates, no async runtime, no `unsafe`.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Ipv6Addr, TcpStream, ToSocketAddrs};
use std::process::ExitCode;
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The usage text printed by `--help`.
const USAGE: &str = "\
Usage: healthprobe [--timeout <duration>] <url>

Probes http://host[:port][/path][?query] with one GET and exits
  0  when the status is 200-399,
  1  for any other status, a refused connection, a malformed answer or a timeout,
  2  for a usage error.

Options:
  --timeout <duration>  bound on the whole probe: 500ms, 2s, 1m (default 1s)
  -h, --help            print this help
";

/// The longest timeout accepted; anything larger is reported as an overflow.
const MAX_TIMEOUT: Duration = Duration::from_secs(u32::MAX as u64);

/// What the command line asks for.
#[derive(Debug, PartialEq)]
enum Command {
    /// Print the usage text and exit 0.
    Help,
    /// Probe `url`, giving up after `timeout`.
    Probe { timeout: Duration, url: Url },
}

/// A parsed `http://` URL.
#[derive(Debug, PartialEq)]
struct Url {
    /// The URL as given, for messages.
    text: String,
    /// Host name or IP address, without brackets.
    host: String,
    /// TCP port (80 when absent).
    port: u16,
    /// Request target: path and query, always starting with `/`.
    target: String,
}

impl Url {
    /// The `Host` header value: brackets around an IPv6 address, the port unless it is 80.
    fn host_header(&self) -> String {
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        if self.port == 80 {
            host
        } else {
            format!("{host}:{}", self.port)
        }
    }
}

/// Parses the arguments (without the program name).
fn parse_args(args: &[String]) -> Result<Command, String> {
    let mut timeout = Duration::from_secs(1);
    let mut url = None;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-h" | "--help" => return Ok(Command::Help),
            "--timeout" => {
                let value = args.next().ok_or("--timeout needs a duration")?;
                timeout = parse_duration(value)?;
            }
            _ if arg.starts_with("--timeout=") => {
                timeout = parse_duration(&arg["--timeout=".len()..])?
            }
            _ if arg.starts_with('-') => return Err(format!("unknown option {arg:?}")),
            _ if url.is_some() => return Err(format!("unexpected argument {arg:?}")),
            _ => url = Some(parse_url(arg)?),
        }
    }
    let url = url.ok_or("missing <url>")?;
    Ok(Command::Probe { timeout, url })
}

/// Parses a positive whole number of `ms`, `s` or `m`, such as `500ms` or `2s`.
fn parse_duration(text: &str) -> Result<Duration, String> {
    let bad = |why: &str| format!("bad duration {text:?}: {why} (examples: 500ms, 2s, 1m)");
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (digits, unit) = text.split_at(split);
    if digits.is_empty() {
        return Err(bad("expected a whole number followed by ms, s or m"));
    }
    let n: u64 = digits.parse().map_err(|_| bad("too large"))?;
    let duration = match unit {
        "ms" => Duration::from_millis(n),
        "s" => Duration::from_secs(n),
        "m" => Duration::from_secs(n.checked_mul(60).ok_or_else(|| bad("too large"))?),
        "" => return Err(bad("missing unit")),
        _ => return Err(bad("unknown unit")),
    };
    if duration.is_zero() {
        return Err(bad("must be more than zero"));
    }
    if duration > MAX_TIMEOUT {
        return Err(bad("too large"));
    }
    Ok(duration)
}

/// Parses `http://host[:port][/path][?query]`; a `#fragment` is dropped.
fn parse_url(text: &str) -> Result<Url, String> {
    let bad = |why: &str| format!("bad URL {text:?}: {why}");
    let Some((scheme, rest)) = text.split_once("://") else {
        return Err(bad("expected http://host[:port][/path]"));
    };
    if scheme.eq_ignore_ascii_case("https") {
        return Err(bad(
            "https is not supported (no TLS); probe a plain http:// port",
        ));
    }
    if !scheme.eq_ignore_ascii_case("http") {
        return Err(bad("only http:// is supported"));
    }
    if text.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad("contains whitespace or control characters"));
    }
    let rest = rest.split('#').next().unwrap_or_default();
    let split = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, target) = rest.split_at(split);
    let target = format!("/{}", target.strip_prefix('/').unwrap_or(target));
    let (host, port) = match authority.rsplit_once(':') {
        Some((host, port)) if !port.contains(']') => (host, port.parse().ok()),
        Some(_) | None => (authority, Some(80)),
    };
    let host = match host.strip_prefix('[') {
        Some(v6) => v6
            .strip_suffix(']')
            .filter(|v6| v6.parse::<Ipv6Addr>().is_ok()),
        None => Some(host).filter(|name| name.chars().all(is_name_char)),
    };
    let host = host
        .filter(|h| !h.is_empty())
        .ok_or_else(|| bad("bad host"))?;
    let port = port.filter(|&p| p != 0).ok_or_else(|| bad("bad port"))?;
    let (text, host) = (text.to_owned(), host.to_owned());
    Ok(Url {
        text,
        host,
        port,
        target,
    })
}

/// Whether `c` may appear in a host name or an IPv4 address.
fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_')
}

/// Formats a duration the way it is written on the command line (`300ms`, `2s`).
fn format_duration(d: Duration) -> String {
    let ms = d.as_millis();
    if ms.is_multiple_of(1000) {
        format!("{}s", ms / 1000)
    } else {
        format!("{ms}ms")
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

/// Runs the probe to completion: `Ok(())` for a 200–399 answer, else the reason.
///
/// Connect, send and receive are bounded by the time left before `deadline`; `main` enforces
/// the deadline again from outside, so a step std cannot bound (name resolution) cannot hang it.
fn probe(url: &Url, timeout: Duration, deadline: Instant) -> Result<(), String> {
    let timed_out = || format!("no answer within {}", format_duration(timeout));
    let left = || {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            Err(timed_out())
        } else {
            Ok(left)
        }
    };
    let addrs = (url.host.as_str(), url.port)
        .to_socket_addrs()
        .map_err(|e| format!("resolve {}: {}", url.host, describe(&e)))?;
    let mut last_error = format!("resolve {}: no addresses", url.host);
    let mut connected = None;
    for addr in addrs {
        match TcpStream::connect_timeout(&addr, left()?) {
            Ok(stream) => {
                connected = Some(stream);
                break;
            }
            Err(e) if e.kind() == io::ErrorKind::TimedOut => last_error = timed_out(),
            Err(e) => last_error = format!("connect {addr}: {}", describe(&e)),
        }
    }
    let stream = connected.ok_or(last_error)?;
    let failed = |e: io::Error| match e.kind() {
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => timed_out(),
        _ => format!("{}: {}", url.text, describe(&e)),
    };
    let left = left()?;
    stream.set_read_timeout(Some(left)).map_err(failed)?;
    stream.set_write_timeout(Some(left)).map_err(failed)?;
    let request = format!(
        "GET {} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nUser-Agent: healthprobe\r\n\r\n",
        url.target,
        url.host_header()
    );
    (&stream).write_all(request.as_bytes()).map_err(failed)?;
    let mut line = Vec::new();
    let mut reader = BufReader::new(&stream).take(8192);
    reader.read_until(b'\n', &mut line).map_err(failed)?;
    if line.is_empty() {
        return Err(format!(
            "{} closed the connection without answering",
            url.text
        ));
    }
    let line = String::from_utf8_lossy(&line);
    let line = line.trim_end();
    match parse_status_line(line) {
        Some((200..=399, _)) => Ok(()),
        Some((_, status)) => Err(format!("{} answered {status}", url.text)),
        None => {
            let start: String = line.chars().take(60).collect();
            Err(format!(
                "{} sent a malformed status line: {start:?}",
                url.text
            ))
        }
    }
}

/// Parses a status line such as `HTTP/1.1 503 Service Unavailable` into the code and the
/// status (`503 Service Unavailable`).
fn parse_status_line(line: &str) -> Option<(u16, &str)> {
    let (version, status) = line.split_once(' ')?;
    let version_ok = match version.strip_prefix("HTTP/")?.as_bytes() {
        [major] => major.is_ascii_digit(),
        [major, b'.', minor] => major.is_ascii_digit() && minor.is_ascii_digit(),
        _ => false,
    };
    let code = status.split(' ').next()?;
    if !version_ok || code.len() != 3 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((code.parse().ok().filter(|c| *c >= 100)?, status.trim_end()))
}

/// Parses the arguments, runs the probe on its own thread and waits for it at most `timeout`.
fn main() -> ExitCode {
    let args = std::env::args_os().skip(1).map(|a| a.into_string());
    let args: Result<Vec<String>, _> = args.collect();
    let args = args.map_err(|a| format!("argument {a:?} is not UTF-8"));
    let command = args.and_then(|a| parse_args(&a));
    let (timeout, url) = match command {
        Ok(Command::Help) => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Ok(Command::Probe { timeout, url }) => (timeout, url),
        Err(why) => {
            eprintln!("healthprobe: usage: {why} (see healthprobe --help)");
            return ExitCode::from(2);
        }
    };
    let deadline = Instant::now() + timeout;
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || tx.send(probe(&url, timeout, deadline)));
    let why = match rx.recv_timeout(timeout) {
        Ok(Ok(())) => return ExitCode::SUCCESS,
        Ok(Err(why)) => why,
        Err(mpsc::RecvTimeoutError::Timeout) => {
            format!("no answer within {}", format_duration(timeout))
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => "the probe thread failed".to_owned(),
    };
    eprintln!("healthprobe: {why}");
    ExitCode::FAILURE
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Parses `text` into "host port target host-header".
    fn parts(text: &str) -> String {
        let u = parse_url(text).unwrap();
        format!("{} {} {} {}", u.host, u.port, u.target, u.host_header())
    }

    /// Parses a space-separated command line.
    fn args(line: &str) -> Result<Command, String> {
        let args: Vec<String> = line.split_whitespace().map(String::from).collect();
        parse_args(&args)
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("2s"), Ok(Duration::from_secs(2)));
        assert_eq!(parse_duration("1m"), Ok(Duration::from_secs(60)));
        let bad = "0s 0ms 0m -1s 5x 5 s ms 1.5s +2s 2S 2sec 2h 1_000ms";
        for text in bad.split(' ').chain(["", "2 s"]) {
            assert!(parse_duration(text).is_err(), "{text:?} should be rejected");
        }
        for text in "99999999999999999999ms 5000000000s 999999999999999999m".split(' ') {
            let err = parse_duration(text).unwrap_err();
            assert!(err.contains("too large"), "{text:?}: {err}");
        }
        assert_eq!(format_duration(Duration::from_millis(300)), "300ms");
        assert_eq!(format_duration(Duration::from_secs(60)), "60s");
    }

    #[test]
    fn urls() {
        let ok = [
            (
                "http://127.0.0.1:3000/readyz?x=1",
                "127.0.0.1 3000 /readyz?x=1 127.0.0.1:3000",
            ),
            ("http://example.com", "example.com 80 / example.com"),
            ("HTTP://svc:80?ready#frag", "svc 80 /?ready svc"),
            ("http://[::1]:8080/readyz", "::1 8080 /readyz [::1]:8080"),
            ("http://[fe80::1]/", "fe80::1 80 / [fe80::1]"),
        ];
        for (text, expected) in ok {
            assert_eq!(parts(text), expected, "{text:?}");
        }
        let err = parse_url("https://x/").unwrap_err();
        assert!(err.contains("https is not supported"), "{err}");
        let bad = "ftp://x x http:// http://:80/ http://h:0/ http://h:70000/ http://h:x/ \
                   http://h:1:2/ http://[::1/ http://[zz]/ http://[::1]x/ http://user@h/ \
                   http://::1/ http://h%20/";
        let spaced = ["", "http://h/a b", "http://h/\r\nX: y"];
        for text in bad.split_whitespace().chain(spaced) {
            assert!(parse_url(text).is_err(), "{text:?} should be rejected");
        }
    }

    #[test]
    fn arguments() {
        let probe = |ms, url| {
            let url = parse_url(url).unwrap();
            Ok(Command::Probe {
                timeout: Duration::from_millis(ms),
                url,
            })
        };
        assert_eq!(args("http://h/"), probe(1000, "http://h/"));
        assert_eq!(args("--timeout 2s http://h/"), probe(2000, "http://h/"));
        assert_eq!(args("--timeout=250ms http://h/"), probe(250, "http://h/"));
        assert_eq!(args("http://h/ --timeout 1m"), probe(60_000, "http://h/"));
        assert_eq!(args("-h"), Ok(Command::Help));
        assert_eq!(args("http://h/ --help"), Ok(Command::Help));
        let bad = [
            "",
            "--timeout 1s",
            "http://h/ --timeout",
            "--timeout 5x http://h/",
            "--timeout= http://h/",
            "-v http://h/",
            "http://a/ http://b/",
        ];
        for line in bad {
            assert!(args(line).is_err(), "{line:?} should be rejected");
        }
    }

    #[test]
    fn status_lines() {
        let ok = [
            ("HTTP/1.1 200 OK", 200, "200 OK"),
            (
                "HTTP/1.0 503 Service Unavailable",
                503,
                "503 Service Unavailable",
            ),
            ("HTTP/1.1 204 ", 204, "204"),
            ("HTTP/2 302 Found", 302, "302 Found"),
        ];
        for (line, code, status) in ok {
            assert_eq!(parse_status_line(line), Some((code, status)));
        }
        let bad = ["", "hello", "HTTP/1.1", "HTTP/1.1 20 OK", "HTTP/1.1 2000"];
        for line in bad
            .into_iter()
            .chain(["HTTP/x 200 OK", "HTTP/1.1 099 X", "ICY 200 OK"])
        {
            assert_eq!(parse_status_line(line), None, "{line:?}");
        }
    }
}
