//! The bound on open connections: at the bound, the oldest connection is closed to make
//! room for the new one, so a flood of idle connections never keeps a probe out.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::oneshot;

/// The open connections, oldest first, each with the sender whose drop closes it.
#[derive(Debug)]
pub(super) struct Connections {
    max: usize,
    open: Arc<Mutex<Open>>,
}

#[derive(Debug, Default)]
struct Open {
    next: u64,
    closers: BTreeMap<u64, oneshot::Sender<()>>,
}

/// One admitted connection's place; `evicted` resolves when it is closed to make room.
/// Dropping the slot (the connection ended) frees the place.
#[derive(Debug)]
pub(super) struct Slot {
    id: u64,
    open: Arc<Mutex<Open>>,
    pub(super) evicted: oneshot::Receiver<()>,
}

impl Connections {
    /// At most `max` open connections (at least one).
    pub(super) fn new(max: usize) -> Self {
        Connections {
            max: max.max(1),
            open: Arc::default(),
        }
    }

    /// Admit a new connection, closing the oldest ones while the bound is reached.
    pub(super) fn admit(&self) -> Slot {
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        while open.closers.len() >= self.max {
            // Dropping the sender resolves the oldest connection's `evicted`.
            open.closers.pop_first();
        }
        let id = open.next;
        open.next += 1;
        let (closer, evicted) = oneshot::channel();
        open.closers.insert(id, closer);
        Slot {
            id,
            open: self.open.clone(),
            evicted,
        }
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        open.closers.remove(&self.id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_oldest_makes_room_and_an_ended_connection_frees_its_place() {
        use oneshot::error::TryRecvError::{Closed, Empty};

        let connections = Connections::new(2);
        let mut first = connections.admit();
        let second = connections.admit();
        assert_eq!(first.evicted.try_recv(), Err(Empty));
        // At the bound: the oldest is closed.
        let mut third = connections.admit();
        assert_eq!(first.evicted.try_recv(), Err(Closed));
        // An ended connection frees its place: nobody else is closed.
        drop(second);
        let _fourth = connections.admit();
        assert_eq!(third.evicted.try_recv(), Err(Empty));
        assert_eq!(Connections::new(0).max, 1);
    }
}
