//! Turning one operation of the core's patch on a rendered object into an
//! edit of the chart's source: a `values.yaml` key or template lines, or the
//! reason it cannot be made there.

use json_patch::PatchOperation;
use serde_json::Value;

use super::skeleton::{LineKind, ValuePart};
use super::template_edit::TemplateOp;
use super::trace::{op_tokens, Entry, Tracer, Walk};
use super::values_edit::ValuesOp;

/// An edit of the chart's source files.
#[derive(Debug, Clone, PartialEq)]
pub enum SourceEdit {
    /// In `values.yaml`.
    Values(ValuesOp),
    /// In a template file (relative to the chart root).
    Template {
        /// The template file.
        file: String,
        /// The edit.
        op: TemplateOp,
    },
}

/// An operation that cannot be made in the source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotFixable {
    /// 1-based line in the template.
    pub line: usize,
    /// Why, in words.
    pub reason: String,
}

fn describe(tokens: &[String]) -> String {
    tokens.last().cloned().unwrap_or_default()
}

/// The source edit for `op` on the object `rendered` rendered from the
/// template `file` (walked with `tracer`). `Ok(None)`: nothing to edit (the
/// template drops an emptied values map by itself).
pub fn trace_op(
    tracer: &Tracer<'_>,
    file: &str,
    op: &PatchOperation,
    rendered: &Value,
) -> Result<Option<SourceEdit>, NotFixable> {
    let tokens = op_tokens(op);
    let walk = tracer.walk(&tokens, rendered);
    let last = tokens.len().saturating_sub(1);
    let opaque = |line: usize, reason: String| NotFixable {
        line: line + 1,
        reason,
    };
    let template = |op: TemplateOp| {
        Ok(Some(SourceEdit::Template {
            file: file.to_owned(),
            op,
        }))
    };
    let values_path = |path: &[String], depth: usize| {
        let mut full = path.to_vec();
        full.extend_from_slice(&tokens[depth.min(tokens.len())..]);
        full
    };
    match op {
        PatchOperation::Add(add) => match walk {
            Walk::Missing { parent, depth } if depth == last => {
                if let Some((line, what)) = mentions(tracer, &parent, &tokens[last]) {
                    return Err(opaque(
                        line,
                        format!(
                            "cannot add `{}` in the template: it may be written by {what}",
                            tokens[last]
                        ),
                    ));
                }
                template(insert_into(tracer, &parent, &tokens[last], &add.value))
            }
            Walk::Inactive { entry, depth } if depth == last => {
                if let Some(path) = tracer.guarded_values(&entry) {
                    return Ok(Some(SourceEdit::Values(values_add(path, &add.value))));
                }
                let line = entry.line.unwrap_or(0);
                let reason = match tracer.innermost_condition(line) {
                    Some(frame) => format!(
                        "`{}` is behind `{{{{ {} {} }}}}` (line {}), off with these values: set it by hand",
                        tokens[last],
                        frame.keyword,
                        frame.expr,
                        frame.line + 1
                    ),
                    None => format!("`{}` is written but was not rendered", tokens[last]),
                };
                Err(opaque(line, reason))
            }
            Walk::Values { path, depth, .. } => Ok(Some(SourceEdit::Values(values_add(
                values_path(&path, depth),
                &add.value,
            )))),
            Walk::Found(entry) if is_empty(tracer, &entry) => match &add.value {
                Value::Object(map) => {
                    let Some(line) = entry.line else {
                        return Err(opaque(0, "cannot add to the document".to_owned()));
                    };
                    let col = entry.col + tracer.skeleton.step;
                    let ops: Vec<TemplateOp> = map
                        .iter()
                        .map(|(k, v)| TemplateOp::Insert {
                            after_line: line,
                            col,
                            key: k.clone(),
                            value: v.clone().into(),
                        })
                        .collect();
                    match ops.as_slice() {
                        [one] => template(one.clone()),
                        _ => Err(opaque(line, format!("`{}` is empty", describe(&tokens)))),
                    }
                }
                _ => Err(opaque(
                    entry.line.unwrap_or(0),
                    format!("`{}` is empty", describe(&tokens)),
                )),
            },
            other => Err(stop(other, &tokens)),
        },
        PatchOperation::Remove(_) => match walk {
            Walk::Found(entry) => {
                let Some(line) = entry.line else {
                    return Err(opaque(0, "cannot remove the document".to_owned()));
                };
                let lines = line..entry.block.end.max(line + 1);
                if let Some(at) = lines
                    .clone()
                    .find(|&i| tracer.skeleton.lines[i].has_action())
                {
                    return Err(opaque(
                        at,
                        format!("`{}` shares lines with template actions", describe(&tokens)),
                    ));
                }
                template(TemplateOp::RemoveLines {
                    from: lines.start,
                    to: lines.end,
                })
            }
            Walk::Values {
                path,
                depth,
                line,
                guarded,
            } => {
                if depth < tokens.len() {
                    Ok(Some(SourceEdit::Values(ValuesOp::Remove {
                        path: values_path(&path, depth),
                    })))
                } else if guarded {
                    Ok(None)
                } else {
                    Err(opaque(
                        line,
                        format!(
                            "`{}` would render as an empty map (no `with` around it)",
                            describe(&tokens)
                        ),
                    ))
                }
            }
            other => Err(stop(other, &tokens)),
        },
        PatchOperation::Replace(replace) => match walk {
            Walk::Values { path, depth, .. } if depth < tokens.len() => {
                Ok(Some(SourceEdit::Values(ValuesOp::Replace {
                    path: values_path(&path, depth),
                    value: replace.value.clone().into(),
                })))
            }
            Walk::Found(entry) => {
                let Some(line) = entry.line else {
                    return Err(opaque(0, "cannot replace the document".to_owned()));
                };
                match &tracer.skeleton.lines[line].kind {
                    LineKind::Key {
                        value: ValuePart::Literal(_),
                        ..
                    } if replace.value.is_string() => template(TemplateOp::ReplaceValue {
                        line,
                        value: replace.value.clone().into(),
                    }),
                    _ => Err(opaque(
                        line,
                        format!("`{}` is not a plain value", describe(&tokens)),
                    )),
                }
            }
            other => Err(stop(other, &tokens)),
        },
        _ => Err(opaque(0, "operation not supported".to_owned())),
    }
}

/// `path` set to `value`; a one-key mapping goes one level down, so the
/// same change reached from different renderings is one edit.
fn values_add(mut path: Vec<String>, value: &Value) -> ValuesOp {
    let mut value = value;
    while let Value::Object(map) = value {
        let mut entries = map.iter();
        match (entries.next(), entries.next()) {
            (Some((key, inner)), None) if inner.is_object() => {
                path.push(key.clone());
                value = inner;
            }
            _ => break,
        }
    }
    ValuesOp::Add {
        path,
        value: value.clone().into(),
    }
}

/// The reason a walk that did not lead to an edit stopped.
fn stop(walk: Walk, tokens: &[String]) -> NotFixable {
    match walk {
        Walk::Opaque { line, reason } => NotFixable {
            line: line + 1,
            reason: format!("cannot set `{}` in the source: {reason}", describe(tokens)),
        },
        Walk::Found(entry) | Walk::Inactive { entry, .. } | Walk::Missing { parent: entry, .. } => {
            NotFixable {
                line: entry.line.map_or(1, |l| l + 1),
                reason: format!("cannot place `{}` in the template", describe(tokens)),
            }
        }
        Walk::Values { line, .. } => NotFixable {
            line: line + 1,
            reason: format!("`{}` comes from a values key", describe(tokens)),
        },
    }
}

/// Whether `entry` holds nothing (`key:` with no value and no lines).
fn is_empty(tracer: &Tracer<'_>, entry: &Entry) -> bool {
    let Some(line) = entry.line else {
        return false;
    };
    matches!(
        tracer.skeleton.lines[line].kind,
        LineKind::Key {
            value: ValuePart::None,
            ..
        }
    ) && !tracer.skeleton.lines[entry.block.clone()]
        .iter()
        .any(|l| l.is_content() || l.kind == LineKind::Actions)
}

/// An action directly in `parent` that mentions `key`: it may write it
/// under other values, so a literal key beside it would clash.
fn mentions(tracer: &Tracer<'_>, parent: &Entry, key: &str) -> Option<(usize, String)> {
    let needle = key.to_ascii_lowercase();
    tracer
        .direct_actions(parent)
        .into_iter()
        .find(|(line, _)| {
            tracer
                .skeleton
                .line_actions(*line)
                .iter()
                .any(|a| a.body.to_ascii_lowercase().contains(&needle))
        })
        .map(|(line, emit)| {
            let what = match emit {
                super::gotmpl::Emit::Values(path) => format!("`.Values.{}`", path.join(".")),
                super::gotmpl::Emit::Other(what) => what,
            };
            (line, what)
        })
}

/// The new entry `key: value` as the first child of `parent`, right under
/// its key line.
fn insert_into(tracer: &Tracer<'_>, parent: &Entry, key: &str, value: &Value) -> TemplateOp {
    let col = tracer
        .child_col(parent)
        .unwrap_or(parent.col + tracer.skeleton.step);
    TemplateOp::Insert {
        after_line: parent
            .line
            .unwrap_or(tracer.segment.start.saturating_sub(1)),
        col,
        key: key.to_owned(),
        value: value.clone().into(),
    }
}
