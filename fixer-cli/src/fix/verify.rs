//! The safety net: the edited text must parse to exactly the expected objects.

use serde_json::Value;

use crate::yaml::tree::{self, Document};
use crate::yaml::value::to_value;

/// Checks that `new_text` parses into as many documents as `original`, and
/// that each equals `expected[i]` (the core's patch applied) or, for
/// documents not edited, the original document's value.
pub fn verify(
    original: &[Document],
    new_text: &str,
    expected: &[Option<Value>],
) -> Result<(), String> {
    let edited = tree::parse(new_text).map_err(|e| format!("edited text does not parse: {e}"))?;
    if edited.len() != original.len() {
        return Err(format!(
            "edited text has {} documents instead of {}",
            edited.len(),
            original.len()
        ));
    }
    for (index, (old, new)) in original.iter().zip(&edited).enumerate() {
        let got = to_value(new).map_err(|e| format!("document {index}: {e}"))?;
        let ok = match expected.get(index).and_then(Option::as_ref) {
            Some(want) => &got == want,
            None => to_value(old).is_ok_and(|want| want == got),
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
        let old = tree::parse("a: 1\n---\nb: 2\n").unwrap();
        let want = vec![Some(json!({"a": 1, "c": 3})), None];
        assert!(verify(&old, "a: 1\nc: 3\n---\nb: 2\n", &want).is_ok());
        assert!(verify(&old, "a: 1\nc: 4\n---\nb: 2\n", &want).is_err());
        assert!(verify(&old, "a: 1\nc: 3\n---\nb: 5\n", &want).is_err());
        assert!(verify(&old, "a: 1\nc: 3\n", &want).is_err());
        assert!(verify(&old, "a: [\n", &want).is_err());
    }
}
