//! YAML 1.2 (§5.1) allows only printable characters in a stream: tab, line
//! feed, carriage return, and the printable ranges of Unicode. saphyr-parser
//! lets some control characters through (a backspace inside a flow mapping,
//! for instance), and the editor's view of such a line then differs from
//! the parser's. Kubernetes' own YAML reader (go-yaml) refuses them too
//! ("control characters are not allowed"), so a text holding one is a
//! syntax error at its line and column, before anything is parsed.

use crate::tree::SyntaxError;

/// The first character YAML does not allow in `text`, as a syntax error.
pub fn check_printable(text: &str) -> Result<(), SyntaxError> {
    let bytes = text.as_bytes();
    // Fast path: every byte is printable ASCII, a tab or a line break, or
    // part of a multi-byte character that is not a C1 control or a
    // non-character (checked below only where such a character can start).
    let suspicious = bytes.iter().position(|&b| {
        (b < 0x20 && b != b'\t' && b != b'\n' && b != b'\r') || b == 0x7f || b == 0xc2 || b == 0xef
    });
    let Some(from) = suspicious else {
        return Ok(());
    };
    for (index, ch) in text[from..].char_indices() {
        if !is_printable(ch) {
            return Err(at(text, from + index, ch));
        }
    }
    Ok(())
}

/// YAML 1.2 `c-printable`.
pub(crate) fn is_printable(ch: char) -> bool {
    matches!(ch,
        '\t' | '\n' | '\r' | '\u{20}'..='\u{7e}' | '\u{85}'
        | '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..='\u{10ffff}')
}

fn at(text: &str, byte: usize, ch: char) -> SyntaxError {
    let before = &text[..byte];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = text[line_start..byte].chars().count() + 1;
    SyntaxError {
        line,
        col,
        message: format!(
            "control character U+{:04X} is not allowed in YAML",
            u32::from(ch)
        ),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn printable_text_passes() {
        assert_eq!(check_printable("a: b\n\tc: 'é ü ☃ \u{1F600}'\r\n"), Ok(()));
        assert_eq!(check_printable("next line \u{85} and nbsp \u{a0}"), Ok(()));
    }

    #[test]
    fn a_backspace_is_refused_at_its_line_and_column() {
        let err = check_printable("{\n  \"spec\": {\u{8} x: 1}\n}\n").unwrap_err();
        assert_eq!((err.line, err.col), (2, 12));
        assert_eq!(
            err.message,
            "control character U+0008 is not allowed in YAML"
        );
    }

    /// `text` is refused, naming the character's code point.
    fn refused(text: &str, code: &str) {
        let err = check_printable(text).unwrap_err();
        assert!(err.message.contains(code), "{text:?}: {err}");
    }

    #[test]
    fn delete_is_refused() {
        refused("a\u{7f}", "007F");
    }

    #[test]
    fn a_c1_control_after_a_multibyte_character_is_refused() {
        refused("é\u{9b}", "009B");
    }

    #[test]
    fn a_non_character_is_refused() {
        refused("x\u{fffe}", "FFFE");
    }

    #[test]
    fn nul_is_refused() {
        refused("\u{0}", "0000");
    }
}
