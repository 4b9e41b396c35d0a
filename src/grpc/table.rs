//! The crate's own status table: every gRPC service name with its status, published whole
//! once per snapshot. `Check` and `List` read it, `Watch` streams follow it.

use std::collections::HashMap;
use std::sync::Arc;

use tokio::sync::watch;

use super::follow::Sink;
use super::pb::health_check_response::ServingStatus;

/// Every service name with its status, as one snapshot made them.
pub(super) type Statuses = HashMap<String, ServingStatus>;

/// The table's writing end, the reporting task's [`Sink`]: it gathers one snapshot's
/// changes and publishes them together, so no reader sees half a snapshot. Dropped with the
/// task, it ends the `Watch` streams (after their last status).
#[derive(Debug)]
pub(super) struct Table {
    published: watch::Sender<Arc<Statuses>>,
    next: Statuses,
    changed: bool,
}

impl Table {
    /// An empty table and a reader of it.
    pub(super) fn new() -> (Table, watch::Receiver<Arc<Statuses>>) {
        let (published, reader) = watch::channel(Arc::default());
        let table = Table {
            published,
            next: Statuses::new(),
            changed: false,
        };
        (table, reader)
    }
}

impl Sink for Table {
    async fn set(&mut self, name: &str, status: ServingStatus) {
        self.next.insert(name.to_owned(), status);
        self.changed = true;
    }

    async fn clear(&mut self, name: &str) {
        self.changed |= self.next.remove(name).is_some();
    }

    async fn flush(&mut self) {
        if std::mem::take(&mut self.changed) {
            self.published.send_replace(Arc::new(self.next.clone()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn changes_are_published_together_on_flush() {
        let (mut table, mut reader) = Table::new();
        table.set("", ServingStatus::Serving).await;
        table.set("db", ServingStatus::NotServing).await;
        assert!(
            reader.borrow_and_update().is_empty(),
            "nothing before flush"
        );
        table.flush().await;
        assert!(reader.has_changed().unwrap());
        let seen = reader.borrow_and_update().clone();
        assert_eq!(seen.len(), 2);
        assert_eq!(seen["db"], ServingStatus::NotServing);

        // Clearing an unknown name is no change: nothing is published.
        table.clear("nope").await;
        table.flush().await;
        assert!(!reader.has_changed().unwrap());
        table.clear("db").await;
        table.flush().await;
        assert_eq!(reader.borrow_and_update().len(), 1);

        drop(table);
        assert!(reader.changed().await.is_err(), "the writer is gone");
    }
}
