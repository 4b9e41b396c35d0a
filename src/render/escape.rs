//! [`Escaped`]: text made safe for HTML, in element content and in quoted attributes.

use std::fmt;

/// Text written into HTML with `&`, `<`, `>`, `"` and `'` escaped, so a component named
/// `<img src=x onerror=alert(1)>` shows as text, in element content and in quoted
/// attribute values alike.
pub(super) struct Escaped<'a>(pub(super) &'a str);

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = self.0;
        let mut written = 0;
        for (at, byte) in text.bytes().enumerate() {
            let entity = match byte {
                b'&' => "&amp;",
                b'<' => "&lt;",
                b'>' => "&gt;",
                b'"' => "&quot;",
                b'\'' => "&#39;",
                _ => continue,
            };
            f.write_str(&text[written..at])?;
            f.write_str(entity)?;
            written = at + 1;
        }
        f.write_str(&text[written..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_becomes_text() {
        let escaped = |text| Escaped(text).to_string();
        assert_eq!(
            escaped("<img src=x onerror=alert(1)>"),
            "&lt;img src=x onerror=alert(1)&gt;"
        );
        assert_eq!(
            escaped(r#"a "b" & 'c'"#),
            "a &quot;b&quot; &amp; &#39;c&#39;"
        );
        assert_eq!(escaped("plain — ünïcode"), "plain — ünïcode");
        assert_eq!(escaped(""), "");
    }
}
