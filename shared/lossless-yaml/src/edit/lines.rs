//! Line arithmetic on the original text (LF and CRLF).

/// Byte offset of the start of the line holding `pos`.
pub fn line_start(text: &str, pos: usize) -> usize {
    text[..pos].rfind('\n').map_or(0, |i| i + 1)
}

/// Byte offset of the line break ending the line holding `pos` (its `\r` for
/// CRLF), or the end of text.
pub fn line_end(text: &str, pos: usize) -> usize {
    let end = text[pos..].find('\n').map_or(text.len(), |i| pos + i);
    if end > pos && text.as_bytes().get(end.wrapping_sub(1)) == Some(&b'\r') && end < text.len() {
        end - 1
    } else {
        end
    }
}

/// Byte offset just after the line break ending the line holding `pos`, or
/// `None` when that line is the last one and has no line break.
pub fn next_line(text: &str, pos: usize) -> Option<usize> {
    text[pos..].find('\n').map(|i| pos + i + 1)
}

/// Whether only spaces precede `pos` on its line.
pub fn starts_line(text: &str, pos: usize) -> bool {
    text[line_start(text, pos)..pos].bytes().all(|b| b == b' ')
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn lf_and_crlf_lines() {
        let text = "ab\r\ncd\nef";
        assert_eq!(line_start(text, 5), 4);
        assert_eq!(line_end(text, 0), 2);
        assert_eq!(line_end(text, 4), 6);
        assert_eq!(line_end(text, 8), 9);
        assert_eq!(next_line(text, 0), Some(4));
        assert_eq!(next_line(text, 8), None);
        assert!(starts_line("  a", 2));
        assert!(!starts_line("- a", 2));
    }
}
