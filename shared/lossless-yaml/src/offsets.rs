//! Converting the parser's character indices into byte offsets.
//!
//! `saphyr-parser` reports positions in characters; text is edited by byte
//! offset. For ASCII text (the usual case) both are the same; otherwise a
//! sorted table of the non-ASCII characters gives the byte offset in
//! `O(log n)`.

/// Maps character indices of one text to byte offsets.
#[derive(Debug, Clone)]
pub struct CharToByte {
    /// `(char index, extra bytes up to and including that char)` for every
    /// non-ASCII character, in order. Empty for ASCII text.
    points: Vec<(usize, usize)>,
}

impl CharToByte {
    /// Builds the table for `text`.
    pub fn new(text: &str) -> Self {
        if text.is_ascii() {
            return CharToByte { points: Vec::new() };
        }
        let mut points = Vec::new();
        let mut extra = 0;
        for (index, ch) in text.chars().enumerate() {
            let len = ch.len_utf8();
            if len > 1 {
                extra += len - 1;
                points.push((index, extra));
            }
        }
        CharToByte { points }
    }

    /// Byte offset of the character at `char_index` (or of the end of text).
    pub fn byte(&self, char_index: usize) -> usize {
        // Number of non-ASCII chars strictly before `char_index`.
        let before = self.points.partition_point(|&(i, _)| i < char_index);
        match before {
            0 => char_index,
            n => char_index + self.points[n - 1].1,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn ascii_is_identity() {
        let map = CharToByte::new("abc");
        assert_eq!(map.byte(0), 0);
        assert_eq!(map.byte(3), 3);
    }

    #[test]
    fn multibyte_chars_shift_later_offsets() {
        let text = "aé€b😀c";
        let map = CharToByte::new(text);
        for (ci, (bi, _)) in text.char_indices().enumerate() {
            assert_eq!(map.byte(ci), bi, "char {ci}");
        }
        assert_eq!(map.byte(text.chars().count()), text.len());
    }
}
