//! Content negotiation: does a request's `Accept` prefer `application/health+json`?

use http::HeaderMap;
use http::header::ACCEPT;

const HEALTH_JSON: &str = "application/health+json";

/// Whether `Accept` names `application/health+json` with a quality above zero and at least
/// that of an explicit `application/json`. Wildcards never select it, and a malformed header
/// selects the default format.
pub(crate) fn prefers_health_json(headers: &HeaderMap) -> bool {
    let values = || {
        headers
            .get_all(ACCEPT)
            .iter()
            .filter_map(|v| v.to_str().ok())
    };
    // The common case, no mention of it at all, costs one scan.
    let mentions = |value: &str| {
        let needle = b"health+json";
        value
            .as_bytes()
            .windows(needle.len())
            .any(|w| w.eq_ignore_ascii_case(needle))
    };
    if !values().any(mentions) {
        return false;
    }
    let mut health_json: Option<f32> = None;
    let mut json: Option<f32> = None;
    for value in values() {
        for range in value.split(',') {
            let mut parts = range.split(';');
            let media = parts.next().unwrap_or("").trim();
            let quality = parts
                .filter_map(|param| param.split_once('='))
                .find(|(name, _)| name.trim().eq_ignore_ascii_case("q"))
                .map_or(Some(1.0), |(_, q)| parse_quality(q.trim()));
            let Some(quality) = quality else { continue };
            let slot = if media.eq_ignore_ascii_case(HEALTH_JSON) {
                &mut health_json
            } else if media.eq_ignore_ascii_case("application/json") {
                &mut json
            } else {
                continue;
            };
            *slot = Some(slot.map_or(quality, |q: f32| q.max(quality)));
        }
    }
    match (health_json, json) {
        (Some(h), Some(j)) => h > 0.0 && h >= j,
        (Some(h), None) => h > 0.0,
        _ => false,
    }
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

    fn prefers(accept: &[&[u8]]) -> bool {
        let mut headers = HeaderMap::new();
        for value in accept {
            headers.append(ACCEPT, HeaderValue::from_bytes(value).unwrap());
        }
        prefers_health_json(&headers)
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
    }
}
