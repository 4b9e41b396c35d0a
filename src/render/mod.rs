//! Rendering: response bodies from the model, as bytes.
//!
//! Every format reads the same [`State`](crate::model::state::State) for a probe and a
//! scope: the crate's JSON, the IETF health+json draft, kube-apiserver style text
//! (`?verbose`), and an HTML status page for people. [`Bodies`] keeps one state's bodies, rendered once (the default JSON at
//! once, the rest on first use), so answering a probe clones bytes. Nothing here knows
//! HTTP or the snapshot that holds its output: the layer turns a [`Body`] into a response.

mod bodies;
mod body;
mod demotion;
mod echo;
mod escape;
mod history;
mod html;
mod ietf;
mod json;
mod json_checks;
mod page_history;
mod subject;
mod traffic;
mod verbose;

pub(crate) use bodies::Bodies;
pub(crate) use body::Body;

use crate::model::scope::Scope;
use crate::model::state::State;
use crate::model::target::Target;
use subject::Subject;

/// The body formats a probe answers in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    /// The crate's JSON (the default).
    Json,
    /// The IETF draft "Health Check Response Format for HTTP APIs".
    HealthJson,
    /// kube-apiserver style plain text (`?verbose`).
    Verbose,
    /// A self-contained HTML status page for people (browsers on the combined probe).
    Html,
}

impl Format {
    /// Every format, in a fixed order.
    pub(crate) const ALL: [Format; 4] = [
        Format::Json,
        Format::HealthJson,
        Format::Verbose,
        Format::Html,
    ];

    /// Position in [`Format::ALL`], for per-format tables.
    pub(crate) const fn index(self) -> usize {
        self as usize
    }
}

/// Which body of a target: its format, whether error texts are revealed, and whether each
/// component's history is listed (`?history`; the HTML page always shows it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Variant {
    pub(crate) format: Format,
    pub(crate) reveal: bool,
    pub(crate) history: bool,
}

impl Variant {
    /// The body most probes get: JSON, details withheld, no history.
    pub(crate) const DEFAULT: Variant = Variant {
        format: Format::Json,
        reveal: false,
        history: false,
    };

    /// How many variants a target has, for per-variant tables.
    pub(crate) const COUNT: usize = Format::ALL.len() * 4;

    /// Position among a target's variants.
    pub(crate) fn index(self) -> usize {
        self.format.index() * 4 + usize::from(self.reveal) + 2 * usize::from(self.history)
    }
}

/// Render the `variant` body for `target` (a probe or a group) over the components in
/// `scope`.
pub(crate) fn render(state: &State, target: Target, scope: Scope<'_>, variant: Variant) -> Body {
    let subject = Subject::new(state, target, scope, variant.reveal).with_history(variant.history);
    let bytes = match variant.format {
        Format::Json => json::render(&subject),
        Format::HealthJson => ietf::render(&subject),
        Format::Verbose => verbose::render(&subject),
        Format::Html => html::render(&subject),
    };
    Body::new(subject.status, subject.passing, variant.format, bytes)
}
