//! The byte-order mark: readers strip it before parsing, writers put it back.

/// The byte-order mark the readers strip (and the writers put back).
pub const BOM: char = '\u{feff}';

/// `text` without a leading byte-order mark, and whether it had one.
pub fn strip_bom(text: &str) -> (bool, &str) {
    match text.strip_prefix(BOM) {
        Some(rest) => (true, rest),
        None => (false, text),
    }
}
