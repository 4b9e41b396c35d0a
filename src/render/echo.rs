//! [`Echo`]: names a request sent, repeated in a body within a bound.

use std::borrow::Cow;
use std::fmt;

/// At most this many names a request sent (`?exclude=`) are repeated in one list of a body.
pub(super) const MAX_NAMES: usize = 8;
/// Each repeated name is cut to at most this many bytes (at a character boundary), and
/// `…` is added.
pub(super) const MAX_NAME_BYTES: usize = 64;

/// Names from a request, as a body repeats them: the first [`MAX_NAMES`], each cut to
/// [`MAX_NAME_BYTES`], and how many more were left out. A body's size never grows with
/// what a request sends beyond that; each format escapes the names as it writes them.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct Echo<'a> {
    pub(super) shown: Vec<Cow<'a, str>>,
    pub(super) omitted: usize,
}

impl<'a> Echo<'a> {
    pub(super) fn new(names: impl IntoIterator<Item = &'a str>) -> Self {
        let mut echo = Echo::default();
        for name in names {
            match echo.shown.len() < MAX_NAMES {
                true => echo.shown.push(cut(name)),
                false => echo.omitted += 1,
            }
        }
        echo
    }

    pub(super) fn is_empty(&self) -> bool {
        self.shown.is_empty()
    }
}

/// `name` cut to [`MAX_NAME_BYTES`], with `…` where it was cut.
fn cut(name: &str) -> Cow<'_, str> {
    if name.len() <= MAX_NAME_BYTES {
        return Cow::Borrowed(name);
    }
    let mut end = MAX_NAME_BYTES;
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    Cow::Owned(format!("{}…", &name[..end]))
}

/// For text: `"a", "b\"c" … and 3 more`, each name quoted and escaped as a Rust string
/// literal (no line break or control character gets through).
impl fmt::Display for Echo<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (at, name) in self.shown.iter().enumerate() {
            let comma = if at == 0 { "" } else { ", " };
            write!(f, "{comma}{name:?}")?;
        }
        match self.omitted {
            0 => Ok(()),
            more => write!(f, " … and {more} more"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_most_eight_names_of_at_most_64_bytes() {
        let names: Vec<String> = (0..3000).map(|i| format!("n{i}")).collect();
        let echo = Echo::new(names.iter().map(String::as_str));
        assert_eq!(echo.shown, ["n0", "n1", "n2", "n3", "n4", "n5", "n6", "n7"]);
        assert_eq!(echo.omitted, 2992);
        assert_eq!(
            echo.to_string(),
            r#""n0", "n1", "n2", "n3", "n4", "n5", "n6", "n7" … and 2992 more"#
        );
        let long = "é".repeat(100);
        let echo = Echo::new([long.as_str(), "a\"b\nc"]);
        // 64 bytes is 32 two-byte characters.
        assert_eq!(echo.shown[0], format!("{}…", "é".repeat(32)));
        assert_eq!(echo.omitted, 0);
        assert!(echo.to_string().ends_with(r#"…", "a\"b\nc""#), "{echo}");
        let odd = format!("a{}", "é".repeat(40));
        assert_eq!(Echo::new([odd.as_str()]).shown[0].len(), 63 + "…".len());
        assert!(Echo::new([]).is_empty());
        assert_eq!(Echo::new([]).to_string(), "");
    }
}
