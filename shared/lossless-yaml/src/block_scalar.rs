//! Block scalars (`|`, `>`): where their header is, and where their text
//! ends. The parser spans a block scalar from its content (or, without
//! content, somewhere near the next token), so both are read from the text.

use crate::tree::Kind;

/// The header of a block scalar: its `|` or `>` with the indentation and
/// chomping indicators after it (`|+`, `>2-`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlockHeader {
    /// Byte offset of the `|` or `>`.
    pub at: usize,
    /// Keep chomping (`+`): the scalar owns the blank lines after it.
    pub keep: bool,
}

/// The header of the block scalar that follows `from`: the end of what
/// precedes it (its key, the item before it, the document before it).
/// Between them stand only blanks, comments, directives, document markers,
/// the `:`/`-`/`?` indicators and the scalar's anchor and tag, which may
/// themselves hold `|` or `>` (`&a|b`, `!<tag:x>`). `None` when anything else
/// comes first.
pub(crate) fn find_header(text: &str, from: usize) -> Option<BlockHeader> {
    let bytes = text.as_bytes();
    let mut line_start = from == 0 || bytes.get(from.wrapping_sub(1)) == Some(&b'\n');
    let mut i = from;
    let ends_token = |at: usize| bytes.get(at).is_none_or(u8::is_ascii_whitespace);
    let skip_to = |at: usize, stop: fn(&u8) -> bool| {
        bytes[at..]
            .iter()
            .position(stop)
            .map_or(bytes.len(), |n| at + n)
    };
    while let Some(&b) = bytes.get(i) {
        let was_line_start = line_start;
        line_start = false;
        i = match b {
            b'\n' => {
                line_start = true;
                i + 1
            }
            b' ' | b'\t' | b'\r' => {
                line_start = was_line_start;
                i + 1
            }
            b'%' if was_line_start => skip_to(i, |&b| b == b'\n'),
            b'#' => skip_to(i, |&b| b == b'\n'),
            b'-' | b'.'
                if was_line_start
                    && (text[i..].starts_with("---") || text[i..].starts_with("..."))
                    && ends_token(i + 3) =>
            {
                i + 3
            }
            b'-' | b'?' | b':' if ends_token(i + 1) => i + 1,
            b'&' => skip_to(i, u8::is_ascii_whitespace),
            b'!' if bytes.get(i + 1) == Some(&b'<') => skip_to(i, |&b| b == b'>') + 1,
            b'!' => skip_to(i, u8::is_ascii_whitespace),
            b'|' | b'>' => {
                let keep = text[i + 1..]
                    .chars()
                    .take_while(|c| matches!(c, '+' | '-' | '1'..='9'))
                    .any(|c| c == '+');
                return Some(BlockHeader { at: i, keep });
            }
            _ => return None,
        };
    }
    None
}

/// Where a block scalar's text ends, given its span `start..span_end` (which
/// runs on to the next token). Normally at its last content character. A
/// keep-chomped scalar (`|+`) whose value ends in blank lines owns them: it
/// ends on the last of its line breaks, so that lines inserted after it go
/// after them and do not become part of its value.
pub(crate) fn block_scalar_end(text: &str, start: usize, span_end: usize, kind: &Kind) -> usize {
    let span_text = &text[start..span_end];
    // `\n\n` at the end, or nothing but a kept line break (`|+` over one
    // blank line).
    let keeps_blank_lines =
        matches!(kind, Kind::Scalar { value, .. } if value.ends_with("\n\n") || value == "\n");
    if keeps_blank_lines {
        // The span stops at the first token after the scalar, after the
        // indentation of its line.
        let lines = span_text.trim_end_matches([' ', '\t']);
        if let Some(last_break) = lines.strip_suffix('\n') {
            if span_end == text.len() && lines.len() < span_text.len() {
                // The kept last line is the text's, spaces without a line
                // break: the scalar owns it.
                return span_end;
            }
            return start + last_break.strip_suffix('\r').unwrap_or(last_break).len();
        }
    }
    start + span_text.trim_end().len()
}

/// The text of a block scalar with no content but line breaks: the parser
/// may span it at the next token, a key lines below, so its text is taken
/// to be its header line (`|+`, `>-`, with a comment if any) and, for kept
/// line breaks, the blank lines after it.
pub(crate) fn blank_block_scalar(
    text: &str,
    header: BlockHeader,
    span_end: usize,
    kind: &Kind,
) -> Option<(usize, usize)> {
    let Kind::Scalar { value, .. } = kind else {
        return None;
    };
    if !value.bytes().all(|b| b == b'\n') {
        return None;
    }
    let at = header.at;
    let line_end = text[at..].find('\n').map_or(text.len(), |i| at + i);
    let end = if value.is_empty() {
        at + text[at..line_end].trim_end().len()
    } else {
        // Kept line breaks: the blank lines up to the next token are its.
        block_scalar_end(text, line_end, span_end.max(line_end), kind)
    };
    Some((at, end))
}
