//! Free text made safe for the body it goes into: [`Escaped`] for HTML, in element content
//! and in quoted attributes; [`OneLine`] for a line of the plain-text view.

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

/// Text written on one line of the plain-text view (`?verbose`) with its control characters
/// escaped as Rust writes them (`\n`, `\u{1b}`): an error text (a dependency's words) can
/// neither start a line of its own that reads as another check's nor drive the terminal
/// that shows it.
pub(super) struct OneLine<'a>(pub(super) &'a str);

impl fmt::Display for OneLine<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = self.0;
        let mut written = 0;
        for (at, c) in text.char_indices().filter(|(_, c)| c.is_control()) {
            f.write_str(&text[written..at])?;
            write!(f, "{}", c.escape_default())?;
            written = at + c.len_utf8();
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

    #[test]
    fn control_characters_stay_on_the_line() {
        let one_line = |text| OneLine(text).to_string();
        assert_eq!(
            one_line("refused\n[+]redis ok\u{1b}[31m\r\tend\u{85}"),
            "refused\\n[+]redis ok\\u{1b}[31m\\r\\tend\\u{85}"
        );
        assert_eq!(
            one_line("plain — ünïcode \"quoted\""),
            "plain — ünïcode \"quoted\""
        );
        assert_eq!(one_line(""), "");
    }
}
