//! The URL to probe: `http://host[:port][/path][?query]`, parsed by `http::Uri`.

use std::net::Ipv6Addr;

use http::Uri;

/// A parsed `http://` URL.
#[derive(Debug, PartialEq)]
pub(crate) struct Url {
    /// The URL as given, for messages.
    pub(crate) text: String,
    /// Host name or IP address, without brackets.
    pub(crate) host: String,
    /// TCP port (80 when absent).
    pub(crate) port: u16,
    /// Request target: path and query, always starting with `/`.
    pub(crate) target: String,
}

impl Url {
    /// The `Host` header value: brackets around an IPv6 address, the port unless it is 80.
    pub(crate) fn host_header(&self) -> String {
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

/// Parses `http://host[:port][/path][?query]`; a `#fragment` is dropped.
///
/// `http::Uri` checks the syntax (characters, brackets, colons); on top of it only plain
/// `http`, a host name or IP address without user info, and a port in 1–65535 are accepted.
pub(crate) fn parse_url(text: &str) -> Result<Url, String> {
    let bad = |why: &str| format!("bad URL {text:?}: {why}");
    let uri = text.parse::<Uri>().map_err(|e| bad(&e.to_string()))?;
    let (Some(scheme), Some(authority)) = (uri.scheme_str(), uri.authority()) else {
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
    let bracketed = authority.host();
    let host = match bracketed.strip_prefix('[') {
        Some(v6) => v6
            .strip_suffix(']')
            .filter(|v6| v6.parse::<Ipv6Addr>().is_ok()),
        None => Some(bracketed).filter(|name| name.chars().all(is_name_char)),
    };
    let host = host
        .filter(|h| !h.is_empty() && !authority.as_str().contains('@'))
        .ok_or_else(|| bad("bad host"))?;
    // What follows the host is nothing (port 80) or `:` and a port `Uri` could read.
    let port = match authority.as_str().strip_prefix(bracketed) {
        Some("") => Some(80),
        _ => uri.port_u16().filter(|&p| p != 0),
    };
    let port = port.ok_or_else(|| bad("bad port"))?;
    let target = match uri.query() {
        Some(query) => format!("{}?{query}", uri.path()),
        None => uri.path().to_owned(),
    };
    Ok(Url {
        text: text.to_owned(),
        host: host.to_owned(),
        port,
        target,
    })
}

/// Whether `c` may appear in a host name or an IPv4 address.
fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Parses `text` into "host port target host-header".
    fn parts(text: &str) -> String {
        let u = parse_url(text).unwrap();
        format!("{} {} {} {}", u.host, u.port, u.target, u.host_header())
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
}
