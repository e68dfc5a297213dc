//! Small helpers for reading JSON values and building JSON pointers.

use jsonptr::PointerBuf;
use serde_json::Value;

/// The value at `pointer`, if any.
pub(crate) fn at<'a>(root: &'a Value, pointer: &PointerBuf) -> Option<&'a Value> {
    root.pointer(pointer.as_str())
}

/// `base` with `tokens` appended (each token is escaped per RFC 6901).
pub(crate) fn child(base: &PointerBuf, tokens: &[&str]) -> PointerBuf {
    let mut out = base.clone();
    for token in tokens {
        out.push_back(*token);
    }
    out
}

/// A pointer from unescaped tokens.
pub(crate) fn pointer(tokens: &[&str]) -> PointerBuf {
    PointerBuf::from_tokens(tokens.iter().copied())
}

/// The JSON type name of a value, for messages.
pub(crate) fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}
