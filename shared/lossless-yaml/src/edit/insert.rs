//! Adding a key to a mapping: new lines at the end of a block mapping (or
//! before its first key when it ends a file without final newline), or an
//! entry inside the braces of a flow mapping.

use serde_json::Value;

use super::lines::{line_start, next_line, starts_line};
use super::path::Step;
use super::splice::Splice;
use super::{unsupported, EditError, Editor};
use crate::limits::LimitError;
use crate::render;
use crate::scalar::{json_quote, render_string};
use crate::tree::{Kind, Node};

impl Editor<'_> {
    /// Adds `key: value` to the mapping `parent`.
    pub(super) fn insert(
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
        let too_deep = |e: LimitError| unsupported(pointer, mapping, &e.to_string());
        let text = self.text;
        let nl = self.layout.newline;
        if !flow {
            let indent = mapping.col;
            let entry = render::block_entry(key, value, indent, &self.layout).map_err(too_deep)?;
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
            let inner = format!(
                "{}{key_text}: {}",
                self.empty_flow_separator(mapping.start),
                render::flow(value, json).map_err(too_deep)?
            );
            self.splices.push(Splice::insert(mapping.start + 1, inner));
            return Ok(());
        };
        let multi_line = text[mapping.start + 1..first_key.start].contains('\n');
        let at = line_start(text, first_key.start);
        // The whitespace before the first key: spaces, or tabs in JSON.
        let indent = &text[at..first_key.start];
        if multi_line && indent.bytes().all(|b| b == b' ' || b == b'\t') {
            let body = if json {
                render::json_entry(key, value, indent, &self.layout).map_err(too_deep)?
            } else {
                format!(
                    "{key_text}: {}",
                    render::flow(value, false).map_err(too_deep)?
                )
            };
            self.splices
                .push(Splice::insert(at, format!("{indent}{body},{nl}")));
        } else {
            let Some((last_key, last_value)) = entries.last() else {
                return Err(unsupported(pointer, mapping, "empty flow mapping"));
            };
            let inner = format!(
                ", {key_text}: {}",
                render::flow(value, json).map_err(too_deep)?
            );
            let at = super::entry_end(text, last_key, last_value);
            self.splices.push(Splice::insert(at, inner));
        }
        Ok(())
    }

    /// Appends `value` to the sequence `seq` (`add` at `/-`): a new `- item`
    /// after the last one of a block sequence, or `, item` before the `]`.
    pub(super) fn append(
        &mut self,
        seq: &Node,
        value: &Value,
        pointer: &str,
    ) -> Result<(), EditError> {
        let Kind::Sequence { items, flow } = &seq.kind else {
            return Err(unsupported(pointer, seq, "parent is not a sequence"));
        };
        let text = self.text;
        let too_deep = |e: LimitError| unsupported(pointer, seq, &e.to_string());
        if *flow {
            let rendered = render::flow(value, self.layout.json).map_err(too_deep)?;
            let splice = match items.last() {
                Some(last) => Splice::insert(last.end, format!(", {rendered}")),
                None => {
                    let separator = self.empty_flow_separator(seq.start);
                    Splice::insert(seq.start + 1, format!("{separator}{rendered}"))
                }
            };
            self.splices.push(splice);
            return Ok(());
        }
        // A block sequence starts at its first item; its dashes sit before that.
        let line = line_start(text, seq.start);
        let Some(dash) = text[line..seq.start].rfind('-') else {
            return Err(unsupported(pointer, seq, "block sequence without a dash"));
        };
        let item = render::block_item(value, dash, &self.layout).map_err(too_deep)?;
        let nl = self.layout.newline;
        let splice = match next_line(text, seq.end) {
            Some(at) => Splice::insert_at_column(at, dash, item),
            None => {
                let body = item.strip_suffix(nl).unwrap_or(&item);
                Splice::insert_at_column(text.len(), dash, format!("{nl}{body}"))
            }
        };
        self.splices.push(splice);
        Ok(())
    }
}
