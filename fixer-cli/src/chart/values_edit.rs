//! Edits of `values.yaml` with the minimal-diff editor, plus the one shape
//! the editor does not write on its own: `key: {}` followed by commented-out
//! entries (the `helm create` scaffold) becomes a block, so the comments
//! stay below it and can still be uncommented.

use json_patch::{AddOperation, Patch, PatchOperation, RemoveOperation, ReplaceOperation};
use serde_json::{Map, Value};

use lossless_yaml::edit::lines::next_line;
use lossless_yaml::edit::splice::{self, Splice};
use lossless_yaml::edit::{self, layout};
use lossless_yaml::limits::Limits;
use lossless_yaml::render::{self, Layout};
use lossless_yaml::tree::{self, Kind, Node};
use lossless_yaml::value::to_value;
use lossless_yaml::verify::{verify, Expected};
use lossless_yaml::{strip_bom, BOM};

/// One edit of a values key (`path` = keys from the top).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum ValuesOp {
    /// Make `path` hold the entries of `value` (a mapping), or `value`.
    Add {
        /// The key.
        path: Vec<String>,
        /// The value or the entries to add.
        value: super::template_edit::OrdValue,
    },
    /// Remove the key.
    Remove {
        /// The key.
        path: Vec<String>,
    },
    /// Replace the value.
    Replace {
        /// The key.
        path: Vec<String>,
        /// New value.
        value: super::template_edit::OrdValue,
    },
}

/// Why values could not be edited.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("values.yaml:{line}: {message}")]
pub struct ValuesError {
    /// 1-based line.
    pub line: usize,
    /// What went wrong.
    pub message: String,
}

fn error(line: usize, message: impl Into<String>) -> ValuesError {
    ValuesError {
        line,
        message: message.into(),
    }
}

fn pointer(path: &[String]) -> String {
    path.iter()
        .map(|k| format!("/{}", k.replace('~', "~0").replace('/', "~1")))
        .collect()
}

fn ptr(path: &[String]) -> Result<jsonptr::PointerBuf, ValuesError> {
    jsonptr::PointerBuf::parse(pointer(path)).map_err(|e| error(1, e.to_string()))
}

/// The 1-based line of the deepest existing key on `path`.
pub fn line_of(text: &str, path: &[String]) -> usize {
    let (_, body) = strip_bom(text);
    tree::parse(body)
        .ok()
        .and_then(|docs| docs.into_iter().next())
        .map_or(1, |doc| {
            lossless_yaml::edit::path::line_of(&doc.root, &pointer(path))
        })
}

/// Applies `ops` to the values text; the result is re-parsed and checked
/// against the edited JSON value.
pub fn apply(text: &str, ops: &[ValuesOp]) -> Result<String, ValuesError> {
    let (bom, body) = strip_bom(text);
    let docs = tree::parse(body).map_err(|e| error(e.line, e.message))?;
    let [doc] = docs.as_slice() else {
        return Err(error(1, "values.yaml must hold exactly one document"));
    };
    if doc.root.entries().is_none() {
        return Err(error(doc.root.line, "values.yaml is not a mapping"));
    }
    let layout = layout::detect(body, &docs, false);
    let original = to_value(doc).map_err(|e| error(doc.root.line, e.to_string()))?;
    let mut patch = Vec::new();
    let mut splices = Vec::new();
    for op in ops {
        match op {
            ValuesOp::Add { path, value } => {
                add(
                    body,
                    &doc.root,
                    path,
                    &value.0,
                    &layout,
                    &mut patch,
                    &mut splices,
                )?;
            }
            ValuesOp::Remove { path } => patch.push((
                PatchOperation::Remove(RemoveOperation { path: ptr(path)? }),
                true,
            )),
            ValuesOp::Replace { path, value } => patch.push((
                PatchOperation::Replace(ReplaceOperation {
                    path: ptr(path)?,
                    value: value.0.clone(),
                }),
                true,
            )),
        }
    }
    // The editor writes the ordinary ops; a block conversion came as a
    // splice, and its op only counts for the expected value.
    let editor_patch = Patch(
        patch
            .iter()
            .filter(|(_, by_editor)| *by_editor)
            .map(|(op, _)| op.clone())
            .collect(),
    );
    let all = Patch(patch.into_iter().map(|(op, _)| op).collect());
    splices.extend(
        edit::edit(body, &doc.root, &editor_patch, layout)
            .map_err(|e| error(doc.root.line, e.to_string()))?,
    );
    let mut expected = original;
    json_patch::patch(&mut expected, &all).map_err(|e| error(1, e.to_string()))?;
    let new = splice::apply(body, splices).map_err(|e| error(1, e.to_string()))?;
    let limits = Limits::default();
    verify(&docs, &new, &[Expected::Value(expected)], &limits)
        .map_err(|e| error(1, e.to_string()))?;
    Ok(if bom { format!("{BOM}{new}") } else { new })
}

/// Plans the edits for one `Add`: ops for the editor (`true`) or, for a
/// `key: {}` turned into a block, a splice plus the op for the expected
/// value (`false`).
fn add(
    body: &str,
    root: &Node,
    path: &[String],
    value: &Value,
    layout: &Layout,
    patch: &mut Vec<(PatchOperation, bool)>,
    splices: &mut Vec<Splice>,
) -> Result<(), ValuesError> {
    // The deepest existing key on the path.
    let mut node = root;
    let mut key_node: Option<&Node> = None;
    let mut depth = 0;
    for key in path {
        let Some((k, v)) = node.entries().and_then(|e| {
            e.iter()
                .rev()
                .find(|(k, _)| k.scalar() == Some(key.as_str()))
        }) else {
            break;
        };
        key_node = Some(k);
        node = v;
        depth += 1;
    }
    let existing = depth == path.len();
    // What goes at the deepest existing node: the rest of the path nested.
    let (at, entries): (&[String], Map<String, Value>) = if existing {
        match value {
            Value::Object(map) => (path, map.clone()),
            other => {
                patch.push((add_op(path, other.clone())?, true));
                return Ok(());
            }
        }
    } else {
        let mut nested = value.clone();
        for key in path[depth + 1..].iter().rev() {
            nested = Value::Object(Map::from_iter([(key.clone(), nested)]));
        }
        (
            &path[..depth],
            Map::from_iter([(path[depth].clone(), nested)]),
        )
    };
    match &node.kind {
        Kind::Mapping { entries: e, flow } => {
            if e.is_empty() && *flow {
                if let Some(key) = key_node {
                    if let Some(splice) = block_for_empty(body, key, node, &entries, layout) {
                        splices.push(splice);
                        for (k, v) in entries {
                            let mut full = at.to_vec();
                            full.push(k);
                            patch.push((add_op(&full, v)?, false));
                        }
                        return Ok(());
                    }
                }
            }
            for (k, v) in entries {
                if let Some(old) = node.get(&k) {
                    let old_value = lossless_yaml::value::node_value(old)
                        .map_err(|e| error(old.line, e.to_string()))?;
                    if old_value.is_null() {
                        // `key:` or `key: null`: the editor replaces it.
                    } else if old_value == v {
                        continue;
                    } else {
                        return Err(error(
                            old.line,
                            format!("`{}` already holds a different value", pointer(at)),
                        ));
                    }
                }
                let mut full = at.to_vec();
                full.push(k);
                patch.push((add_op(&full, v)?, true));
            }
            Ok(())
        }
        Kind::Scalar { .. }
            if lossless_yaml::value::node_value(node).is_ok_and(|v| v.is_null()) =>
        {
            patch.push((add_op(at, Value::Object(entries))?, true));
            Ok(())
        }
        _ => Err(error(
            node.line,
            format!("`{}` is not a mapping", pointer(at)),
        )),
    }
}

fn add_op(path: &[String], value: Value) -> Result<PatchOperation, ValuesError> {
    Ok(PatchOperation::Add(AddOperation {
        path: ptr(path)?,
        value,
    }))
}

/// `key: {}` → `key:` followed by the entries as block lines, indented like
/// the comment lines right below it (or one step in), before those comments.
fn block_for_empty(
    body: &str,
    key: &Node,
    empty: &Node,
    entries: &Map<String, Value>,
    layout: &Layout,
) -> Option<Splice> {
    let colon = key.end + body[key.end..empty.start].find(':')? + 1;
    // Only spaces between `:` and `{}`, and the mapping is in block context
    // (its key starts a line).
    if !body[colon..empty.start].trim().is_empty()
        || !lossless_yaml::edit::lines::starts_line(body, key.start)
    {
        return None;
    }
    let after = next_line(body, empty.end);
    let comment_col = after.and_then(|at| {
        let line = body[at..].lines().next()?;
        let trimmed = line.trim_start();
        let col = line.len() - trimmed.len();
        (trimmed.starts_with('#') && col > key.col).then_some(col)
    });
    let col = comment_col.unwrap_or(key.col + layout.step);
    let mut lines = String::new();
    for (k, v) in entries {
        lines.push_str(&render::block_entry(k, v, col, layout).ok()?);
    }
    // One splice: drop ` {}` and put the lines after the key's line.
    let line_rest_end = after.map_or(body.len(), |a| a);
    let mut text = body[empty.end..line_rest_end].to_owned();
    if after.is_none() {
        text.push_str(layout.newline);
        lines = lines
            .strip_suffix(layout.newline)
            .unwrap_or(&lines)
            .to_owned();
    }
    text.push_str(&lines);
    Some(Splice {
        start: colon,
        end: line_rest_end,
        text,
        rank: 0,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use serde_json::json;

    fn add_sc(path: &[&str]) -> ValuesOp {
        ValuesOp::Add {
            path: path.iter().map(|s| (*s).to_owned()).collect(),
            value: json!({"seccompProfile": {"type": "RuntimeDefault"}}).into(),
        }
    }

    #[test]
    fn an_empty_map_with_comments_becomes_a_block_above_them() {
        let text = "podSecurityContext: {}\n  # fsGroup: 2000\n\nsecurityContext: {}\n";
        let out = apply(text, &[add_sc(&["podSecurityContext"])]).unwrap();
        assert_eq!(
            out,
            "podSecurityContext:\n  seccompProfile:\n    type: RuntimeDefault\n  # fsGroup: 2000\n\nsecurityContext: {}\n"
        );
    }

    #[test]
    fn a_block_gets_the_key_and_nested_keys_are_created() {
        let text = "controller:\n    podSecurityContext:\n        fsGroup: 1\n    image: x\n";
        let out = apply(text, &[add_sc(&["controller", "podSecurityContext"])]).unwrap();
        assert_eq!(
            out,
            "controller:\n    podSecurityContext:\n        fsGroup: 1\n        seccompProfile:\n            type: RuntimeDefault\n    image: x\n"
        );
        let out = apply("a: 1\n", &[add_sc(&["b", "c"])]).unwrap();
        assert_eq!(
            out,
            "a: 1\nb:\n  c:\n    seccompProfile:\n      type: RuntimeDefault\n"
        );
        let out = apply("x: {}", &[add_sc(&["x"])]).unwrap();
        assert_eq!(out, "x:\n  seccompProfile:\n    type: RuntimeDefault");
    }

    #[test]
    fn annotations_are_removed_and_conflicts_refused() {
        let text = "podAnnotations:\n  seccomp.security.alpha.kubernetes.io/pod: runtime/default\n";
        let out = apply(
            text,
            &[ValuesOp::Remove {
                path: vec![
                    "podAnnotations".into(),
                    "seccomp.security.alpha.kubernetes.io/pod".into(),
                ],
            }],
        )
        .unwrap();
        assert_eq!(out, "podAnnotations: {}\n");
        let text = "sc:\n  seccompProfile: {type: Unconfined}\n";
        let err = apply(text, &[add_sc(&["sc"])]).unwrap_err();
        assert_eq!(err.line, 2);
    }
}
