//! The safety net: the edited text must parse to exactly the expected
//! values, document for document, before anyone writes it.

use serde_json::Value;

use crate::limits::Limits;
use crate::tree::{self, Document, SyntaxError};
use crate::value::{to_value_with, ValueError};

/// Why an edited text is not what was planned.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum VerifyError {
    /// The edited text is not YAML (or crosses a limit).
    #[error("edited text does not parse: {0}")]
    Parse(#[source] SyntaxError),
    /// The edited text has another number of documents.
    #[error("edited text has {found} documents instead of {want}")]
    DocumentCount {
        /// Documents in the edited text.
        found: usize,
        /// Documents in the original.
        want: usize,
    },
    /// An edited document has no JSON value.
    #[error("document {index}: {source}")]
    Value {
        /// 0-based document index.
        index: usize,
        /// Why it has none.
        #[source]
        source: ValueError,
    },
    /// An edited document reads as another value than expected.
    #[error("document {index} (line {line}): the edited text does not match the planned object")]
    Mismatch {
        /// 0-based document index.
        index: usize,
        /// 1-based line where the original document starts.
        line: usize,
    },
}

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

/// Collections an edit may add below the deepest existing one (a nested
/// mapping or two, a list of results with their fields).
const EDIT_DEPTH: usize = 8;

/// Checks that `new_text` parses into as many documents as `original`, and
/// that each reads as `expected[i]`. The re-parse runs under `limits` with
/// room for the few levels an edit adds.
pub fn verify(
    original: &[Document],
    new_text: &str,
    expected: &[Expected],
    limits: &Limits,
) -> Result<(), VerifyError> {
    let limits = Limits {
        max_depth: limits.max_depth.saturating_add(EDIT_DEPTH),
        ..*limits
    };
    let edited = tree::parse_with(new_text, &limits).map_err(VerifyError::Parse)?;
    if edited.len() != original.len() || expected.len() != original.len() {
        return Err(VerifyError::DocumentCount {
            found: edited.len(),
            want: original.len(),
        });
    }
    for (index, ((old, new), want)) in original.iter().zip(&edited).zip(expected).enumerate() {
        let ok = match (to_value_with(new, &limits), want) {
            (Ok(got), Expected::Value(want)) => &got == want,
            (Err(err), Expected::Unreadable) => !err.is_limit(),
            (Err(source), Expected::Value(_)) => return Err(VerifyError::Value { index, source }),
            (Ok(_), Expected::Unreadable) => false,
        };
        if !ok {
            return Err(VerifyError::Mismatch {
                index,
                line: old.root.line,
            });
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
        assert_eq!(
            verify(&old, &format!("a: 1\nc: 4\n{rest}"), &want, &l),
            Err(VerifyError::Mismatch { index: 0, line: 1 })
        );
        assert!(verify(&old, "a: 1\nc: 3\n---\nb: 5\n---\n? [x]\n: y\n", &want, &l).is_err());
        assert!(verify(&old, "a: 1\nc: 3\n---\nb: 2\n---\nx: y\n", &want, &l).is_err());
        assert_eq!(
            verify(&old, "a: 1\nc: 3\n", &want, &l),
            Err(VerifyError::DocumentCount { found: 1, want: 3 })
        );
        assert!(matches!(
            verify(&old, "a: [\n", &want, &l),
            Err(VerifyError::Parse(_))
        ));
    }
}
