//! [`TokenError`]: why a [`Details::token`](super::Details::token) policy was refused.

use std::fmt;

/// Why [`Details::token`](super::Details::token) refused to make a policy. The messages
/// never repeat the secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TokenError {
    /// The secret is empty: every request sending the header empty would see the details.
    EmptySecret,
    /// The secret holds bytes a header value cannot carry (control characters, a line
    /// break) or starts or ends with a space or a tab (which HTTP strips from header
    /// values): no request could ever send it.
    UnusableSecret,
    /// The header name is not a valid HTTP header name.
    InvalidHeaderName,
}

impl fmt::Display for TokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TokenError::EmptySecret => "the details token is empty",
            TokenError::UnusableSecret => {
                "the details token cannot be sent in a header: it holds control characters \
                 or starts or ends with whitespace"
            }
            TokenError::InvalidHeaderName => "the details token's header name is not valid",
        })
    }
}

impl std::error::Error for TokenError {}
