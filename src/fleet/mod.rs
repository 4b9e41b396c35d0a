//! The fleet (feature `fleet`): the other replicas of the service, asked about a shared
//! check that fails here, so a dependency's outage across the whole fleet does not empty
//! the Service.
//!
//! When a [shared](crate::checks::NamedCheck::shared) check fails, the engine asks up to
//! k [`Peers`] (default 3, chosen at random each time) for that one check's own answer,
//! `GET <peer><readiness path>/<check>` (`200`: up there, `503`: down there), with a short
//! timeout. If most of the peers that answered see it down too, the outage is fleet-wide
//! and this replica's readiness holds (`degraded`); if they see it up, this replica alone
//! is cut off and readiness fails; if none answers, there is no evidence and readiness
//! fails as it would without peers. A peer's answer is the check's own status, never its
//! fleet verdict, so replicas never vouch for each other in a loop; a peer whose check is
//! still up but whose last result failed (on its way down, under its failure threshold)
//! says so in `x-health-last-result: fail` and counts as seeing it down, so the first
//! replica to cross the threshold does not fail alone for an interval. Liveness is never
//! affected.
//!
//! Bounded cost: peers are asked only after a failing result of a shared check, at most k
//! requests per run; each reads the status line and headers only (at most 8 KiB), follows
//! no redirect, and a peer that hangs, answers garbage or anything but `200`/`503` counts
//! as no answer once the timeout passes. A replica finds itself among the peers by the
//! `x-health-instance` header its own answers carry, and skips that address from then on.

mod ask;
mod asking;
mod peers;

pub(crate) use asking::Asking;
pub use peers::Peers;
