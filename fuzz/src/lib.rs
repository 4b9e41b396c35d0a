//! What the fuzz targets share: a request through the health layer, answered at once, and the
//! invariants every answer keeps.
//!
//! The targets are in `fuzz_targets/`, one per parser of untrusted input; `scripts/fuzz`
//! runs them.

#![forbid(unsafe_code)]

pub mod layer;
pub mod now;
pub mod routes;
