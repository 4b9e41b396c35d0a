//! `healthprobe`: an HTTP health probe for exec probes and Docker `HEALTHCHECK`, for images
//! without a shell or curl (distroless, scratch).
//!
//! ```text
//! healthprobe [--timeout <duration>] <url>
//! HEALTHCHECK CMD ["/healthprobe", "--timeout", "2s", "http://127.0.0.1:3000/readyz"]
//! ```
//!
//! It sends `GET <path> HTTP/1.1` (with `Host`, `Connection: close` and
//! `User-Agent: healthprobe`) to a plain `http://` URL. `<duration>` is in humantime's syntax
//! (`500ms`, `2s`, `1m`, `1s 500ms`; default `1s`); it bounds the whole probe: name
//! resolution, connect, send and the wait for the answer, body included.
//!
//! Exit status, as kubelet judges HTTP probes: `0` when the status is 200–399 (nothing is
//! printed, the body is not read); `1` for any other status, a refused connection, a
//! malformed answer or a timeout; `2` for a usage error. When not `0` it prints exactly one
//! line on stderr, at most 200 characters (cut with `…`), saying why:
//!
//! ```text
//! healthprobe: http://127.0.0.1:3000/readyz answered 503: redis down (database ok)
//! healthprobe: http://127.0.0.1:3000/readyz answered 503: starting; redis down, queue unknown (database ok)
//! healthprobe: http://127.0.0.1:3000/healthz answered 503: broken
//! healthprobe: http://127.0.0.1:3000/readyz answered 503 Service Unavailable
//! healthprobe: no answer within 2s
//! ```
//!
//! A failing answer whose body is tower-health JSON (the crate's `application/json` or the
//! IETF `application/health+json`) is explained after `answered <code>:` by the lifecycle
//! reason if there is one, the failing components (`down`/`fail`, then `unknown`/`warn`)
//! and the passing ones in parentheses: names and statuses only. Exec-probe output is what
//! `kubectl describe pod` shows in the `Unhealthy` event. Any other body (other JSON, HTML,
//! text, over 64 KiB, cut short by the server or the timeout) gives the status line only.
//!
//! No async runtime and no `unsafe`: the URL is read by `http`, the answer's head by
//! `httparse`, the duration by `humantime` and the body by `serde_json`.

mod answer;
mod args;
mod probe;
mod url;
mod why;

use std::process::ExitCode;
use std::sync::mpsc;
use std::time::Instant;

use args::{Command, USAGE, parse_args};
use probe::{Deadline, probe};

/// The longest stderr line, in characters.
const LINE_LIMIT: usize = 200;

/// What the probe thread reports.
enum Report {
    /// A failing status line is known; the body is still being read.
    Answered(String),
    /// The probe is over.
    Done(Result<(), String>),
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
            eprintln!(
                "{}",
                line(&format!("usage: {why} (see healthprobe --help)"))
            );
            return ExitCode::from(2);
        }
    };
    let deadline = Deadline {
        timeout,
        at: Instant::now() + timeout,
    };
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let answered = |why: &str| drop(tx.send(Report::Answered(why.to_owned())));
        let result = probe(&url, deadline, answered);
        tx.send(Report::Done(result))
    });
    let mut answered = None;
    let why = loop {
        let left = deadline.at.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(Report::Answered(why)) => answered = Some(why),
            Ok(Report::Done(Ok(()))) => return ExitCode::SUCCESS,
            Ok(Report::Done(Err(why))) => break why,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                break answered.unwrap_or_else(|| deadline.missed());
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                break answered.unwrap_or_else(|| "the probe thread failed".to_owned());
            }
        }
    };
    eprintln!("{}", line(&why));
    ExitCode::FAILURE
}

/// The stderr line for `why`: `healthprobe: ` first, control characters escaped, cut to
/// [`LINE_LIMIT`] characters with an ellipsis.
fn line(why: &str) -> String {
    let mut line = String::from("healthprobe: ");
    for c in why.chars() {
        if c.is_control() {
            line.extend(c.escape_default());
        } else {
            line.push(c);
        }
    }
    if let Some((cut, _)) = line.char_indices().nth(LINE_LIMIT) {
        let (end, _) = line[..cut].char_indices().last().unwrap_or_default();
        line.truncate(end);
        line.push('…');
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines() {
        assert_eq!(
            line("no answer within 2s"),
            "healthprobe: no answer within 2s"
        );
        assert_eq!(line("a\nb\u{1b}"), "healthprobe: a\\nb\\u{1b}");
        let fits = "é".repeat(LINE_LIMIT - "healthprobe: ".len());
        assert_eq!(line(&fits), format!("healthprobe: {fits}"));
        let long = line(&format!("{fits}xyz"));
        assert_eq!(long.chars().count(), LINE_LIMIT);
        assert_eq!(long, format!("healthprobe: {}…", &fits[..fits.len() - 2]));
    }
}
