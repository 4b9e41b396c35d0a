//! [`Asking`]: one round of questions to the peers about a check, for the engine.

use std::collections::HashSet;
use std::future::Future;
use std::hash::BuildHasher;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use tokio::task::JoinSet;

use super::ask::{Answer, ask};
use super::peers::Peers;
use crate::engine::Fleet;
use crate::model::fleet::FleetView;

/// The peers, this replica's instance, and the addresses found to be this replica.
#[derive(Debug)]
pub(crate) struct Asking {
    peers: Peers,
    instance: Arc<str>,
    itself: Mutex<HashSet<SocketAddr>>,
    rounds: AtomicU64,
}

impl Asking {
    pub(crate) fn new(peers: Peers, instance: Arc<str>) -> Self {
        Asking {
            peers,
            instance,
            itself: Mutex::default(),
            rounds: AtomicU64::new(0),
        }
    }

    /// One round: find the peers, pick up to k others at random, ask them at once, count.
    async fn round(&self, check: &str) -> FleetView {
        let Peers {
            discover,
            ask: k,
            timeout,
            readiness_path,
        } = &self.peers;
        let work = async {
            let mut candidates = match discover().await {
                Ok(found) => found,
                Err(error) => {
                    tracing::warn!(%error, "health: cannot find the peers");
                    Vec::new()
                }
            };
            {
                let itself = self.itself.lock().unwrap_or_else(PoisonError::into_inner);
                candidates.retain(|addr| !itself.contains(addr));
            }
            let round = self.rounds.fetch_add(1, Ordering::Relaxed);
            shuffle(&mut candidates, round);
            candidates.truncate(*k);
            let path = format!("{readiness_path}/{check}");
            let mut asked = JoinSet::new();
            for addr in candidates {
                let (path, instance) = (path.clone(), self.instance.clone());
                asked.spawn(async move { (addr, ask(addr, &path, &instance).await) });
            }
            asked
        };
        let mut tally = Tally::default();
        let deadline = tokio::time::Instant::now() + *timeout;
        let Ok(mut asked) = tokio::time::timeout_at(deadline, work).await else {
            tracing::warn!("health: finding the peers took longer than {timeout:?}");
            return tally.view();
        };
        tally.asked = asked.len();
        // Whatever has not answered by the deadline is aborted with the set.
        while let Ok(Some(joined)) = tokio::time::timeout_at(deadline, asked.join_next()).await {
            let Ok((addr, answer)) = joined else { continue };
            if answer == Answer::Itself {
                tally.asked -= 1;
                let mut itself = self.itself.lock().unwrap_or_else(PoisonError::into_inner);
                itself.insert(addr);
                continue;
            }
            tally.count(answer);
            #[cfg(feature = "metrics")]
            crate::metrics::record_peer_answer(check, answer.word());
        }
        #[cfg(feature = "metrics")]
        for _ in 0..tally.asked.saturating_sub(tally.answered + tally.nothing) {
            // Still unanswered at the deadline.
            crate::metrics::record_peer_answer(check, "none");
        }
        tally.view()
    }
}

impl Fleet for Asking {
    fn view<'a>(&'a self, check: &'a str) -> Pin<Box<dyn Future<Output = FleetView> + Send + 'a>> {
        Box::pin(self.round(check))
    }
}

/// The answers of one round.
#[derive(Debug, Default)]
struct Tally {
    asked: usize,
    answered: usize,
    down: usize,
    /// Answered with nothing usable (refused, garbage, another status).
    nothing: usize,
}

impl Tally {
    fn count(&mut self, answer: Answer) {
        match answer {
            Answer::Up => self.answered += 1,
            Answer::Down => {
                self.answered += 1;
                self.down += 1;
            }
            Answer::Nothing => self.nothing += 1,
            Answer::Itself => {}
        }
    }

    fn view(&self) -> FleetView {
        let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        FleetView::new(count(self.asked), count(self.answered), count(self.down))
    }
}

/// Shuffle `items` (Fisher–Yates) with randomness seeded per process and per `round`.
fn shuffle<T>(items: &mut [T], round: u64) {
    let random = std::collections::hash_map::RandomState::new();
    for i in (1..items.len()).rev() {
        let pick = random.hash_one((round, i)) % (i as u64 + 1);
        items.swap(i, usize::try_from(pick).unwrap_or(0));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shuffle_keeps_every_item_and_varies() {
        let mut seen = HashSet::new();
        for round in 0..50 {
            let mut items = [1, 2, 3, 4, 5];
            shuffle(&mut items, round);
            let mut sorted = items;
            sorted.sort_unstable();
            assert_eq!(sorted, [1, 2, 3, 4, 5]);
            seen.insert(items[0]);
        }
        assert!(seen.len() > 1, "the first pick never changed: {seen:?}");
    }
}
