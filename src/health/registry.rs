//! [`Registry`]: the checks the handle has, as the engine runs them, and the running
//! engine's mailbox; and what a [`NamedCheck`] becomes when it is registered, at build time
//! or while running.

use crate::checks::NamedCheck;
use crate::engine::{Command, Mailbox, Scheduled};
use crate::model::component::{Component, ComponentKind};

/// The registered checks in registration order, and, once an engine runs, where to tell it
/// of a check added or removed. Locked after the state when both are (`add_check`,
/// `remove`), alone when the engine starts.
#[derive(Debug, Default)]
pub(super) struct Registry {
    checks: Vec<Scheduled>,
    mailbox: Option<Mailbox>,
}

impl Registry {
    pub(super) fn new(checks: Vec<Scheduled>) -> Self {
        Registry {
            checks,
            mailbox: None,
        }
    }

    /// The checks as they are now, for an engine starting with them or the linter.
    pub(super) fn checks(&self) -> Vec<Scheduled> {
        self.checks.clone()
    }

    /// An engine starts: it runs the checks there are now, and hears of every later change
    /// through `mailbox`.
    pub(super) fn start(&mut self, mailbox: Mailbox) -> Vec<Scheduled> {
        self.mailbox = Some(mailbox);
        self.checks()
    }

    /// Register `check`; a running engine starts it at once.
    pub(super) fn add(&mut self, check: Scheduled) {
        self.tell(Command::Add(Box::new(check.clone())));
        self.checks.push(check);
    }

    /// Forget the check `name`, if it is one: its result in flight is dropped and a running
    /// engine aborts its loop. Returns whether it was registered.
    pub(super) fn remove(&mut self, name: &str) -> bool {
        let Some(position) = self.checks.iter().position(|c| &*c.name == name) else {
            return false;
        };
        let check = self.checks.remove(position);
        // Checks come and go by the thousand: the list shrinks back with them.
        if self.checks.capacity() > 4 * self.checks.len().max(8) {
            self.checks.shrink_to(2 * self.checks.len());
        }
        check.retire();
        self.tell(Command::Remove(check.name));
        true
    }

    fn tell(&self, command: Command) {
        // No engine yet: it takes the registry as it is when it starts. An engine that has
        // stopped runs nothing any more: nothing to tell.
        if let Some(mailbox) = &self.mailbox {
            let _ = mailbox.send(command);
        }
    }
}

/// Why `check` cannot be registered under its name, if it cannot: an empty name, or a
/// [shared](NamedCheck::shared) check whose name cannot be part of a path (its peers ask
/// for it by `/<path>/<name>`).
pub(super) fn invalid_name(check: &NamedCheck) -> Option<String> {
    let name = check.name();
    if name.is_empty() {
        return Some("a check's name may not be empty".to_owned());
    }
    if check.shared && crate::model::path::validate(&format!("/{name}")).is_err() {
        return Some(format!(
            "the shared check {name:?} must be usable in a path"
        ));
    }
    None
}

/// The component a registered check starts as: `unknown`, counting for its probes.
pub(super) fn component_of(check: &NamedCheck) -> Component {
    let mut component = Component::new(ComponentKind::Check, check.critical);
    component.probes = check.probes;
    component.shared = check.shared;
    component.component_type = check
        .component_type
        .clone()
        .unwrap_or_else(|| check.check.component_type().to_owned());
    component
}
