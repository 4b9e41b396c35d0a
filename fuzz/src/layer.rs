//! One request through [`HealthService`] in front of a stand-in app, and the invariants its
//! answer keeps: a health path is answered at once (never forwarded, never a panic), with a
//! status its route allows, the headers every answer carries, a body its content type can
//! read (JSON that parses, a page that shows markup as text, plain text with one line per
//! check), a size that grows with the request at most linearly, and for `HEAD` the status
//! and length a `GET` gets; any other path reaches the app untouched.

use std::convert::Infallible;
use std::future::{Ready, ready};
use std::sync::OnceLock;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::header::{ACCEPT, ALLOW, CACHE_CONTROL, CONTENT_LENGTH, CONTENT_TYPE};
use http::{HeaderMap, HeaderValue, Method, Request, Response, StatusCode, Uri};
use http_body_util::{BodyExt, Full};
use tower_health::{Details, Group, Health, HealthLayer, HealthService};
use tower_layer::Layer;
use tower_service::Service;

use crate::now::now;
use crate::routes::{COMPONENTS, Expected, LAYOUTS, Layout};

/// The largest body any answer has for a request of no length, with room to spare (the
/// status page with every component and its history is about 12 KiB).
const BODY_BOUND: usize = 32 * 1024;

/// How many body bytes a request byte may add at most (a name echoed from `?exclude=`,
/// escaped for HTML: `&` becomes `&amp;`).
const ECHO_BOUND: usize = 8;

/// The request header that reveals details (`Details::when`).
pub const DETAILS_HEADER: &str = "x-details";

/// The stand-in app: `418` and `app` to everything.
#[derive(Debug, Clone, Copy)]
pub struct Teapot;

impl Service<Request<()>> for Teapot {
    type Response = Response<Full<Bytes>>;
    type Error = Infallible;
    type Future = Ready<Result<Self::Response, Infallible>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _: Request<()>) -> Self::Future {
        let mut response = Response::new(Full::new(Bytes::from_static(b"app")));
        *response.status_mut() = StatusCode::IM_A_TEAPOT;
        ready(Ok(response))
    }
}

/// How a target asks: the method, which health, which layout, whether details are asked for.
#[derive(Debug, Clone)]
pub struct Ask {
    /// `GET`, `HEAD`, `POST` or `BREW`.
    pub method: Method,
    /// Index into the healths: all up, some failing, not started.
    pub state: usize,
    /// Index into [`LAYOUTS`].
    pub layout: usize,
    /// Whether the request carries [`DETAILS_HEADER`].
    pub details: bool,
}

impl Ask {
    /// The method from the two low bits, the health from the next two, the layout from the
    /// fifth, details from the sixth; the top two are the target's.
    pub fn from_byte(byte: u8) -> Ask {
        let method = match byte & 3 {
            0 => Method::GET,
            1 => Method::HEAD,
            2 => Method::POST,
            _ => Method::from_bytes(b"BREW").expect("a token"),
        };
        Ask {
            method,
            state: usize::from((byte >> 2) & 3) % 3,
            layout: usize::from((byte >> 4) & 1),
            details: byte & 0x20 != 0,
        }
    }
}

/// An `Accept` by number (of the two low bits): none, the status page's, health+json, both.
pub fn accept(choice: u8) -> HeaderMap {
    let values = [
        "",
        "text/html",
        "application/health+json",
        "text/html, application/health+json;q=0.9",
    ];
    let mut headers = HeaderMap::new();
    match values[usize::from(choice & 3)] {
        "" => {}
        value => drop(headers.insert(ACCEPT, HeaderValue::from_static(value))),
    }
    headers
}

/// A health of [`COMPONENTS`] (`search` non-critical, `queue` manual) and the groups of
/// [`crate::routes::GROUPS`], with details for requests carrying [`DETAILS_HEADER`].
fn health() -> Health {
    Health::builder()
        .component("database")
        .component("redis")
        .non_critical_component("search")
        .component("queue")
        .group(
            Group::new("lb", "/lbz")
                .members(["database", "redis"])
                .optional_members(["cache"]),
        )
        .group(
            Group::new("deep", "/deep")
                .members_of(["lb"])
                .members(["search", "queue"]),
        )
        .details(Details::when(|request| {
            request.headers().contains_key(DETAILS_HEADER)
        }))
        .build()
}

/// The healths, each behind each layout: `[state][layout]`.
fn services() -> &'static [[HealthService<Teapot>; 2]; 3] {
    static SERVICES: OnceLock<[[HealthService<Teapot>; 2]; 3]> = OnceLock::new();
    SERVICES.get_or_init(|| {
        let up = health();
        up.mark_started();
        for name in COMPONENTS {
            up.mark_up(name);
        }
        let failing = health();
        failing.mark_started();
        failing.mark_up("database");
        // A history, and an error text with what HTML and JSON must escape.
        failing.mark_down("redis", "connection refused");
        failing.mark_up("redis");
        failing.mark_down(
            "redis",
            "<script>\"refused\" & 'reset'</script>\n\u{1b}[31m",
        );
        failing.mark_down("search", "timed out");
        let starting = health();
        let behind = |health: &Health| {
            LAYOUTS
                .map(|layout: Layout| layout.apply(HealthLayer::new(health.clone())).layer(Teapot))
        };
        [behind(&up), behind(&failing), behind(&starting)]
    })
}

/// What the layer answered.
#[derive(Debug)]
pub struct Answered {
    /// Whether the app answered (the request was forwarded).
    pub forwarded: bool,
    /// The status.
    pub status: StatusCode,
    /// The headers.
    pub headers: HeaderMap,
    /// The whole body.
    pub body: Bytes,
}

/// Sends `uri` with `headers` as `ask` says and checks the answer (see the module's docs).
///
/// # Panics
///
/// When an invariant does not hold.
pub fn send(ask: &Ask, uri: Uri, headers: HeaderMap) -> Answered {
    let layout = LAYOUTS[ask.layout];
    let mut service = services()[ask.state][ask.layout].clone();
    let mut request = Request::new(());
    *request.method_mut() = ask.method.clone();
    *request.uri_mut() = uri.clone();
    *request.headers_mut() = headers.clone();
    if ask.details {
        let headers = request.headers_mut();
        headers.insert(DETAILS_HEADER, HeaderValue::from_static("1"));
    }
    let response = now(service.call(request), "the answer");
    let Ok(response) = response;
    let (parts, body) = response.into_parts();
    let body = now(body.collect(), "the body").map(|b| b.to_bytes());
    let Ok(body) = body;
    let answered = Answered {
        forwarded: parts.status == StatusCode::IM_A_TEAPOT && body == "app",
        status: parts.status,
        headers: parts.headers,
        body,
    };
    check(ask, &uri, layout.expected(uri.path()), &answered);
    if ask.method == Method::HEAD && !answered.forwarded {
        // The status and the length a `GET` gets.
        let get = Ask {
            method: Method::GET,
            ..ask.clone()
        };
        let got = send(&get, uri.clone(), headers);
        assert_eq!(answered.status, got.status, "{uri}: HEAD and GET");
        let length = answered.headers[CONTENT_LENGTH].to_str().ok();
        let length = length.and_then(|length| length.parse::<usize>().ok());
        assert_eq!(length, Some(got.body.len()), "{uri}: HEAD's length");
    }
    answered
}

/// The invariants of an answer to `uri`, which the model says is `expected`.
fn check(ask: &Ask, uri: &Uri, expected: Expected<'_>, answered: &Answered) {
    let Answered {
        status,
        headers,
        body,
        ..
    } = answered;
    let Expected::Answer { page, component } = expected else {
        assert!(
            answered.forwarded,
            "{uri} is no health path, yet answered {status}"
        );
        return;
    };
    assert!(!answered.forwarded, "{uri} is a health path, yet forwarded");
    let content_type = headers.get(CONTENT_TYPE).map(|v| v.to_str().unwrap_or("?"));
    let content_type = content_type.unwrap_or_else(|| panic!("{uri}: no content-type"));
    assert_eq!(headers[CACHE_CONTROL], "no-store", "{uri}");
    let bound = BODY_BOUND + ECHO_BOUND * uri.to_string().len();
    assert!(body.len() <= bound, "{uri}: a body of {} bytes", body.len());
    let get_or_head = ask.method == Method::GET || ask.method == Method::HEAD;
    let allowed: &[StatusCode] = match component {
        _ if !get_or_head => &[StatusCode::METHOD_NOT_ALLOWED],
        Some((_, false)) => &[StatusCode::NOT_FOUND],
        _ => &[StatusCode::OK, StatusCode::SERVICE_UNAVAILABLE],
    };
    assert!(allowed.contains(status), "{} {uri}: {status}", ask.method);
    if *status == StatusCode::METHOD_NOT_ALLOWED {
        assert_eq!(headers[ALLOW], "GET, HEAD", "{uri}");
    }
    if ask.method == Method::HEAD {
        assert!(body.is_empty(), "{uri}: HEAD with a body");
        assert!(
            headers.contains_key(CONTENT_LENGTH),
            "{uri}: HEAD without a length"
        );
        return;
    }
    match content_type {
        "application/json" | "application/health+json" => {
            let parsed = serde_json::from_slice::<serde_json::Value>(body);
            assert!(
                parsed.is_ok(),
                "{uri}: {content_type} that is not JSON: {body:?}"
            );
        }
        "text/html; charset=utf-8" => {
            assert!(page, "{uri}: a status page where there is none");
            let doctype = body
                .get(..15)
                .is_some_and(|b| b.eq_ignore_ascii_case(b"<!doctype html>"));
            assert!(doctype, "{uri}: {body:?}");
            // The error text's markup shows as text (the page has no script of its own).
            assert!(
                !contains(body, b"<script"),
                "{uri}: markup from an error text"
            );
        }
        "text/plain; charset=utf-8" => {
            let text = std::str::from_utf8(body);
            let text = text.unwrap_or_else(|_| panic!("{uri}: text that is not UTF-8"));
            // One line per check: no error text adds lines or drives a terminal.
            let control = text.chars().find(|&c| c.is_control() && c != '\n');
            assert!(control.is_none(), "{uri}: {control:?} in {text:?}");
        }
        other => panic!("{uri}: content-type {other}"),
    }
}

/// Whether `needle` is in `haystack`.
fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}
