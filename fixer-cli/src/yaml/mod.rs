//! YAML with positions: a spanned tree from `saphyr-parser` events, its JSON
//! value, and rendering of new values in the file's own style, all under
//! [`limits::Limits`] (nesting depth, alias expansion) whatever the input.
//! See docs/yaml-parser.md for why these crates.

pub mod limits;
pub mod offsets;
pub mod printable;
pub mod render;
pub mod scalar;
pub mod scan;
pub mod tree;
pub mod value;

/// The byte-order mark the readers strip (and the fixer writes back).
pub const BOM: char = '\u{feff}';

/// `text` without a leading byte-order mark, and whether it had one.
pub fn strip_bom(text: &str) -> (bool, &str) {
    match text.strip_prefix(BOM) {
        Some(rest) => (true, rest),
        None => (false, text),
    }
}
