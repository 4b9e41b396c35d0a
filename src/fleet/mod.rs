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
//! Only a tower-health replica's per-check answer counts: one without the
//! `x-health-instance` header (a proxy, a load shedder, another program answering `503`)
//! is no answer, and so is one whose check has no result yet (`x-health-last-result:
//! none`: a pod fresh in a rollout has seen nothing). The view stands while the check fails
//! and while it is still down with passing results (recovering, with a success threshold
//! or `up_after`), so the fleet does not fail readiness at once on the way back up; it is
//! dropped once the check is up, or when its results turn stale.
//!
//! A held readiness is `degraded`: with
//! [`fail_when_degraded(Probe::Readiness)`](crate::health::HealthBuilder::fail_when_degraded)
//! it answers `503` all the same, which cancels the hold.
//!
//! Bounded cost: peers are asked only after a failing result of a shared check, at most k
//! requests per failing shared check per run (two shared checks failing together ask up to
//! 2k); each reads the status line and headers only (at most 8 KiB), follows no redirect,
//! and a peer that hangs, answers garbage or anything but `200`/`503` counts as no answer
//! once the timeout passes. A replica finds itself among the peers by the
//! `x-health-instance` header its own answers carry, and skips that address from then on.

mod ask;
mod asking;
mod peers;

#[cfg(fuzzing)]
#[doc(hidden)]
pub use ask::read_peer_answer;
pub(crate) use asking::Asking;
pub use peers::Peers;
