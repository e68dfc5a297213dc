//! Bounds on what reading a YAML text may build, whatever the text holds.
//!
//! Two limits keep hostile or broken input from exhausting the stack or the
//! memory (docs/yaml-parser.md, "Limits"):
//!
//! - **Depth**: collections nested deeper than [`Limits::max_depth`] are a
//!   parse error. The tree builder checks it before it opens a collection,
//!   and the JSON conversion checks it again for what aliases expand to, so
//!   every recursive pass over a tree or a value (conversion, layout
//!   detection, the editor, the renderer, `serde_json`'s own drop, clone and
//!   comparison) recurses at most that deep.
//! - **Alias expansion**: `*alias` copies its anchor's value. What the aliases
//!   of one document copy, counted in nodes plus scalar bytes, may not exceed
//!   [`Limits::alias_budget`]. yaml_serde stops after 100 alias replays per
//!   event of the document, which bounds time but not the size of the value
//!   one replay of a large anchor builds; counting what is copied bounds
//!   memory directly (a "billion laughs" document needs 10^9 copies).
//!
//! Both are reported as a [`LimitError`] at the line and column where the
//! limit was crossed. Nothing here knows about Kubernetes.

use serde_json::Value;

/// The limits one read of a YAML text works under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Deepest nesting of collections: a document whose root is a mapping
    /// of scalars is 1 deep.
    pub max_depth: usize,
    /// Nodes plus scalar bytes that alias expansion may copy into one
    /// document's value.
    pub alias_budget: usize,
}

/// Collections nested this deep are far beyond any real manifest, and well
/// inside what a 2 MiB worker-thread stack recurses through.
pub const MAX_DEPTH: usize = 256;

/// At most ~100 MiB of JSON values built by aliases in one document; the
/// anchors of real manifests (a shared `env` list reused by a few
/// containers) copy a few thousand.
pub const ALIAS_BUDGET: usize = 1 << 20;

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: MAX_DEPTH,
            alias_budget: ALIAS_BUDGET,
        }
    }
}

/// Which limit was crossed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LimitError {
    /// Collections nested deeper than the limit.
    #[error("nesting deeper than {max} levels: not read")]
    TooDeep {
        /// The limit.
        max: usize,
    },
    /// Aliases copy more than the budget.
    #[error("aliases expand to more than {budget} nodes and bytes: not read")]
    AliasBudget {
        /// The budget.
        budget: usize,
    },
}

/// How deep `value` nests (a scalar is 0, `[]` is 1), counted without
/// recursion so that any value, however built, can be measured.
pub fn value_depth(value: &Value) -> usize {
    let mut deepest = 0;
    let mut stack = vec![(value, 0usize)];
    while let Some((value, depth)) = stack.pop() {
        let children: Box<dyn Iterator<Item = &Value>> = match value {
            Value::Array(items) => Box::new(items.iter()),
            Value::Object(map) => Box::new(map.values()),
            _ => continue,
        };
        deepest = deepest.max(depth + 1);
        stack.extend(children.map(|child| (child, depth + 1)));
    }
    deepest
}

/// Refuses a value nested deeper than `max_depth` (before a recursive pass
/// such as rendering it).
pub fn check_value_depth(value: &Value, max_depth: usize) -> Result<(), LimitError> {
    if value_depth(value) > max_depth {
        Err(LimitError::TooDeep { max: max_depth })
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use serde_json::json;

    #[test]
    fn value_depth_counts_collections() {
        assert_eq!(value_depth(&json!(1)), 0);
        assert_eq!(value_depth(&json!([])), 1);
        assert_eq!(value_depth(&json!({"a": [1, {"b": {}}]})), 4);
        assert!(check_value_depth(&json!([[[]]]), 3).is_ok());
        assert_eq!(
            check_value_depth(&json!([[[]]]), 2),
            Err(LimitError::TooDeep { max: 2 })
        );
    }

    #[test]
    fn value_depth_measures_values_too_deep_to_recurse_into() {
        let mut v = json!(null);
        for _ in 0..100_000 {
            v = Value::Array(vec![v]);
        }
        assert_eq!(value_depth(&v), 100_000);
        // Dropping it would recurse 100k deep: unwind it by hand.
        while let Value::Array(mut items) = v {
            v = items.pop().unwrap_or(Value::Null);
        }
    }
}
