//! Masking passwords in URLs inside free text, so no message the crate writes leaks one.

/// Replace the password of every `scheme://user:password@host` URL in `text` with `***`.
pub(crate) fn redact(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("://") {
        let authority_start = at + 3;
        out.push_str(&rest[..authority_start]);
        rest = &rest[authority_start..];
        let authority_end = rest
            .find(|c: char| c == '/' || c == '?' || c == '#' || c.is_whitespace())
            .unwrap_or(rest.len());
        let authority = &rest[..authority_end];
        match authority.rfind('@') {
            Some(at) => {
                let userinfo = &authority[..at];
                match userinfo.find(':') {
                    Some(colon) => {
                        out.push_str(&userinfo[..colon]);
                        out.push_str(":***");
                    }
                    None => out.push_str(userinfo),
                }
                out.push_str(&authority[at..]);
            }
            None => out.push_str(authority),
        }
        rest = &rest[authority_end..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn masks_passwords_and_keeps_the_rest() {
        assert_eq!(
            redact("connect postgres://app:s3cr3t@db.internal:5432/app failed"),
            "connect postgres://app:***@db.internal:5432/app failed"
        );
        assert_eq!(
            redact("redis://:pw@cache:6379 and http://u:p:q@h/x?y"),
            "redis://:***@cache:6379 and http://u:***@h/x?y"
        );
        assert_eq!(redact("redis://user@cache"), "redis://user@cache");
        assert_eq!(redact("no url here"), "no url here");
        assert_eq!(redact("a://"), "a://");
        assert_eq!(redact("p://a:b@c@d/e"), "p://a:***@d/e");
    }
}
