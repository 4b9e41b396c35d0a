//! The exec probe's reading of an answer (`healthprobe/src/answer.rs` and `why.rs`, included
//! as they are): the head, the body by its framing, the explanation of a tower-health body,
//! as the bytes arrive a few at a time. The first byte is how many arrive per read (at least
//! 1, and at most 64 reads in all); the rest is what the server sends.
//!
//! Besides never panicking: the answer reads the same however its bytes arrive (a status
//! line once seen stays that status line, a complete head stays that head, a complete body
//! stays that body, a refused one stays refused), lengths stay within the bytes received
//! and the 64 KiB limit, and an explanation is never longer than the body it explains.

#![no_main]

#[allow(
    dead_code,
    reason = "the probe's own code; the fuzz target uses part of it"
)]
#[path = "../../healthprobe/src/answer.rs"]
mod answer;
#[path = "../../healthprobe/src/why.rs"]
mod why;

use answer::{BODY_LIMIT, Body, Head, parse_body, parse_head};
use libfuzzer_sys::fuzz_target;

/// The ends of the prefixes seen when `len` bytes arrive `step` at a time (at most 64 reads).
fn cuts(len: usize, step: u8) -> impl Iterator<Item = usize> {
    let step = usize::from(step).max(1).max(len.div_ceil(64));
    (1..=len.div_ceil(step)).map(move |i| (i * step).min(len))
}

fuzz_target!(|data: &[u8]| {
    let Some((&step, answer)) = data.split_first() else {
        return;
    };
    let mut status = None;
    let mut head = None;
    let mut malformed = false;
    for cut in cuts(answer.len(), step) {
        match parse_head(&answer[..cut]) {
            Head::Partial => assert!(status.is_none() && !malformed, "{cut}"),
            Head::Malformed => {
                assert!(status.is_none(), "a status line, then none at {cut}");
                malformed = true;
            }
            Head::Status {
                status: seen,
                complete,
            } => {
                assert!(!malformed, "malformed, then a status line at {cut}");
                assert!((100..=999).contains(&seen.code), "{seen:?}");
                assert_eq!(status.get_or_insert_with(|| seen.clone()), &seen, "{cut}");
                match complete {
                    None => assert!(head.is_none(), "a complete head, then not at {cut}"),
                    Some(complete) => {
                        let complete = complete.map_err(|_| "unusable");
                        if let Ok((len, _)) = complete {
                            assert!(len <= cut, "a head of {len} in {cut} bytes");
                        }
                        assert_eq!(head.get_or_insert(complete), &complete);
                    }
                }
            }
        }
    }
    let Some(Ok((len, framing))) = head else {
        return;
    };
    let raw = &answer[len..];
    let mut last = Body::Partial;
    for cut in cuts(raw.len(), step) {
        let body = parse_body(&raw[..cut], framing, false);
        if let Body::Complete(bytes) = &body {
            assert!(
                bytes.len() <= BODY_LIMIT.min(cut),
                "{} of {cut}",
                bytes.len()
            );
        }
        if last != Body::Partial {
            assert_eq!(body, last, "the body changed at {cut}");
        }
        last = body;
    }
    let body = parse_body(raw, framing, true);
    assert_ne!(body, Body::Partial, "closed, yet partial");
    if let Body::Complete(body) = body
        && let Some(why) = why::explain(&body)
    {
        assert!(why.len() <= body.len(), "{why:?} from {} bytes", body.len());
    }
});
