//! YAML with positions: a spanned tree from `saphyr-parser` events, its JSON
//! value, and rendering of new values in the file's own style.
//! See docs/yaml-parser.md for why these crates.

pub mod offsets;
pub mod render;
pub mod scalar;
pub mod scan;
pub mod tree;
pub mod value;
