//! The command line: `[--timeout <duration>] <url>`, `--help`.

use std::time::Duration;

use crate::url::{Url, parse_url};

/// The usage text printed by `--help`.
pub(crate) const USAGE: &str = "\
Usage: healthprobe [--timeout <duration>] <url>

Probes http://host[:port][/path][?query] with one GET and exits
  0  when the status is 200-399 (silently),
  1  for any other status, a refused connection, a malformed answer or a timeout,
  2  for a usage error.
When not 0 it prints one line on stderr (at most 200 characters) saying why. For a
tower-health JSON body (application/json or application/health+json, read up to
64 KiB) the line names the components:
  healthprobe: <url> answered 503: starting; redis down, queue unknown (database ok)
that is the reason if any, the failing components, the passing ones in parentheses.
Other bodies: the status line only (answered 503 Service Unavailable).

Options:
  --timeout <duration>  bound on the whole probe: 500ms, 2s, 1m, 1s 500ms (default 1s)
  -h, --help            print this help
";

/// The longest timeout accepted; anything larger is reported as an overflow.
const MAX_TIMEOUT: Duration = Duration::from_secs(u32::MAX as u64);

/// What the command line asks for.
#[derive(Debug, PartialEq)]
pub(crate) enum Command {
    /// Print the usage text and exit 0.
    Help,
    /// Probe `url`, giving up after `timeout`.
    Probe {
        /// The bound on the whole probe.
        timeout: Duration,
        /// What to probe.
        url: Url,
    },
}

/// Parses the arguments (without the program name).
pub(crate) fn parse_args(args: &[String]) -> Result<Command, String> {
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

/// Parses a positive duration in humantime's syntax, such as `500ms`, `2s` or `1s 500ms`.
fn parse_duration(text: &str) -> Result<Duration, String> {
    let bad = |why: &str| format!("bad duration {text:?}: {why} (examples: 500ms, 2s, 1m)");
    let duration = humantime::parse_duration(text).map_err(|e| match e {
        humantime::DurationError::NumberOverflow => bad("too large"),
        e => bad(&e.to_string()),
    })?;
    if duration.is_zero() {
        return Err(bad("must be more than zero"));
    }
    if duration > MAX_TIMEOUT {
        return Err(bad("too large"));
    }
    Ok(duration)
}

/// Formats a duration for messages: whole seconds as `2s`, anything else in `ms`.
pub(crate) fn format_duration(d: Duration) -> String {
    let ms = d.as_millis();
    if ms.is_multiple_of(1000) {
        format!("{}s", ms / 1000)
    } else {
        format!("{ms}ms")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        // humantime's syntax accepts these, which the hand-written parser refused.
        let accepted = [
            ("1s 500ms", 1500),
            ("1.5s", 1500),
            ("2sec", 2000),
            ("2 s", 2000),
            ("2h", 7_200_000),
        ];
        for (text, ms) in accepted {
            assert_eq!(
                parse_duration(text),
                Ok(Duration::from_millis(ms)),
                "{text:?}"
            );
        }
        let bad = "0s 0ms 0m -1s 5x 5 s ms +2s 2S 1_000ms";
        for text in bad.split(' ').chain([""]) {
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
}
