//! Reading an answer from bytes received so far: the head with `httparse`, then the body by
//! its framing (`Content-Length`, chunked, or until the connection closes), bounded.

/// The most body bytes read after the head (chunk framing included); a longer body is not
/// explained.
pub(crate) const BODY_LIMIT: usize = 64 * 1024;

/// The most header fields read; more make the head unusable (the status line still counts).
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
    /// The status line is known; the header fields are incomplete (`complete: None`) or,
    /// once complete, the head is `len` bytes long and followed by a body framed as given.
    Status {
        /// The status line.
        status: Status,
        /// `None` until the blank line ends the head; then how to read the body.
        complete: Option<Result<(usize, Framing), Unusable>>,
    },
}

/// A complete head whose header fields cannot be used to find the body.
#[derive(Debug, PartialEq)]
pub(crate) struct Unusable;

/// How the body is delimited.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Framing {
    /// `Content-Length` bytes.
    Length(usize),
    /// `Transfer-Encoding: chunked`.
    Chunked,
    /// Until the server closes the connection.
    Close,
    /// No body at all (1xx, 204, 304).
    Empty,
}

/// Parses the head in `buf` as far as it has arrived.
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
    let status = Status { code, text };
    let complete = match parsed {
        Ok(httparse::Status::Partial) => None,
        Ok(httparse::Status::Complete(len)) => {
            Some(framing(code, response.headers).map(|f| (len, f)))
        }
        Err(_) => Some(Err(Unusable)),
    };
    Head::Status { status, complete }
}

/// The body's framing from the status code and the header fields (RFC 9112, section 6.3).
fn framing(code: u16, headers: &[httparse::Header<'_>]) -> Result<Framing, Unusable> {
    if code < 200 || code == 204 || code == 304 {
        return Ok(Framing::Empty);
    }
    let named = |name: &'static str| {
        headers
            .iter()
            .filter(move |h| h.name.eq_ignore_ascii_case(name))
            .map(|h| std::str::from_utf8(h.value).map_err(|_| Unusable))
    };
    if let Some(last) = named("transfer-encoding").next_back() {
        let last = last?.rsplit(',').next().unwrap_or_default().trim();
        return Ok(if last.eq_ignore_ascii_case("chunked") {
            Framing::Chunked
        } else {
            Framing::Close
        });
    }
    let mut length = None;
    for value in named("content-length") {
        let value: usize = value?.trim().parse().map_err(|_| Unusable)?;
        if length.is_some_and(|l| l != value) {
            return Err(Unusable);
        }
        length = Some(value);
    }
    Ok(length.map_or(Framing::Close, Framing::Length))
}

/// How far the body has been read.
#[derive(Debug, PartialEq)]
pub(crate) enum Body {
    /// More bytes are needed.
    Partial,
    /// The whole body.
    Complete(Vec<u8>),
    /// Over [`BODY_LIMIT`] or badly framed: not worth reading on.
    Unusable,
}

/// Decodes the body from `raw`, the bytes after the head; `closed` when no more will come.
pub(crate) fn parse_body(raw: &[u8], framing: Framing, closed: bool) -> Body {
    let body = match framing {
        Framing::Empty => Body::Complete(Vec::new()),
        Framing::Length(n) if n > BODY_LIMIT => Body::Unusable,
        Framing::Length(n) => match raw.get(..n) {
            Some(body) => Body::Complete(body.to_vec()),
            None => Body::Partial,
        },
        Framing::Chunked => dechunk(raw),
        Framing::Close if closed => Body::Complete(raw.to_vec()),
        Framing::Close => Body::Partial,
    };
    match body {
        Body::Partial if closed || raw.len() > BODY_LIMIT => Body::Unusable,
        Body::Complete(body) if body.len() > BODY_LIMIT => Body::Unusable,
        body => body,
    }
}

/// Decodes a chunked body up to its last (empty) chunk; trailer fields are not read.
fn dechunk(mut raw: &[u8]) -> Body {
    let mut body = Vec::new();
    loop {
        let (start, size) = match httparse::parse_chunk_size(raw) {
            Ok(httparse::Status::Complete(sized)) => sized,
            Ok(httparse::Status::Partial) => return Body::Partial,
            Err(_) => return Body::Unusable,
        };
        let Ok(size) = usize::try_from(size) else {
            return Body::Unusable;
        };
        if size == 0 {
            return Body::Complete(body);
        }
        if size > BODY_LIMIT {
            return Body::Unusable;
        }
        let Some(chunk) = raw.get(start..start + size) else {
            return Body::Partial;
        };
        body.extend_from_slice(chunk);
        match raw.get(start + size..start + size + 2) {
            Some(b"\r\n") => raw = &raw[start + size + 2..],
            Some(_) => return Body::Unusable,
            None => return Body::Partial,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The code and status of a status line, when it is one.
    fn parse_status_line(line: &str) -> Option<(u16, String)> {
        match parse_head(format!("{line}\r\n\r\n").as_bytes()) {
            Head::Status { status, .. } => Some((status.code, status.text)),
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
        let status = |code, text: &str| Status {
            code,
            text: text.to_owned(),
        };
        assert_eq!(head("HTTP/1.1 20"), Head::Partial);
        assert_eq!(head("SSH-2.0-OpenSSH_9.6\r\n"), Head::Malformed);
        let partial = Head::Status {
            status: status(200, "200 OK"),
            complete: None,
        };
        assert_eq!(head("HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n"), partial);
        let framed = |text: &str| match head(text) {
            Head::Status { complete, .. } => complete,
            other => panic!("{other:?}"),
        };
        let cases = [
            ("content-length: 7\r\n\r\n", Ok(Framing::Length(7))),
            (
                "Transfer-Encoding: gzip, chunked\r\n\r\n",
                Ok(Framing::Chunked),
            ),
            ("transfer-encoding: gzip\r\n\r\n", Ok(Framing::Close)),
            ("content-type: text/plain\r\n\r\n", Ok(Framing::Close)),
            (
                "content-length: 1\r\ncontent-length: 2\r\n\r\n",
                Err(Unusable),
            ),
            ("content-length: -1\r\n\r\n", Err(Unusable)),
            ("bad header\r\n\r\n", Err(Unusable)),
        ];
        for (headers, expected) in cases {
            let text = format!("HTTP/1.1 503 Service Unavailable\r\n{headers}");
            let expected = expected.map(|framing| (text.len(), framing));
            assert_eq!(framed(&text), Some(expected), "{headers:?}");
        }
        assert_eq!(
            framed("HTTP/1.1 100 Continue\r\n\r\n"),
            Some(Ok((25, Framing::Empty)))
        );
    }

    #[test]
    fn bodies() {
        let complete = |body: &str| Body::Complete(body.as_bytes().to_vec());
        assert_eq!(
            parse_body(b"{}xx", Framing::Length(2), false),
            complete("{}")
        );
        assert_eq!(parse_body(b"{", Framing::Length(2), false), Body::Partial);
        assert_eq!(parse_body(b"{", Framing::Length(2), true), Body::Unusable);
        assert_eq!(
            parse_body(b"", Framing::Length(BODY_LIMIT + 1), false),
            Body::Unusable
        );
        assert_eq!(parse_body(b"{}", Framing::Close, false), Body::Partial);
        assert_eq!(parse_body(b"{}", Framing::Close, true), complete("{}"));
        let big = vec![b' '; BODY_LIMIT + 1];
        assert_eq!(parse_body(&big, Framing::Close, false), Body::Unusable);
        assert_eq!(parse_body(&big, Framing::Close, true), Body::Unusable);
        assert_eq!(parse_body(b"", Framing::Empty, false), complete(""));

        let chunked = b"2\r\n{\"\r\n3;ext=1\r\nok\"\r\n1\r\n}\r\n0\r\n\r\n";
        assert_eq!(
            parse_body(chunked, Framing::Chunked, false),
            complete("{\"ok\"}")
        );
        for cut in 0..chunked.len() - 5 {
            let body = parse_body(&chunked[..cut], Framing::Chunked, false);
            assert_eq!(body, Body::Partial, "cut at {cut}");
        }
        let cases: [&[u8]; 3] = [b"zz\r\n", b"2\r\n{}xx0\r\n\r\n", b"10001\r\n"];
        for raw in cases {
            assert_eq!(
                parse_body(raw, Framing::Chunked, false),
                Body::Unusable,
                "{raw:?}"
            );
        }
    }
}
