//! Reading an answer from bytes received so far: the status line, with `httparse`.

/// The most header fields parsed; the status line counts even when there are more.
const MAX_HEADERS: usize = 64;

/// A status line: the code and the status as sent (`503 Service Unavailable`).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Status {
    /// The status code, 100–999.
    pub(crate) code: u16,
    /// The code and the reason phrase, if any.
    pub(crate) text: String,
}

impl Status {
    /// Whether the probe passes: 200–399, as kubelet judges HTTP probes.
    pub(crate) fn passes(&self) -> bool {
        (200..=399).contains(&self.code)
    }
}

/// How far the head has been read.
#[derive(Debug, PartialEq)]
pub(crate) enum Head {
    /// The status line is not complete yet.
    Partial,
    /// What arrived is not an HTTP/1.x status line.
    Malformed,
    /// The status line is known (the header fields need not be complete).
    Status(Status),
}

/// Parses the status line in `buf` as far as it has arrived.
pub(crate) fn parse_head(buf: &[u8]) -> Head {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut response = httparse::Response::new(&mut headers);
    let parsed = response.parse(buf);
    // httparse fills `reason` last on the status line: with it, the line is complete.
    let (Some(code), Some(reason)) = (response.code, response.reason) else {
        return match parsed {
            Ok(httparse::Status::Partial) => Head::Partial,
            _ => Head::Malformed,
        };
    };
    if code < 100 {
        return Head::Malformed;
    }
    let text = format!("{code} {reason}").trim_end().to_owned();
    Head::Status(Status { code, text })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The code and status of a status line, when it is one.
    fn parse_status_line(line: &str) -> Option<(u16, String)> {
        match parse_head(format!("{line}\r\n\r\n").as_bytes()) {
            Head::Status(status) => Some((status.code, status.text)),
            Head::Partial | Head::Malformed => None,
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
        ];
        for (line, code, status) in ok {
            assert_eq!(parse_status_line(line), Some((code, status.to_owned())));
        }
        let bad = ["", "hello", "HTTP/1.1", "HTTP/1.1 20 OK", "HTTP/1.1 2000"];
        // httparse reads HTTP/1.0 and HTTP/1.1 only, as kubelet's Go client does.
        let versions = [
            "HTTP/x 200 OK",
            "HTTP/1.1 099 X",
            "ICY 200 OK",
            "HTTP/2 302 Found",
        ];
        for line in bad.into_iter().chain(versions) {
            assert_eq!(parse_status_line(line), None, "{line:?}");
        }
    }

    #[test]
    fn heads() {
        let head = |text: &str| parse_head(text.as_bytes());
        assert_eq!(head("HTTP/1.1 20"), Head::Partial);
        assert_eq!(head("SSH-2.0-OpenSSH_9.6\r\n"), Head::Malformed);
        let status = Status {
            code: 200,
            text: "200 OK".to_owned(),
        };
        let partial = head("HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n");
        assert_eq!(partial, Head::Status(status));
    }
}
