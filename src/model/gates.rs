//! [`Gates`]: the start-up tasks the service still waits for, and those that panicked.

use std::borrow::Cow;

/// The start-up gates: one per start-up task still running, by the order they were taken,
/// and the names of those whose task panicked while holding one. Start-up completes only
/// when none is closed and none panicked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Gates {
    /// The number the next gate gets.
    next: u64,
    /// The gates not yet released: number and task name, oldest first.
    closed: Vec<(u64, String)>,
    /// The tasks whose gate was dropped by a panic, in the order they panicked.
    panicked: Vec<String>,
}

impl Gates {
    /// Close a new gate for the task `name`; its number releases it.
    pub(crate) fn close(&mut self, name: String) -> u64 {
        let number = self.next;
        self.next += 1;
        self.closed.push((number, name));
        number
    }

    /// Open the gate `number`: its task is done. Returns the task's name, if the gate was
    /// closed.
    pub(crate) fn release(&mut self, number: u64) -> Option<String> {
        self.take(number)
    }

    /// The gate `number` was dropped by a panic: start-up fails, naming its task. Returns
    /// the task's name, if the gate was closed.
    pub(crate) fn panic(&mut self, number: u64) -> Option<&str> {
        let name = self.take(number)?;
        self.panicked.push(name);
        self.panicked.last().map(String::as_str)
    }

    fn take(&mut self, number: u64) -> Option<String> {
        let at = self.closed.iter().position(|(n, _)| *n == number)?;
        Some(self.closed.remove(at).1)
    }

    /// Whether every gate is open and no task panicked holding one.
    pub(crate) fn all_open(&self) -> bool {
        self.closed.is_empty() && self.panicked.is_empty()
    }

    /// The tasks still holding a gate, each name once, oldest first.
    pub(crate) fn closed(&self) -> impl Iterator<Item = &str> {
        let names = self.closed.iter().map(|(_, name)| name.as_str());
        names
            .enumerate()
            .filter(|(at, name)| !self.closed[..*at].iter().any(|(_, n)| n == name))
            .map(|(_, name)| name)
    }

    /// The tasks that panicked holding a gate, each name once, in the order they did.
    pub(crate) fn panicked(&self) -> impl Iterator<Item = &str> {
        let names = self.panicked.iter().map(String::as_str);
        names
            .enumerate()
            .filter(|(at, name)| !self.panicked[..*at].iter().any(|n| n == name))
            .map(|(_, name)| name)
    }

    /// Why start-up has not completed, as far as the gates tell: `start-up failed: migrations
    /// panicked` once a task panicked, `starting: waiting for migrations, cache-warmup` while
    /// gates are closed, else `starting`.
    pub(crate) fn reason(&self) -> Cow<'static, str> {
        if !self.panicked.is_empty() {
            let names: Vec<&str> = self.panicked().collect();
            Cow::Owned(format!("start-up failed: {} panicked", names.join(", ")))
        } else if !self.closed.is_empty() {
            let names: Vec<&str> = self.closed().collect();
            Cow::Owned(format!("starting: waiting for {}", names.join(", ")))
        } else {
            Cow::Borrowed("starting")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_gates_open_in_any_order() {
        let mut gates = Gates::default();
        let migrations = gates.close("migrations".into());
        let cache = gates.close("cache-warmup".into());
        let index = gates.close("index".into());
        assert!(!gates.all_open());
        assert_eq!(
            gates.reason(),
            "starting: waiting for migrations, cache-warmup, index"
        );
        assert_eq!(gates.release(cache).as_deref(), Some("cache-warmup"));
        assert_eq!(gates.release(cache), None, "released once");
        assert_eq!(gates.reason(), "starting: waiting for migrations, index");
        assert!(gates.release(index).is_some());
        assert_eq!(gates.closed().collect::<Vec<_>>(), ["migrations"]);
        assert!(gates.release(migrations).is_some());
        assert!(gates.all_open());
        assert_eq!(gates.reason(), "starting");
    }

    #[test]
    fn a_panic_fails_start_up_for_good() {
        let mut gates = Gates::default();
        let migrations = gates.close("migrations".into());
        let cache = gates.close("cache-warmup".into());
        assert_eq!(gates.panic(migrations), Some("migrations"));
        assert_eq!(gates.panic(migrations), None, "already taken");
        assert_eq!(gates.reason(), "start-up failed: migrations panicked");
        assert!(gates.release(cache).is_some());
        assert!(!gates.all_open(), "a panic stays");
        assert_eq!(gates.panicked().collect::<Vec<_>>(), ["migrations"]);
        assert_eq!(gates.closed().count(), 0);
    }

    #[test]
    fn names_are_listed_once() {
        let mut gates = Gates::default();
        let first = gates.close("shard".into());
        let second = gates.close("shard".into());
        gates.close("cache".into());
        assert_eq!(gates.reason(), "starting: waiting for shard, cache");
        gates.panic(first);
        gates.panic(second);
        assert_eq!(gates.reason(), "start-up failed: shard panicked");
    }
}
