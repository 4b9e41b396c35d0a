//! Content negotiation: which body format a request's `Accept` prefers.

use http::HeaderMap;
use http::header::ACCEPT;

use crate::render::Format;

/// The format `Accept` prefers among the crate's JSON (the default), `application/health+json`
/// and, where `html` says the path has a page, `text/html`. Only media types named
/// explicitly with a quality above zero count: wildcards (curl's `*/*`, a kubelet's) keep
/// JSON, and a malformed header selects the default. The highest quality wins; on a tie
/// health+json goes before JSON, and JSON before HTML.
pub(crate) fn negotiate(headers: &HeaderMap, html: bool) -> Format {
    let values = || {
        headers
            .get_all(ACCEPT)
            .iter()
            .filter_map(|v| v.to_str().ok())
    };
    // The common case, neither named at all, costs one scan.
    let mentions = |value: &str| {
        let contains = |needle: &[u8]| {
            value
                .as_bytes()
                .windows(needle.len())
                .any(|w| w.eq_ignore_ascii_case(needle))
        };
        contains(b"health+json") || (html && contains(b"text/html"))
    };
    if !values().any(mentions) {
        return Format::Json;
    }
    // In tie order; HTML only where there is a page.
    let candidates = [
        ("application/health+json", Format::HealthJson),
        ("application/json", Format::Json),
        ("text/html", Format::Html),
    ];
    let candidates = &candidates[..if html { 3 } else { 2 }];
    // The highest quality each candidate is named with.
    let mut quality: [Option<f32>; 3] = [None; 3];
    for value in values() {
        for range in value.split(',') {
            let mut parts = range.split(';');
            let media = parts.next().unwrap_or("").trim();
            let Some(slot) = candidates
                .iter()
                .position(|(name, _)| media.eq_ignore_ascii_case(name))
            else {
                continue;
            };
            let q = parts
                .filter_map(|param| param.split_once('='))
                .find(|(name, _)| name.trim().eq_ignore_ascii_case("q"))
                .map_or(Some(1.0), |(_, q)| parse_quality(q.trim()));
            let Some(q) = q else { continue };
            quality[slot] = Some(quality[slot].map_or(q, |seen: f32| seen.max(q)));
        }
    }
    let mut best = (Format::Json, 0.0);
    for (&(_, format), q) in candidates.iter().zip(quality) {
        // Strictly better only: an earlier candidate wins a tie.
        if let Some(q) = q.filter(|&q| q > best.1) {
            best = (format, q);
        }
    }
    best.0
}

/// An RFC 9110 quality value: 0 to 1, at most three decimals.
fn parse_quality(q: &str) -> Option<f32> {
    let valid = !q.is_empty() && q.len() <= 5 && q.bytes().all(|b| b.is_ascii_digit() || b == b'.');
    let value: f32 = q.parse().ok().filter(|_| valid)?;
    (0.0..=1.0).contains(&value).then_some(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn format(accept: &[&[u8]], html: bool) -> Format {
        let mut headers = HeaderMap::new();
        for value in accept {
            headers.append(ACCEPT, HeaderValue::from_bytes(value).unwrap());
        }
        negotiate(&headers, html)
    }

    fn prefers(accept: &[&[u8]]) -> bool {
        format(accept, false) == Format::HealthJson
    }

    #[test]
    fn negotiation() {
        assert!(!prefers(&[]));
        assert!(!prefers(&[b"*/*"]));
        assert!(!prefers(&[b"application/json"]));
        assert!(prefers(&[b"application/health+json"]));
        assert!(prefers(&[b"Application/Health+JSON"]));
        assert!(prefers(&[
            b"application/json;q=0.5, application/health+json"
        ]));
        assert!(!prefers(&[
            b"application/json, application/health+json;q=0.9"
        ]));
        assert!(prefers(&[b"application/json", b"application/health+json"]));
        assert!(!prefers(&[
            b"application/json",
            b"application/health+json;q=0.5"
        ]));
        assert!(!prefers(&[b"application/health+json;q=0"]));
        assert!(prefers(&[
            b"text/html, application/health+json;q=0.2, */*;q=0.1"
        ]));
    }

    #[test]
    fn browsers_get_the_page_where_there_is_one() {
        let chromium: &[u8] = b"text/html,application/xhtml+xml,application/xml;q=0.9,\
            image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7";
        let firefox: &[u8] = b"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
        for browser in [chromium, firefox] {
            assert_eq!(format(&[browser], true), Format::Html);
            assert_eq!(format(&[browser], false), Format::Json, "no page there");
        }
        assert_eq!(format(&[b"*/*"], true), Format::Json, "curl");
        assert_eq!(format(&[], true), Format::Json);
        assert_eq!(format(&[b"application/json"], true), Format::Json);
        assert_eq!(format(&[b"text/*"], true), Format::Json);
        assert_eq!(
            format(&[b"application/health+json"], true),
            Format::HealthJson
        );
        assert_eq!(
            format(&[b"text/html, application/health+json;q=0.2"], true),
            Format::Html
        );
        assert_eq!(
            format(&[b"text/html;q=0.5, application/json"], true),
            Format::Json
        );
        assert_eq!(
            format(&[b"application/json, text/html"], true),
            Format::Json,
            "a tie"
        );
        assert_eq!(format(&[b"text/html;q=0"], true), Format::Json);
    }

    #[test]
    fn malformed_headers_choose_the_default() {
        assert!(!prefers(&[b"application/health+json;q=2"]));
        assert!(!prefers(&[b"application/health+json;q=abc"]));
        assert!(!prefers(&[b"application/health+json;q=-1"]));
        assert!(!prefers(&[b";;;,,,=q"]));
        assert!(!prefers(&[b"\xff\xfe health+json"]));
        assert!(prefers(&[
            b"application/health+json;q=",
            b"application/health+json"
        ]));
        assert_eq!(format(&[b"text/html;q=7"], true), Format::Json);
    }
}
