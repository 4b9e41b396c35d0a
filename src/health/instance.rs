//! The handle's instance name: random, so a replica tells its own answers from its peers'.

use std::hash::BuildHasher;
use std::sync::Arc;
use std::time::SystemTime;

/// A new instance name: 16 hexadecimal digits from the process's random hasher keys, the
/// process id and the time.
pub(super) fn new_instance() -> Arc<str> {
    let random = std::collections::hash_map::RandomState::new();
    let seed = (std::process::id(), SystemTime::now());
    format!("{:016x}", random.hash_one(seed)).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instances_differ() {
        let (a, b) = (new_instance(), new_instance());
        assert_eq!(a.len(), 16);
        assert_ne!(a, b);
    }
}
