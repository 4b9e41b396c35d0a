//! Rendering: response bodies from the model, as bytes.
//!
//! Every format reads the same [`State`](crate::model::state::State) for a probe and a
//! scope: the crate's JSON, the IETF health+json draft, and kube-apiserver style text
//! (`?verbose`). [`Bodies`] keeps one state's bodies, rendered once (the default JSON at
//! once, the rest on first use), so answering a probe clones bytes. Nothing here knows
//! HTTP or the snapshot that holds its output: the layer turns a [`Body`] into a response.

mod bodies;
mod body;
mod ietf;
mod json;
mod subject;
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
}

impl Format {
    /// Every format, in a fixed order.
    pub(crate) const ALL: [Format; 3] = [Format::Json, Format::HealthJson, Format::Verbose];

    /// Position in [`Format::ALL`], for per-format tables.
    pub(crate) const fn index(self) -> usize {
        self as usize
    }
}

/// Render the body for `target` (a probe or a group) over the components in `scope`,
/// revealing error texts or not.
pub(crate) fn render(
    state: &State,
    target: Target,
    scope: Scope<'_>,
    format: Format,
    reveal: bool,
) -> Body {
    let subject = Subject::new(state, target, scope, reveal);
    let bytes = match format {
        Format::Json => json::render(&subject),
        Format::HealthJson => ietf::render(&subject),
        Format::Verbose => verbose::render(&subject),
    };
    Body::new(subject.passing, format, bytes)
}
