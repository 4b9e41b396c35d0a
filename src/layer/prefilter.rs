//! A prefilter for the health paths: the byte after the leading `/` of each, as a set, so a
//! forwarded request's path is turned away with one load and one bit test.

/// The byte after the leading `/` of every path the layer answers, as a 256-bit set: a path
/// whose second byte is not in it is no health path. Paths shorter than two bytes (`/`)
/// have no second byte; `short` says whether one of them is a health path.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct SecondBytes {
    bits: [u64; 4],
    short: bool,
}

impl SecondBytes {
    /// Let `path` through, and with `sub_paths` every `<path>/<name>`.
    pub(crate) fn add(&mut self, path: &str, sub_paths: bool) {
        match path.as_bytes() {
            [_, second, ..] => self.insert(*second),
            _ => self.short = true,
        }
        if sub_paths {
            match path.len() {
                // `<path>/<name>` shares the path's second byte, already in.
                2.. => {}
                // `//<name>`.
                1 => self.insert(b'/'),
                // `/<name>`: any second byte (no valid path is empty; kept exact all the same).
                0 => self.bits = [u64::MAX; 4],
            }
        }
    }

    fn insert(&mut self, byte: u8) {
        self.bits[usize::from(byte >> 6)] |= 1 << (byte & 63);
    }

    /// Whether `path` may be a health path: `false` only when it cannot be one.
    #[inline]
    pub(crate) fn may_match(&self, path: &str) -> bool {
        match path.as_bytes().get(1) {
            Some(&byte) => self.bits[usize::from(byte >> 6)] & (1 << (byte & 63)) != 0,
            None => self.short,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_gets_through_an_empty_set() {
        let empty = SecondBytes::default();
        for path in ["", "/", "//", "/a", "/healthz", "/é"] {
            assert!(!empty.may_match(path), "{path:?}");
        }
    }

    #[test]
    fn each_second_byte_gets_through_alone() {
        // Both ends and the word boundaries of the set; `/` then a byte is a `str` for
        // ASCII only, so the set is asked directly for the others.
        for byte in [0, 1, b'/', 63, 64, b'h', 127, 128, 191, 192, 255] {
            let mut second = SecondBytes::default();
            second.insert(byte);
            for other in 0..=255u8 {
                let bit = second.bits[usize::from(other >> 6)] & (1 << (other & 63)) != 0;
                assert_eq!(bit, other == byte, "{byte} {other}");
            }
            if byte.is_ascii() {
                let path = String::from_utf8(vec![b'/', byte, b'x']).unwrap();
                assert!(second.may_match(&path), "{path:?}");
            }
        }
        let mut second = SecondBytes::default();
        second.add("/é", false);
        assert!(second.may_match("/é/x") && !second.may_match("/e"));
    }

    #[test]
    fn paths_of_one_byte_and_their_sub_paths() {
        let mut second = SecondBytes::default();
        second.add("/", false);
        assert!(second.may_match("/") && second.may_match(""));
        assert!(!second.may_match("//x"));
        second.add("/", true);
        assert!(second.may_match("//x"));
        assert!(!second.may_match("/x"));
    }

    #[test]
    fn sub_paths_share_their_base_s_second_byte() {
        let mut second = SecondBytes::default();
        second.add("/readyz", true);
        assert!(second.may_match("/readyz/db") && second.may_match("/r"));
        assert!(!second.may_match("/") && !second.may_match("/api"));
    }

    #[test]
    fn an_empty_base_lets_every_second_byte_through() {
        // Never a valid path; the set stays exact all the same.
        let mut second = SecondBytes::default();
        second.add("", true);
        assert!(second.short && second.bits == [u64::MAX; 4]);
    }
}
