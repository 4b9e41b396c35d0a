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
//! resolution, connect, send and the wait for the answer.
//!
//! Exit status, as kubelet judges HTTP probes: `0` when the status is 200–399 (nothing is
//! printed); `1` for any other status, a refused connection, a malformed answer or a timeout;
//! `2` for a usage error. When not `0` it prints exactly one line on stderr saying why.
//!
//! No async runtime and no `unsafe`: the URL is read by `http`, the status line by
//! `httparse` and the duration by `humantime`.

mod answer;
mod args;
mod probe;
mod url;

use std::process::ExitCode;
use std::sync::mpsc;
use std::time::Instant;

use args::{Command, USAGE, parse_args};
use probe::{Deadline, probe};

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
    let deadline = Deadline {
        timeout,
        at: Instant::now() + timeout,
    };
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || tx.send(probe(&url, deadline)));
    let why = match rx.recv_timeout(timeout) {
        Ok(Ok(())) => return ExitCode::SUCCESS,
        Ok(Err(why)) => why,
        Err(mpsc::RecvTimeoutError::Timeout) => deadline.missed(),
        Err(mpsc::RecvTimeoutError::Disconnected) => "the probe thread failed".to_owned(),
    };
    eprintln!("healthprobe: {why}");
    ExitCode::FAILURE
}
