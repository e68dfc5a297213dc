//! Converting a spanned document into the `serde_json::Value` the core plans
//! on: aliases expanded, merge keys (`<<`) applied, scalars resolved.

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::scalar::resolve;
use super::tree::{Document, Kind, Node};

/// Why a document has no JSON value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValueError {
    /// A mapping key that is itself a collection.
    #[error("line {0}: a mapping key is not a scalar")]
    ComplexKey(usize),
    /// `*alias` before its `&anchor`.
    #[error("line {0}: alias to an unknown anchor")]
    UnknownAlias(usize),
    /// `<<` that is not a mapping or a list of mappings.
    #[error("line {0}: merge key `<<` needs a mapping or a list of mappings")]
    BadMerge(usize),
}

/// The JSON value of one document.
pub fn to_value(doc: &Document) -> Result<Value, ValueError> {
    node_value(&doc.root)
}

/// The JSON value of a node with no aliases to anchors outside it.
pub fn node_value(node: &Node) -> Result<Value, ValueError> {
    let mut anchors = HashMap::new();
    convert(node, &mut anchors)
}

fn convert(node: &Node, anchors: &mut HashMap<usize, Value>) -> Result<Value, ValueError> {
    let value = match &node.kind {
        Kind::Scalar { value, style } => resolve(value, *style, node.core_tag.as_deref()),
        Kind::Alias(id) => anchors
            .get(id)
            .cloned()
            .ok_or(ValueError::UnknownAlias(node.line))?,
        Kind::Sequence { items, .. } => Value::Array(
            items
                .iter()
                .map(|item| convert(item, anchors))
                .collect::<Result<_, _>>()?,
        ),
        Kind::Mapping { entries, .. } => {
            let mut map = Map::new();
            let mut merged: Vec<Map<String, Value>> = Vec::new();
            for (key, value) in entries {
                let converted = convert(value, anchors)?;
                let Some(key_text) = key.scalar() else {
                    return Err(ValueError::ComplexKey(key.line));
                };
                if key_text == "<<" && key.core_tag.is_none() && is_plain(key) {
                    merged.extend(merge_sources(converted, key.line)?);
                    continue;
                }
                map.insert(key_text.to_owned(), converted);
            }
            for source in merged {
                for (k, v) in source {
                    map.entry(k).or_insert(v);
                }
            }
            Value::Object(map)
        }
    };
    if node.anchor != 0 {
        anchors.insert(node.anchor, value.clone());
    }
    Ok(value)
}

fn is_plain(node: &Node) -> bool {
    matches!(
        node.kind,
        Kind::Scalar {
            style: super::tree::Style::Plain,
            ..
        }
    )
}

fn merge_sources(value: Value, line: usize) -> Result<Vec<Map<String, Value>>, ValueError> {
    match value {
        Value::Object(map) => Ok(vec![map]),
        Value::Array(items) => items
            .into_iter()
            .map(|item| match item {
                Value::Object(map) => Ok(map),
                _ => Err(ValueError::BadMerge(line)),
            })
            .collect(),
        _ => Err(ValueError::BadMerge(line)),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::super::tree::parse;
    use super::*;
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
        assert_eq!(to_value(&docs[0]), Err(ValueError::ComplexKey(1)));
    }
}
