//! Removing a mapping entry: its lines go (comment and blank lines between
//! entries stay); in a flow mapping the entry and one separating comma go.

use super::lines::{line_start, next_line, starts_line};
use super::path::{check_subtree, Step};
use super::splice::Splice;
use super::{unsupported, EditError, Editor, FlowRemovals};
use crate::tree::{Kind, Node};

impl Editor<'_> {
    /// Removes the entry `target` from the mapping `parent`; `to_parent` is the
    /// path from the root to `parent` (for the `{}` of an emptied mapping).
    pub(super) fn remove(
        &mut self,
        parent: Step<'_>,
        to_parent: &[Step<'_>],
        target: Step<'_>,
        pointer: &str,
    ) -> Result<(), EditError> {
        let mapping = parent.node;
        let Kind::Mapping { entries, flow } = &mapping.kind else {
            return Err(unsupported(pointer, mapping, "removing from a sequence"));
        };
        check_subtree(target.node, pointer)?;
        let Some(key) = target.key else {
            return Err(unsupported(pointer, mapping, "entry without key"));
        };
        let Some(index) = entries.iter().position(|(k, _)| std::ptr::eq(k, key)) else {
            return Err(unsupported(pointer, mapping, "entry not found"));
        };
        let text = self.text;
        if *flow {
            let removals =
                self.flow_removals
                    .entry(mapping.start)
                    .or_insert_with(|| FlowRemovals {
                        spans: entries
                            .iter()
                            .map(|(k, v)| (k.start, super::entry_end(text, k, v)))
                            .collect(),
                        removed: Vec::new(),
                    });
            removals.removed.push(index);
            return Ok(());
        }
        if !starts_line(text, key.start) {
            return Err(unsupported(pointer, key, "key does not start its line"));
        }
        // `{}` after the mapping's own key if every entry goes.
        let empty_at = match to_parent.last().and_then(|s| s.key) {
            Some(parent_key)
                if to_parent.len() >= 2 && !to_parent[to_parent.len() - 2].node.is_flow() =>
            {
                text[parent_key.end..]
                    .find(':')
                    .map(|i| parent_key.end + i + 1)
            }
            _ => None,
        };
        if matches!(target.node.kind, Kind::Mapping { .. }) {
            self.mapping_edits(target.node).gone = true;
        }
        self.removed.push((key.start, target.node.end));
        let edits = self.mapping_edits(mapping);
        edits.removed += 1;
        edits.empty_at = empty_at;
        let mut covered = Vec::new();
        covered_lines(key, &mut covered);
        covered_lines(target.node, &mut covered);
        // Lines of the entry no node spans (a tag of a block collection on
        // its own line, say) go too; only comments and blank lines stay.
        let mut at = line_start(text, key.start);
        while at < target.node.end {
            let end = next_line(text, at).unwrap_or(text.len());
            let line = text[at..end].trim();
            if !line.is_empty() && !line.starts_with('#') {
                covered.push((at, at));
            }
            at = end;
        }
        for (start, end) in line_ranges(text, covered) {
            self.splices.push(Splice::delete(start, end));
        }
        Ok(())
    }
}

/// Byte ranges `(start, end)` of every node's text in a subtree, for block
/// collections the ranges of their children. A block scalar's range starts
/// at its `|` or `>` header: its span starts at its content, a line later.
fn covered_lines(node: &Node, out: &mut Vec<(usize, usize)>) {
    match &node.kind {
        Kind::Mapping {
            entries,
            flow: false,
        } => {
            for (k, v) in entries {
                covered_lines(k, out);
                covered_lines(v, out);
            }
        }
        Kind::Sequence { items, flow: false } => {
            out.push((node.start, node.start));
            for item in items {
                covered_lines(item, out);
            }
        }
        // A block scalar's lines start at its header's.
        _ => {
            let start = node
                .block_header
                .map_or(node.start, |h| h.at.min(node.start));
            out.push((start, node.end));
        }
    }
}

/// Whole-line deletion ranges for the lines touched by `spans`, merged.
/// The last line of a file without final newline takes the preceding line
/// break instead, so the file still ends without one.
fn line_ranges(text: &str, spans: Vec<(usize, usize)>) -> Vec<(usize, usize)> {
    let mut ranges: Vec<(usize, usize)> = Vec::new();
    for (start, end) in spans {
        let from = line_start(text, start);
        let to = next_line(text, end).unwrap_or(text.len());
        ranges.push((from, to));
    }
    ranges.sort_unstable();
    let mut merged: Vec<(usize, usize)> = Vec::new();
    for (from, to) in ranges {
        match merged.last_mut() {
            Some(last) if from <= last.1 => last.1 = last.1.max(to),
            _ => merged.push((from, to)),
        }
    }
    if let Some(last) = merged.last_mut() {
        if last.1 == text.len() && !text.ends_with('\n') && last.0 > 0 {
            let break_start = if text[..last.0].ends_with("\r\n") {
                last.0 - 2
            } else {
                last.0 - 1
            };
            last.0 = break_start;
        }
    }
    merged
}
