//! Converting a spanned document into the `serde_json::Value` the core plans
//! on: aliases expanded, merge keys (`<<`) applied, scalars resolved.

use std::collections::HashMap;

use serde_json::{Map, Value};

use crate::limits::{LimitError, Limits};
use crate::scalar::resolve;
use crate::tree::{Document, Kind, Node, SyntaxError};

/// Why a document has no JSON value, at the node's 1-based line and column.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{line}:{col}: {kind}")]
pub struct ValueError {
    /// 1-based line of the node.
    pub line: usize,
    /// 1-based column of the node.
    pub col: usize,
    /// What is wrong.
    #[source]
    pub kind: ValueErrorKind,
}

/// What is wrong with a document that has no JSON value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValueErrorKind {
    /// A mapping key that is itself a collection.
    #[error("a mapping key is not a scalar")]
    ComplexKey,
    /// `*alias` before its `&anchor`.
    #[error("alias to an unknown anchor")]
    UnknownAlias,
    /// `<<` that is not a mapping or a list of mappings.
    #[error("merge key `<<` needs a mapping or a list of mappings")]
    BadMerge,
    /// Aliases expand beyond the budget, or deeper than the depth limit.
    #[error(transparent)]
    Limit(#[from] LimitError),
}

impl ValueError {
    fn at(node: &Node, kind: ValueErrorKind) -> Self {
        ValueError {
            line: node.line,
            col: node.col + 1,
            kind,
        }
    }

    /// Whether a [`Limits`] bound was crossed (as opposed to YAML that has
    /// no JSON meaning).
    pub fn is_limit(&self) -> bool {
        matches!(self.kind, ValueErrorKind::Limit(_))
    }

    /// The same error as a located syntax error, for file-level reports.
    pub fn to_syntax_error(&self) -> SyntaxError {
        SyntaxError {
            line: self.line,
            col: self.col,
            message: self.kind.to_string(),
        }
    }
}

/// The JSON value of one document, under the default [`Limits`].
pub fn to_value(doc: &Document) -> Result<Value, ValueError> {
    node_value(&doc.root)
}

/// The JSON value of one document under `limits`.
pub fn to_value_with(doc: &Document, limits: &Limits) -> Result<Value, ValueError> {
    Converter::new(limits).value(&doc.root)
}

/// The JSON value of a node with no aliases to anchors outside it.
pub fn node_value(node: &Node) -> Result<Value, ValueError> {
    Converter::new(&Limits::default()).value(node)
}

/// A converted value with what it costs to copy and how deep it nests.
struct Built {
    value: Value,
    /// Nodes plus scalar (and key) bytes.
    cost: usize,
    /// Collections nested in it (0 for a scalar).
    height: usize,
}

struct Converter<'l> {
    limits: &'l Limits,
    anchors: HashMap<usize, Built>,
    /// What aliases have copied so far.
    copied: usize,
}

impl<'l> Converter<'l> {
    fn new(limits: &'l Limits) -> Self {
        Converter {
            limits,
            anchors: HashMap::new(),
            copied: 0,
        }
    }

    fn value(mut self, node: &Node) -> Result<Value, ValueError> {
        self.convert(node, 0).map(|built| built.value)
    }

    fn too_deep(&self, node: &Node) -> ValueError {
        let max = self.limits.max_depth;
        ValueError::at(node, LimitError::TooDeep { max }.into())
    }

    /// Converts `node`, which sits inside `level` collections. The depth
    /// is checked before recursing into a collection.
    fn convert(&mut self, node: &Node, level: usize) -> Result<Built, ValueError> {
        let is_collection = matches!(node.kind, Kind::Mapping { .. } | Kind::Sequence { .. });
        if is_collection && level >= self.limits.max_depth {
            return Err(self.too_deep(node));
        }
        let built = match &node.kind {
            Kind::Scalar { value, style } => Built {
                cost: 1 + value.len(),
                value: resolve(value, *style, node.core_tag.as_deref()),
                height: 0,
            },
            Kind::Alias(id) => self.alias(node, *id, level)?,
            Kind::Sequence { items, .. } => {
                let mut out = Vec::with_capacity(items.len());
                let (mut cost, mut height) = (1, 0);
                for item in items {
                    let built = self.convert(item, level + 1)?;
                    cost += built.cost;
                    height = height.max(built.height);
                    out.push(built.value);
                }
                Built {
                    value: Value::Array(out),
                    cost,
                    height: height + 1,
                }
            }
            Kind::Mapping { entries, .. } => self.mapping(entries, level)?,
        };
        if node.anchor != 0 {
            let copy = Built {
                value: built.value.clone(),
                ..built
            };
            self.anchors.insert(node.anchor, copy);
        }
        Ok(built)
    }

    /// The anchor's value again, if the budget and the depth allow it.
    fn alias(&mut self, node: &Node, id: usize, level: usize) -> Result<Built, ValueError> {
        let Some(anchored) = self.anchors.get(&id) else {
            return Err(ValueError::at(node, ValueErrorKind::UnknownAlias));
        };
        if level + anchored.height > self.limits.max_depth {
            return Err(self.too_deep(node));
        }
        self.copied = self.copied.saturating_add(anchored.cost);
        if self.copied > self.limits.alias_budget {
            let budget = self.limits.alias_budget;
            return Err(ValueError::at(
                node,
                LimitError::AliasBudget { budget }.into(),
            ));
        }
        Ok(Built {
            value: anchored.value.clone(),
            ..*anchored
        })
    }

    fn mapping(&mut self, entries: &[(Node, Node)], level: usize) -> Result<Built, ValueError> {
        let mut map = Map::new();
        let mut merged: Vec<Map<String, Value>> = Vec::new();
        let (mut cost, mut height) = (1, 0);
        for (key, value) in entries {
            let built = self.convert(value, level + 1)?;
            let Some(key_text) = key.scalar() else {
                return Err(ValueError::at(key, ValueErrorKind::ComplexKey));
            };
            cost += built.cost + key_text.len();
            height = height.max(built.height);
            if key_text == "<<" && key.core_tag.is_none() && is_plain(key) {
                let sources = merge_sources(built.value)
                    .ok_or_else(|| ValueError::at(key, ValueErrorKind::BadMerge))?;
                merged.extend(sources);
                continue;
            }
            map.insert(key_text.to_owned(), built.value);
        }
        for source in merged {
            for (k, v) in source {
                map.entry(k).or_insert(v);
            }
        }
        Ok(Built {
            value: Value::Object(map),
            cost,
            height: height + 1,
        })
    }
}

fn is_plain(node: &Node) -> bool {
    matches!(
        node.kind,
        Kind::Scalar {
            style: crate::tree::Style::Plain,
            ..
        }
    )
}

fn merge_sources(value: Value) -> Option<Vec<Map<String, Value>>> {
    match value {
        Value::Object(map) => Some(vec![map]),
        Value::Array(items) => items
            .into_iter()
            .map(|item| match item {
                Value::Object(map) => Some(map),
                _ => None,
            })
            .collect(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::tree::parse;
    use serde_json::json;

    fn value(text: &str) -> Value {
        to_value(&parse(text).unwrap()[0]).unwrap()
    }

    #[test]
    fn documents_convert_to_json() {
        assert_eq!(
            value("a: 1\nb: [x, \"2\"]\nc:\n  d: null\n"),
            json!({"a": 1, "b": ["x", "2"], "c": {"d": null}})
        );
    }

    #[test]
    fn aliases_and_merge_keys_expand() {
        let v = value("base: &b {x: 1, y: 2}\nuse:\n  <<: *b\n  y: 3\ncopy: *b\n");
        assert_eq!(v["use"], json!({"x": 1, "y": 3}));
        assert_eq!(v["copy"], json!({"x": 1, "y": 2}));
    }

    #[test]
    fn complex_keys_are_errors() {
        let docs = parse("? [a]\n: b\n").unwrap();
        let err = to_value(&docs[0]).unwrap_err();
        assert_eq!((err.line, err.col), (1, 3));
        assert_eq!(err.kind, ValueErrorKind::ComplexKey);
        assert!(!err.is_limit());
    }
}
