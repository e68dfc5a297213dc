//! Keep-chomped block scalars (`|+`, `>+`) own every blank line that follows
//! them. When removed lines leave blank lines right after such a scalar, those
//! blank lines would join its value: they go with the removed lines.

use super::lines::next_line;
use super::splice::Splice;
use crate::tree::{Kind, Node};

/// The start of the line after each keep-chomped block scalar of `root`.
fn lines_after_keep_scalars(text: &str, root: &Node) -> Vec<usize> {
    let mut after = Vec::new();
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        match &node.kind {
            Kind::Mapping { entries, .. } => {
                stack.extend(entries.iter().flat_map(|(k, v)| [k, v]));
            }
            Kind::Sequence { items, .. } => stack.extend(items),
            Kind::Scalar { .. } if node.block_header.is_some_and(|h| h.keep) => {
                if let Some(line) = next_line(text, node.end) {
                    after.push(line);
                }
            }
            _ => {}
        }
    }
    after
}

/// Deletions of the blank lines (spaces only) that `splices` would bring right
/// after a keep-chomped scalar: those following a deletion that starts on the
/// line after the scalar, up to the first line that stays and is not blank.
/// Nothing when an insertion puts a line before the first of them.
pub(super) fn blank_lines_left_to_keep_scalars(
    text: &str,
    root: &Node,
    splices: &[Splice],
) -> Vec<Splice> {
    let mut deletions: Vec<(usize, usize)> = splices
        .iter()
        .filter(|s| s.text.is_empty() && s.start < s.end)
        .map(|s| (s.start, s.end))
        .collect();
    if deletions.is_empty() {
        return Vec::new();
    }
    deletions.sort_unstable();
    let inserts_at = |from: usize, to: usize| {
        splices
            .iter()
            .any(|s| !s.text.is_empty() && from <= s.start && s.start <= to)
    };
    let mut more = Vec::new();
    for after in lines_after_keep_scalars(text, root) {
        let Ok(first) = deletions.binary_search_by_key(&after, |&(start, _)| start) else {
            continue;
        };
        let mut at = deletions[first].1;
        let mut blank = Vec::new();
        while at < text.len() {
            if let Some(&(_, end)) = deletions.iter().find(|&&(start, _)| start == at) {
                at = end;
                continue;
            }
            let Some(end) = next_line(text, at) else {
                break;
            };
            let line = text[at..end].trim_end_matches(['\n', '\r']);
            if !line.bytes().all(|b| b == b' ') {
                break;
            }
            blank.push(Splice::delete(at, end));
            at = end;
        }
        if let Some(first) = blank.first() {
            if !inserts_at(after, first.start) {
                more.extend(blank);
            }
        }
    }
    more
}
