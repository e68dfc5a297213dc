//! The text-splicing editor: turns an RFC 6902 patch against a document's
//! JSON value into splices of the document's original text.
//!
//! Supported operations are the ones the core emits: `add` of a mapping key
//! (new or replacing an empty/`null` value), `replace` of a value, `remove`
//! of a mapping entry. New entries go after the last line of a block mapping
//! at its column, or into the braces of a flow mapping; removed entries take
//! their lines with them, comments and blank lines in between stay.

pub mod layout;
pub mod lines;
pub mod path;
pub mod splice;

use std::collections::HashMap;

use json_patch::{Patch, PatchOperation};
use serde_json::Value;

use crate::yaml::render::{self, Layout};
use crate::yaml::scalar::{json_quote, render_string, single_quote};
use crate::yaml::tree::{Kind, Node, Style};
use crate::yaml::value::node_value;
use lines::{line_end, line_start, next_line, starts_line};
use path::{check_subtree, resolve, Step};
use splice::Splice;

/// Why a patch could not be turned into text edits.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    /// The path goes through YAML we do not edit (anchors, aliases, merge keys).
    #[error("line {line}: {pointer} goes through {what}; not edited")]
    Unsafe {
        /// JSON pointer of the operation.
        pointer: String,
        /// Line of the offending node.
        line: usize,
        /// What was found.
        what: &'static str,
    },
    /// A layout the editor does not handle.
    #[error("line {line}: cannot edit {pointer}: {what}")]
    Unsupported {
        /// JSON pointer of the operation.
        pointer: String,
        /// Line of the node.
        line: usize,
        /// Why.
        what: String,
    },
}

/// Splices for one document, plus bookkeeping for mappings emptied by removals.
pub struct Editor<'t> {
    text: &'t str,
    layout: Layout,
    splices: Vec<Splice>,
    /// Mapping start → (entries removed, entries inserted, entry count, `{}` position).
    mappings: HashMap<usize, MappingEdits>,
}

#[derive(Default)]
struct MappingEdits {
    removed: usize,
    inserted: usize,
    total: usize,
    /// Where ` {}` goes if the mapping ends up empty (after its key's `:`).
    empty_at: Option<usize>,
    line: usize,
    /// The mapping itself is removed.
    gone: bool,
}

fn tokens(pointer: &jsonptr::Pointer) -> Vec<String> {
    pointer.tokens().map(|t| t.decoded().into_owned()).collect()
}

fn unsupported(pointer: &str, node: &Node, what: &str) -> EditError {
    EditError::Unsupported {
        pointer: pointer.to_owned(),
        line: node.line,
        what: what.to_owned(),
    }
}

/// The splices that apply `patch` to the document rooted at `root`.
pub fn edit(
    text: &str,
    root: &Node,
    patch: &Patch,
    layout: Layout,
) -> Result<Vec<Splice>, EditError> {
    let mut editor = Editor {
        text,
        layout,
        splices: Vec::new(),
        mappings: HashMap::new(),
    };
    for op in &patch.0 {
        editor.operation(root, op)?;
    }
    editor.finish()
}

impl Editor<'_> {
    fn operation(&mut self, root: &Node, op: &PatchOperation) -> Result<(), EditError> {
        let pointer = op.path().as_str().to_owned();
        let toks = tokens(op.path());
        let Some((last, parent_tokens)) = toks.split_last() else {
            return Err(unsupported(
                &pointer,
                root,
                "operation on the whole document",
            ));
        };
        let steps = resolve(root, &toks, &pointer)?;
        let found = steps.len() == toks.len() + 1;
        let parent_ok = steps.len() > parent_tokens.len();
        let unsupported_op = |what: &str| unsupported(&pointer, root, what);
        match op {
            PatchOperation::Add(add) if found => {
                let old = node_value(steps[toks.len()].node)
                    .map_err(|e| unsupported_op(&e.to_string()))?;
                self.replace(&steps, &add.value, &pointer, &old)
            }
            PatchOperation::Add(add) if parent_ok => {
                let parent = steps[parent_tokens.len()];
                self.insert(parent, last, &add.value, &pointer)
            }
            PatchOperation::Replace(rep) if found => {
                let old = node_value(steps[toks.len()].node)
                    .map_err(|e| unsupported_op(&e.to_string()))?;
                self.replace(&steps, &rep.value, &pointer, &old)
            }
            PatchOperation::Remove(_) if found => {
                let parent = steps[parent_tokens.len()];
                let target = steps[toks.len()];
                self.remove(parent, &steps[..parent_tokens.len() + 1], target, &pointer)
            }
            _ => Err(unsupported_op("path not found or operation not supported")),
        }
    }

    fn finish(mut self) -> Result<Vec<Splice>, EditError> {
        for edits in self.mappings.values() {
            if !edits.gone && edits.total > 0 && edits.removed == edits.total && edits.inserted == 0
            {
                let Some(at) = edits.empty_at else {
                    return Err(EditError::Unsupported {
                        pointer: String::new(),
                        line: edits.line,
                        what: "removal would leave an empty mapping without a key".to_owned(),
                    });
                };
                self.splices.push(Splice::insert(at, " {}".to_owned()));
            }
        }
        Ok(self.splices)
    }

    fn mapping_edits(&mut self, mapping: &Node) -> &mut MappingEdits {
        let total = mapping.entries().map_or(0, <[(Node, Node)]>::len);
        let edits = self.mappings.entry(mapping.start).or_default();
        edits.total = total;
        edits.line = mapping.line;
        edits
    }

    /// A flow mapping written with JSON-style quoted keys gets JSON syntax.
    fn json_style(&self, mapping: &Node) -> bool {
        self.layout.json
            || mapping
                .entries()
                .and_then(|e| e.first())
                .is_some_and(|(k, _)| {
                    matches!(
                        k.kind,
                        Kind::Scalar {
                            style: Style::Double,
                            ..
                        }
                    )
                })
    }

    /// Adds `key: value` to the mapping `parent`.
    fn insert(
        &mut self,
        parent: Step<'_>,
        key: &str,
        value: &Value,
        pointer: &str,
    ) -> Result<(), EditError> {
        let mapping = parent.node;
        let Kind::Mapping { entries, flow } = &mapping.kind else {
            return Err(unsupported(pointer, mapping, "parent is not a mapping"));
        };
        self.mapping_edits(mapping).inserted += 1;
        let text = self.text;
        let nl = self.layout.newline;
        if !flow {
            let indent = mapping.col;
            let entry = render::block_entry(key, value, indent, &self.layout);
            let first_key = entries.first().map(|(k, _)| k);
            let splice = match (next_line(text, mapping.end), first_key) {
                (Some(at), _) => Splice::insert_at_column(at, indent, entry),
                // The mapping ends the file without a final newline: go before
                // its first key instead, so the last line stays as it is.
                (None, Some(first)) if starts_line(text, first.start) => {
                    Splice::insert_at_column(line_start(text, first.start), indent, entry)
                }
                (None, _) => {
                    let body = entry.strip_suffix(nl).unwrap_or(&entry);
                    Splice::insert_at_column(text.len(), indent, format!("{nl}{body}"))
                }
            };
            self.splices.push(splice);
            return Ok(());
        }
        let json = self.json_style(mapping);
        let key_text = if json {
            json_quote(key)
        } else {
            render_string(key)
        };
        let Some((first_key, _)) = entries.first() else {
            let inner = format!("{key_text}: {}", render::flow(value, json));
            self.splices.push(Splice::insert(mapping.start + 1, inner));
            return Ok(());
        };
        let multi_line = text[mapping.start + 1..first_key.start].contains('\n');
        if multi_line && starts_line(text, first_key.start) {
            let indent = first_key.col;
            let body = if json {
                render::json_entry(key, value, indent, &self.layout)
            } else {
                format!("{key_text}: {}", render::flow(value, false))
            };
            let at = line_start(text, first_key.start);
            self.splices.push(Splice::insert(
                at,
                format!("{}{body},{nl}", " ".repeat(indent)),
            ));
        } else {
            let Some((_, last_value)) = entries.last() else {
                return Err(unsupported(pointer, mapping, "empty flow mapping"));
            };
            let inner = format!(", {key_text}: {}", render::flow(value, json));
            self.splices.push(Splice::insert(last_value.end, inner));
        }
        Ok(())
    }

    /// Replaces the node at the end of `steps` (which exists) with `value`.
    fn replace(
        &mut self,
        steps: &[Step<'_>],
        value: &Value,
        pointer: &str,
        old: &Value,
    ) -> Result<(), EditError> {
        let Some(target) = steps.last().copied() else {
            return Err(EditError::Unsupported {
                pointer: pointer.to_owned(),
                line: 0,
                what: "empty path".to_owned(),
            });
        };
        let node = target.node;
        check_subtree(node, pointer)?;
        let parent = steps.len().checked_sub(2).map(|i| steps[i].node);
        let text = self.text;
        // Structural: mapping to mapping, edit only what differs.
        if let (Kind::Mapping { entries, .. }, Value::Object(new), Value::Object(old_map)) =
            (&node.kind, value, old)
        {
            if !new.is_empty() && !entries.is_empty() {
                return self.replace_entries(steps, new, old_map, pointer);
            }
        }
        if node.is_empty_scalar() {
            let in_block = parent.is_some_and(|p| !p.is_flow());
            match (value, target.key) {
                (Value::Object(map), Some(key)) if in_block && !map.is_empty() => {
                    let lines =
                        render::block_mapping(value, key.col + self.layout.step, &self.layout);
                    let body = lines.strip_suffix(self.layout.newline).unwrap_or(&lines);
                    let at = line_end(text, key.end);
                    self.splices
                        .push(Splice::insert(at, format!("{}{body}", self.layout.newline)));
                }
                _ => {
                    let json = parent.is_some_and(|p| self.json_style(p));
                    self.splices.push(Splice::insert(
                        node.start,
                        format!(" {}", render::flow(value, json)),
                    ));
                }
            }
            return Ok(());
        }
        let replacement = match (&node.kind, value) {
            (Kind::Scalar { style, .. }, Value::String(s)) => match style {
                Style::Double => json_quote(s),
                Style::Single => single_quote(s).unwrap_or_else(|| json_quote(s)),
                Style::Plain => render_string(s),
                Style::Literal | Style::Folded => {
                    return Err(unsupported(pointer, node, "replacing a block scalar"))
                }
            },
            (Kind::Scalar { .. }, _)
            | (Kind::Mapping { flow: true, .. }, _)
            | (Kind::Sequence { flow: true, .. }, _) => {
                let json =
                    self.layout.json || parent.is_some_and(|p| p.is_flow() && self.json_style(p));
                render::flow(value, json)
            }
            _ => return Err(unsupported(pointer, node, "replacing a block collection")),
        };
        self.splices.push(Splice {
            start: node.start,
            end: node.end,
            text: replacement,
            rank: 0,
        });
        Ok(())
    }

    fn replace_entries(
        &mut self,
        steps: &[Step<'_>],
        new: &serde_json::Map<String, Value>,
        old: &serde_json::Map<String, Value>,
        pointer: &str,
    ) -> Result<(), EditError> {
        let Some(target) = steps.last().copied() else {
            return Ok(());
        };
        let mapping = target.node;
        let entries = mapping.entries().unwrap_or_default();
        for (key, old_value) in old {
            let Some((k, v)) = entries
                .iter()
                .find(|(k, _)| k.scalar() == Some(key.as_str()))
            else {
                continue;
            };
            let child = Step {
                node: v,
                key: Some(k),
            };
            let child_pointer = format!("{pointer}/{}", escape(key));
            match new.get(key) {
                None => self.remove(target, steps, child, &child_pointer)?,
                Some(new_value) if new_value != old_value => {
                    let mut path = steps.to_vec();
                    path.push(child);
                    self.replace(&path, new_value, &child_pointer, old_value)?;
                }
                Some(_) => {}
            }
        }
        for (key, new_value) in new {
            if !old.contains_key(key) {
                self.insert(
                    target,
                    key,
                    new_value,
                    &format!("{pointer}/{}", escape(key)),
                )?;
            }
        }
        Ok(())
    }

    /// Removes the entry `target` from the mapping `parent`; `to_parent` is the
    /// path from the root to `parent` (for the `{}` of an emptied mapping).
    fn remove(
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
            let value = &entries[index].1;
            let (start, end) = if let Some((next_key, _)) = entries.get(index + 1) {
                (key.start, next_key.start)
            } else if index > 0 {
                (entries[index - 1].1.end, value.end)
            } else {
                (key.start, value.end)
            };
            self.splices.push(Splice::delete(start, end));
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
        let edits = self.mapping_edits(mapping);
        edits.removed += 1;
        edits.empty_at = empty_at;
        let mut covered = Vec::new();
        covered_lines(key, &mut covered);
        covered_lines(target.node, &mut covered);
        for (start, end) in line_ranges(text, covered) {
            self.splices.push(Splice::delete(start, end));
        }
        Ok(())
    }
}

/// RFC 6901 escaping of one token.
fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// Byte ranges `(start, end)` of every node's text in a subtree, for block
/// collections the ranges of their children.
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
        _ => out.push((node.start, node.end)),
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

#[cfg(test)]
mod tests;
