//! The chart's safety net: after the edits, every rendered object must be
//! the core's plan applied to the original rendering (or the original, for
//! objects left alone), except for fields that differ between two renders
//! of the unchanged chart (`genCA`, `randAlphaNum`, `now`).

use std::collections::HashMap;

use serde_json::Value;

use super::render::Rendered;

/// Pointers to leave out of the comparison, per object (source, ordinal).
#[derive(Debug, Clone, Default)]
pub struct Masks(HashMap<(String, usize), Vec<String>>);

impl Masks {
    /// The fields that differ between two renderings of the same chart.
    pub fn between(first: &[Rendered], second: &[Rendered]) -> Result<Self, String> {
        if first.len() != second.len() {
            return Err(format!(
                "two renderings of the unchanged chart differ: {} objects, then {}",
                first.len(),
                second.len()
            ));
        }
        let mut masks = HashMap::new();
        for (a, b) in first.iter().zip(second) {
            if (&a.source, a.ordinal) != (&b.source, b.ordinal) {
                return Err(format!(
                    "two renderings of the unchanged chart differ: {} then {}",
                    a.source, b.source
                ));
            }
            let mut pointers = Vec::new();
            differing(&a.value, &b.value, String::new(), &mut pointers);
            if !pointers.is_empty() {
                masks.insert((a.source.clone(), a.ordinal), pointers);
            }
        }
        Ok(Masks(masks))
    }

    fn apply(&self, object: &Rendered, value: &Value) -> Value {
        let mut value = value.clone();
        if let Some(pointers) = self.0.get(&(object.source.clone(), object.ordinal)) {
            for pointer in pointers {
                if let Some(slot) = value.pointer_mut(pointer) {
                    *slot = Value::String("<differs between renders>".to_owned());
                }
            }
        }
        value
    }
}

/// Collects the pointers where `a` and `b` differ (a whole array when the
/// lengths differ).
pub fn differing(a: &Value, b: &Value, at: String, out: &mut Vec<String>) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for (k, v) in x {
                let child = format!("{at}/{}", k.replace('~', "~0").replace('/', "~1"));
                match y.get(k) {
                    Some(w) => differing(v, w, child, out),
                    None => out.push(child),
                }
            }
            for k in y.keys().filter(|k| !x.contains_key(*k)) {
                out.push(format!("{at}/{}", k.replace('~', "~0").replace('/', "~1")));
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (v, w)) in x.iter().zip(y).enumerate() {
                differing(v, w, format!("{at}/{i}"), out);
            }
        }
        _ if a == b => {}
        _ => out.push(at),
    }
}

/// Checks the rendering of the edited chart: `after[i]` must equal
/// `expected[i]` (both masked), object for object.
pub fn check(
    before: &[Rendered],
    expected: &[Value],
    after: &[Rendered],
    masks: &Masks,
) -> Result<(), String> {
    if before.len() != after.len() {
        return Err(format!(
            "the edited chart renders {} objects instead of {}",
            after.len(),
            before.len()
        ));
    }
    for ((old, want), new) in before.iter().zip(expected).zip(after) {
        if (&old.source, old.ordinal) != (&new.source, new.ordinal) {
            return Err(format!(
                "the edited chart renders {} where {} was",
                new.source, old.source
            ));
        }
        let unchanged = want == &old.value;
        let want = masks.apply(old, want);
        let got = masks.apply(old, &new.value);
        if want != got {
            let mut at = Vec::new();
            differing(&want, &got, String::new(), &mut at);
            let at = at.first().map_or("the object", String::as_str);
            let what = format!(
                "{} ({}/{})",
                old.source,
                old.value["kind"].as_str().unwrap_or(""),
                old.value["metadata"]["name"].as_str().unwrap_or("")
            );
            return Err(if unchanged {
                format!("the edit would also change {what} at {at}, which needs no change")
            } else {
                format!("{what} renders {at} differently from the plan")
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

    fn obj(value: Value) -> Rendered {
        Rendered {
            source: "templates/a.yaml".into(),
            ordinal: 0,
            value,
        }
    }

    #[test]
    fn fields_that_change_between_renders_are_masked_and_nothing_else() {
        let first = [obj(json!({"data": {"ca": "x1", "k": 1}}))];
        let second = [obj(json!({"data": {"ca": "x2", "k": 1}}))];
        let masks = Masks::between(&first, &second).unwrap();
        let after = [obj(json!({"data": {"ca": "x3", "k": 1}}))];
        let want = [first[0].value.clone()];
        assert!(check(&first, &want, &after, &masks).is_ok());
        let after = [obj(json!({"data": {"ca": "x3", "k": 2}}))];
        let err = check(&first, &want, &after, &masks).unwrap_err();
        assert!(err.contains("/data/k"), "{err}");
        assert!(check(&first, &want, &[], &masks).is_err());
    }

    #[test]
    fn differing_pointers_are_escaped() {
        let mut out = Vec::new();
        differing(
            &json!({"a/b": [1, 2]}),
            &json!({"a/b": [1, 3], "c": 0}),
            String::new(),
            &mut out,
        );
        assert_eq!(out, vec!["/a~1b/1", "/c"]);
    }
}
