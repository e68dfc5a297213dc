//! The text-splicing editor: turns an RFC 6902 patch against a document's
//! JSON value into splices of the document's original text.
//!
//! Supported operations are the ones the core emits: `add` of a mapping key
//! (new or replacing an empty/`null` value), `replace` of a value, `remove`
//! of a mapping entry. New entries go after the last line of a block mapping
//! at its column, or into the braces of a flow mapping; removed entries take
//! their lines with them, comments and blank lines in between stay.

mod insert;
mod keep;
pub mod layout;
pub mod lines;
pub mod path;
mod remove;
mod replace;
pub mod splice;

use std::collections::{HashMap, HashSet};

use json_patch::{AddOperation, Patch, PatchOperation, ReplaceOperation};

use crate::render::Layout;
use crate::tree::{Kind, Node, Style};
use crate::value::node_value;
use path::resolve;
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
    /// Byte ranges of removed entries: a mapping emptied inside one needs no `{}`.
    removed: Vec<(usize, usize)>,
    /// Flow mapping start → its entries' spans and the ones removed: the
    /// deletions (with their commas) are decided together in `finish`.
    flow_removals: HashMap<usize, FlowRemovals>,
    /// Pointers already operated on (appends `/-` aside): a second
    /// operation on one is refused, since each is spliced against the
    /// original text.
    touched: HashSet<String>,
    /// Token paths of the operations so far, and whether each removes.
    paths: Vec<(Vec<String>, bool)>,
    /// Empty flow collection start → entries inserted into it so far (the
    /// second and later ones need a comma).
    into_empty_flow: HashMap<usize, usize>,
}

/// Entries removed from one flow mapping.
struct FlowRemovals {
    /// `(key start, value end)` of every entry.
    spans: Vec<(usize, usize)>,
    /// Indexes of the removed entries.
    removed: Vec<usize>,
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

/// Where a flow mapping entry's text ends: its value's end, or for an empty
/// value (which spans no text at the end of its key) the key's `:` if any.
pub(crate) fn entry_end(text: &str, key: &Node, value: &Node) -> usize {
    if value.end > key.end || !value.is_empty_scalar() {
        return value.end;
    }
    let after = &text[key.end..];
    let rest = after.trim_start_matches([' ', '\t']);
    match rest.starts_with(':') {
        true => key.end + (after.len() - rest.len()) + 1,
        false => value.end,
    }
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
    if layout.newline == layout::LONE_CR {
        return Err(unsupported(
            "",
            root,
            "a lone CR line break (only LF and CRLF lines are edited)",
        ));
    }
    let mut editor = Editor {
        text,
        layout,
        splices: Vec::new(),
        mappings: HashMap::new(),
        removed: Vec::new(),
        flow_removals: HashMap::new(),
        touched: HashSet::new(),
        paths: Vec::new(),
        into_empty_flow: HashMap::new(),
    };
    for op in &patch.0 {
        editor.operation(root, op)?;
    }
    editor.finish(root)
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
        if last != "-" && !self.touched.insert(pointer.clone()) {
            return Err(unsupported(
                &pointer,
                root,
                "a second operation on the same path",
            ));
        }
        // Splices are made against the original text: an operation inside
        // a node another one changes would not see that change (a value
        // added inside an entry that is removed would outlive it). An entry
        // removed inside a removed one is fine (the deletions merge), and
        // so are appends to one sequence.
        let removal = matches!(op, PatchOperation::Remove(_));
        let append = last == "-";
        let nested = |a: &[String], b: &[String]| a.starts_with(b) || b.starts_with(a);
        if self.paths.iter().any(|(other, other_removes)| {
            nested(other, &toks)
                && !(removal && *other_removes)
                && !(append && other.as_slice() == toks.as_slice())
        }) {
            return Err(unsupported(
                &pointer,
                root,
                "a change inside a node the patch also changes",
            ));
        }
        self.paths.push((toks.clone(), removal));
        let steps = resolve(root, &toks, &pointer)?;
        for step in &steps {
            self.check_no_explicit_key(step.node, &pointer)?;
        }
        let found = steps.len() == toks.len() + 1;
        let parent_ok = steps.len() > parent_tokens.len();
        let unsupported_op = |what: &str| unsupported(&pointer, root, what);
        match op {
            PatchOperation::Add(AddOperation { value, .. })
            | PatchOperation::Replace(ReplaceOperation { value, .. })
                if found =>
            {
                let old = node_value(steps[toks.len()].node)
                    .map_err(|e| unsupported_op(&e.to_string()))?;
                self.replace(&steps, value, &pointer, &old)
            }
            PatchOperation::Add(add) if parent_ok => {
                let parent = steps[parent_tokens.len()];
                if matches!(parent.node.kind, Kind::Sequence { .. }) && last == "-" {
                    self.append(parent.node, &add.value, &pointer)
                } else {
                    self.insert(parent, last, &add.value, &pointer)
                }
            }
            PatchOperation::Remove(_) if found => {
                let parent = steps[parent_tokens.len()];
                let target = steps[toks.len()];
                self.remove(parent, &steps[..parent_tokens.len() + 1], target, &pointer)
            }
            _ => Err(unsupported_op("path not found or operation not supported")),
        }
    }

    fn finish(mut self, root: &Node) -> Result<Vec<Splice>, EditError> {
        for (start, removals) in &self.flow_removals {
            let edits = self.mappings.get(start);
            if edits.is_some_and(|e| e.inserted > 0) && removals.removes_all() {
                return Err(EditError::Unsupported {
                    pointer: String::new(),
                    line: edits.map_or(0, |e| e.line),
                    what: "every entry of a flow mapping replaced by others".to_owned(),
                });
            }
            self.splices.extend(removals.deletions());
        }
        for edits in self.mappings.values() {
            if !edits.gone && edits.total > 0 && edits.removed == edits.total && edits.inserted == 0
            {
                let inside_removed =
                    |at: usize| self.removed.iter().any(|&(s, e)| s <= at && at < e);
                if edits.empty_at.is_some_and(inside_removed) {
                    continue;
                }
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
        let blank = keep::blank_lines_left_to_keep_scalars(self.text, root, &self.splices);
        self.splices.extend(blank);
        Ok(self.splices)
    }

    /// Refuses a block mapping with an explicit key whose `?` stands on a
    /// line of its own: new entries and removals are placed by key lines.
    fn check_no_explicit_key(&self, node: &Node, pointer: &str) -> Result<(), EditError> {
        let Kind::Mapping {
            entries,
            flow: false,
        } = &node.kind
        else {
            return Ok(());
        };
        for (key, _) in entries {
            let before = self.text[..key.start].trim_end();
            // `? key` on one line is read like `key`; a `?` on a line of
            // its own puts the key lines below it.
            if before.ends_with('?') && self.text[before.len()..key.start].contains('\n') {
                return Err(EditError::Unsafe {
                    pointer: pointer.to_owned(),
                    line: key.line,
                    what: "an explicit key (?)",
                });
            }
        }
        Ok(())
    }

    /// The separator before a new entry of the empty flow collection
    /// starting at `start`: none for the first, a comma after that.
    fn empty_flow_separator(&mut self, start: usize) -> &'static str {
        let count = self.into_empty_flow.entry(start).or_insert(0);
        *count += 1;
        if *count == 1 {
            ""
        } else {
            ", "
        }
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
}

impl FlowRemovals {
    /// Whether every entry of the mapping goes.
    fn removes_all(&self) -> bool {
        (0..self.spans.len()).all(|i| self.removed.contains(&i))
    }

    /// One deletion per run of removed entries: up to the next kept entry's
    /// key, or, for a run that ends the mapping, from the end of the kept
    /// entry before it (its comma goes too), so no comma dangles.
    fn deletions(&self) -> Vec<Splice> {
        let mut removed = self.removed.clone();
        removed.sort_unstable();
        removed.dedup();
        let mut out = Vec::new();
        let mut i = 0;
        while i < removed.len() {
            let first = removed[i];
            let mut last = first;
            while i + 1 < removed.len() && removed[i + 1] == last + 1 {
                i += 1;
                last = removed[i];
            }
            i += 1;
            let (start, end) = match (self.spans.get(last + 1), first.checked_sub(1)) {
                (Some(&(next_key, _)), _) => (self.spans[first].0, next_key),
                (None, Some(before)) => (self.spans[before].1, self.spans[last].1),
                (None, None) => (self.spans[first].0, self.spans[last].1),
            };
            out.push(Splice::delete(start, end));
        }
        out
    }
}

#[cfg(test)]
mod tests;
