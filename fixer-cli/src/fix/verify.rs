//! The safety net: the edited text must parse to exactly the expected objects.

use serde_json::Value;

use crate::yaml::limits::Limits;
use crate::yaml::tree::{self, Document};
use crate::yaml::value::to_value_with;

/// What one document of the edited text must read as.
#[derive(Debug, Clone, PartialEq)]
pub enum Expected {
    /// This JSON value: the core's patch applied, or the original's value
    /// for a document that was not edited.
    Value(Value),
    /// A document that had no JSON value (complex keys, unknown alias) and
    /// was not edited: it must still have none.
    Unreadable,
}

/// Collections an edit may add below the deepest existing one
/// (`securityContext.seccompProfile`, a KRM result's `field.path`).
const EDIT_DEPTH: usize = 8;

/// Checks that `new_text` parses into as many documents as `original`, and
/// that each reads as `expected[i]`. The re-parse runs under `limits` with
/// room for the few levels an edit adds.
pub fn verify(
    original: &[Document],
    new_text: &str,
    expected: &[Expected],
    limits: &Limits,
) -> Result<(), String> {
    let limits = Limits {
        max_depth: limits.max_depth.saturating_add(EDIT_DEPTH),
        ..*limits
    };
    let edited = tree::parse_with(new_text, &limits)
        .map_err(|e| format!("edited text does not parse: {e}"))?;
    if edited.len() != original.len() || expected.len() != original.len() {
        return Err(format!(
            "edited text has {} documents instead of {}",
            edited.len(),
            original.len()
        ));
    }
    for (index, ((old, new), want)) in original.iter().zip(&edited).zip(expected).enumerate() {
        let ok = match (to_value_with(new, &limits), want) {
            (Ok(got), Expected::Value(want)) => &got == want,
            (Err(err), Expected::Unreadable) => !err.is_limit(),
            (Err(err), Expected::Value(_)) => return Err(format!("document {index}: {err}")),
            (Ok(_), Expected::Unreadable) => false,
        };
        if !ok {
            return Err(format!(
                "document {index} (line {}): the edited text does not match the planned object",
                old.root.line
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use serde_json::json;

    #[test]
    fn verify_accepts_the_expected_and_refuses_anything_else() {
        let old = tree::parse("a: 1\n---\nb: 2\n---\n? [x]\n: y\n").unwrap();
        let want = vec![
            Expected::Value(json!({"a": 1, "c": 3})),
            Expected::Value(json!({"b": 2})),
            Expected::Unreadable,
        ];
        let l = Limits::default();
        let rest = "---\nb: 2\n---\n? [x]\n: y\n";
        assert!(verify(&old, &format!("a: 1\nc: 3\n{rest}"), &want, &l).is_ok());
        assert!(verify(&old, &format!("a: 1\nc: 4\n{rest}"), &want, &l).is_err());
        assert!(verify(&old, "a: 1\nc: 3\n---\nb: 5\n---\n? [x]\n: y\n", &want, &l).is_err());
        assert!(verify(&old, "a: 1\nc: 3\n---\nb: 2\n---\nx: y\n", &want, &l).is_err());
        assert!(verify(&old, "a: 1\nc: 3\n", &want, &l).is_err());
        assert!(verify(&old, "a: [\n", &want, &l).is_err());
    }
}
