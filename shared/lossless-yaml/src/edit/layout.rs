//! Detecting how a file is written: line ending, indentation step, JSON.

use std::collections::HashMap;

use crate::render::Layout;
use crate::tree::{Document, Kind, Node};

/// The `newline` of a text with a lone CR line break, which is not edited.
pub const LONE_CR: &str = "\r";

/// The layout of `text` (BOM already stripped) with its parsed documents.
/// `json_hint` is true for `.json` files.
pub fn detect(text: &str, docs: &[Document], json_hint: bool) -> Layout {
    let bytes = text.as_bytes();
    let lone_cr = bytes
        .iter()
        .enumerate()
        .any(|(i, &b)| b == b'\r' && bytes.get(i + 1) != Some(&b'\n'));
    let newline = match text.find('\n') {
        // YAML reads a lone CR as a line break; the editor only knows LF
        // and CRLF lines, so such a text is not edited (`edit` refuses it).
        _ if lone_cr => LONE_CR,
        Some(i) if i > 0 && bytes[i - 1] == b'\r' => "\r\n",
        _ => "\n",
    };
    let mut steps = HashMap::new();
    for doc in docs {
        count_steps(&doc.root, &mut steps);
    }
    // The most common step; ties go to the smaller one.
    let step = steps
        .into_iter()
        .max_by_key(|&(step, count)| (count, std::cmp::Reverse(step)))
        .map_or(2, |(step, _)| step);
    let first = text.trim_start().as_bytes().first().copied();
    let json = json_hint || matches!(first, Some(b'{' | b'['));
    Layout {
        newline,
        step,
        json,
    }
}

/// Counts `child key column - key column` for mappings nested in mappings
/// on a later line (block mappings, and multi-line flow mappings as in
/// pretty JSON): the file's indentation step.
fn count_steps(node: &Node, steps: &mut HashMap<usize, usize>) {
    match &node.kind {
        Kind::Mapping { entries, .. } => {
            for (key, value) in entries {
                let child = value.entries().and_then(|e| e.first()).map(|(k, _)| k);
                if let Some(child) = child {
                    if child.line > key.line && child.col > key.col {
                        *steps.entry(child.col - key.col).or_insert(0) += 1;
                    }
                }
                count_steps(value, steps);
            }
        }
        Kind::Sequence { items, .. } => items.iter().for_each(|i| count_steps(i, steps)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::tree::parse;

    fn layout(text: &str) -> Layout {
        detect(text, &parse(text).unwrap(), false)
    }

    #[test]
    fn steps_and_line_endings() {
        assert_eq!(layout("a:\n    b:\n        c: 1\n").step, 4);
        assert_eq!(layout("a:\n  b: 1\n").step, 2);
        assert_eq!(layout("a: 1\n").step, 2);
        assert_eq!(layout("a:\r\n  b: 1\r\n").newline, "\r\n");
        assert!(layout("{\"a\": 1}").json);
        assert_eq!(
            layout("{\n    \"a\": {\n        \"b\": 1\n    }\n}\n").step,
            4
        );
        assert!(!layout("a: 1\n").json);
        assert_eq!(layout("a: 1\rb: 2\r\n").newline, LONE_CR);
    }
}
