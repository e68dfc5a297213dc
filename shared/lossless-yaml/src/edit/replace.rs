//! Replacing a value: only what differs between two mappings is edited;
//! scalars keep their quoting style; an empty value gets nested lines.

use serde_json::Value;

use super::lines::{line_end, line_start};
use super::path::{check_subtree, Step};
use super::splice::Splice;
use super::{unsupported, EditError, Editor};
use crate::limits::LimitError;
use crate::render;
use crate::scalar::{json_quote, render_string, single_quote};
use crate::tree::{Kind, Style};

impl Editor<'_> {
    /// Replaces the node at the end of `steps` (which exists) with `value`.
    pub(super) fn replace(
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
        let too_deep = |e: LimitError| unsupported(pointer, node, &e.to_string());
        let text = self.text;
        // Structural: mapping to mapping, edit only what differs.
        if let (Kind::Mapping { entries, .. }, Value::Object(new), Value::Object(old_map)) =
            (&node.kind, value, old)
        {
            if !new.is_empty() && !entries.is_empty() {
                // Entries are matched by key: a duplicated one would be
                // edited once and kept once.
                if entries.len() != old_map.len() {
                    return Err(EditError::Unsafe {
                        pointer: pointer.to_owned(),
                        line: node.line,
                        what: "a duplicated key",
                    });
                }
                return self.replace_entries(steps, new, old_map, pointer);
            }
        }
        if node.is_empty_scalar() {
            // An empty value has no text of its own: a new one goes after
            // its key's `:` (`{a}` has none: not edited).
            let at = match target.key {
                Some(key) => {
                    let after = &text[key.end..];
                    let rest = after.trim_start_matches([' ', '\t']);
                    if !rest.starts_with(':') {
                        return Err(unsupported(pointer, node, "a key without `:` and value"));
                    }
                    key.end + (after.len() - rest.len()) + 1
                }
                // An empty item: the parser may place it past a comment
                // on its line (`- # note`), where a value would be read as
                // part of the comment.
                None if text[line_start(text, node.start)..node.start].contains('#') => {
                    return Err(unsupported(pointer, node, "an empty item after a comment"));
                }
                None => node.start,
            };
            let in_block = parent.is_some_and(|p| !p.is_flow());
            match (value, target.key) {
                (Value::Object(map), Some(key)) if in_block && !map.is_empty() => {
                    let lines =
                        render::block_mapping(value, key.col + self.layout.step, &self.layout)
                            .map_err(too_deep)?;
                    let body = lines.strip_suffix(self.layout.newline).unwrap_or(&lines);
                    let at = line_end(text, key.end);
                    self.splices
                        .push(Splice::insert(at, format!("{}{body}", self.layout.newline)));
                }
                _ => {
                    let json = parent.is_some_and(|p| self.json_style(p));
                    self.splices.push(Splice::insert(
                        at,
                        format!(" {}", render::flow(value, json).map_err(too_deep)?),
                    ));
                }
            }
            return Ok(());
        }
        if let Kind::Scalar {
            style: Style::Literal | Style::Folded,
            ..
        } = node.kind
        {
            // Its span starts at its content, a line after its header.
            return Err(unsupported(pointer, node, "replacing a block scalar"));
        }
        let before = text[..node.start].trim_end_matches([' ', '\t']);
        if before.ends_with(':') && text[before.len()..].starts_with('\t') {
            // saphyr-parser refuses a plain scalar there (`a:\tb`).
            return Err(unsupported(pointer, node, "a tab after the key's `:`"));
        }
        let replacement = match (&node.kind, value) {
            (Kind::Scalar { style, .. }, Value::String(s)) => match style {
                Style::Double => json_quote(s),
                Style::Single => single_quote(s).unwrap_or_else(|| json_quote(s)),
                Style::Plain | Style::Literal | Style::Folded => render_string(s),
            },
            (Kind::Scalar { .. }, _)
            | (Kind::Mapping { flow: true, .. }, _)
            | (Kind::Sequence { flow: true, .. }, _) => {
                let json =
                    self.layout.json || parent.is_some_and(|p| p.is_flow() && self.json_style(p));
                render::flow(value, json).map_err(too_deep)?
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
            let child_pointer =
                format!("{pointer}/{}", jsonptr::Token::new(key.as_str()).encoded());
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
                    &format!("{pointer}/{}", jsonptr::Token::new(key.as_str()).encoded()),
                )?;
            }
        }
        Ok(())
    }
}
