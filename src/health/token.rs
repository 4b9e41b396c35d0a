//! [`Token`]: a secret a request shows in a header, compared in constant time.

use http::{HeaderMap, HeaderName, HeaderValue};
use subtle::ConstantTimeEq;

use super::token_error::TokenError;

/// The header a request shows the secret in, and the secret. Never printed.
pub(super) struct Token {
    header: HeaderName,
    secret: Box<[u8]>,
}

impl Token {
    /// A token in `header`; refused when the secret is empty or could never be sent.
    pub(super) fn new(header: HeaderName, secret: &[u8]) -> Result<Self, TokenError> {
        if secret.is_empty() {
            return Err(TokenError::EmptySecret);
        }
        let padded = |byte: &u8| matches!(byte, b' ' | b'\t');
        let sendable = HeaderValue::from_bytes(secret).is_ok()
            && !secret.first().is_some_and(padded)
            && !secret.last().is_some_and(padded);
        if !sendable {
            return Err(TokenError::UnusableSecret);
        }
        Ok(Token {
            header,
            secret: secret.into(),
        })
    }

    /// Whether the header's first value is the secret, compared in constant time: how long
    /// the comparison takes may tell the secret's length, never how much of it a guess got
    /// right.
    pub(super) fn shown_in(&self, headers: &HeaderMap) -> bool {
        headers
            .get(&self.header)
            .is_some_and(|given| given.as_bytes().ct_eq(&self.secret).into())
    }
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Token")
            .field("header", &self.header)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(values: &[&[u8]]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            let value = HeaderValue::from_bytes(value).unwrap();
            headers.append("x-health-token", value);
        }
        headers
    }

    #[test]
    fn only_the_whole_secret_in_the_first_value_matches() {
        let token = Token::new(HeaderName::from_static("x-health-token"), b"s3cret").unwrap();
        assert!(token.shown_in(&headers(&[b"s3cret"])));
        for wrong in [
            &b"s3creT"[..],
            b"s3cre",
            b"s3cret!",
            b"",
            b"S3CRET",
            b"xs3cret",
        ] {
            assert!(!token.shown_in(&headers(&[wrong])), "{wrong:?}");
        }
        assert!(!token.shown_in(&HeaderMap::new()));
        // The first value counts; sending many guesses at once does not help.
        assert!(!token.shown_in(&headers(&[b"guess", b"s3cret"])));
        assert!(token.shown_in(&headers(&[b"s3cret", b"guess"])));
        // Another header with the secret does not count.
        let mut elsewhere = HeaderMap::new();
        elsewhere.insert("authorization", HeaderValue::from_static("s3cret"));
        assert!(!token.shown_in(&elsewhere));
    }

    #[test]
    fn secrets_that_could_never_be_sent_are_refused() {
        let header = || HeaderName::from_static("x-health-token");
        assert_eq!(
            Token::new(header(), b"").unwrap_err(),
            TokenError::EmptySecret
        );
        for unusable in [&b"a\nb"[..], b"a\rb", b"\0", b" lead", b"trail\t", b"end "] {
            let refused = Token::new(header(), unusable).unwrap_err();
            assert_eq!(refused, TokenError::UnusableSecret, "{unusable:?}");
        }
        assert!(Token::new(header(), "in side é".as_bytes()).is_ok());
        let shown = format!("{:?}", Token::new(header(), b"hunter2").unwrap());
        assert!(!shown.contains("hunter2"), "{shown}");
    }
}
