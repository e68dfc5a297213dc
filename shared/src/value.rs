//! Small helpers for reading JSON values and building JSON pointers.

use std::borrow::Cow;

use jsonptr::PointerBuf;
use serde_json::Value;

/// The value at `pointer`, if any. Walks decoded tokens without allocating
/// (serde_json's `Value::pointer` allocates twice per token).
pub(crate) fn at<'a>(root: &'a Value, pointer: &PointerBuf) -> Option<&'a Value> {
    pointer.tokens().try_fold(root, |value, token| match value {
        Value::Object(map) => map.get(token.decoded().as_ref()),
        Value::Array(items) => {
            let text = token.encoded();
            let index: usize = text.parse().ok()?;
            // RFC 6901: no leading zeros ("01" is not index 1).
            (text == "0" || !text.starts_with('0')).then(|| items.get(index))?
        }
        _ => None,
    })
}

/// `base` with `tokens` appended (each token is escaped per RFC 6901). Built
/// in one allocation: pointer building is most of the planning cost.
pub(crate) fn child(base: &PointerBuf, tokens: &[&str]) -> PointerBuf {
    let extra: usize = tokens.iter().map(|t| t.len() + 2).sum();
    let mut text = String::with_capacity(base.as_str().len() + extra);
    text.push_str(base.as_str());
    for token in tokens {
        text.push('/');
        push_escaped(&mut text, token);
    }
    PointerBuf::parse(text).unwrap_or_else(|_| {
        let mut out = base.clone();
        tokens.iter().for_each(|t| out.push_back(*t));
        out
    })
}

/// One JSON pointer token escaped per RFC 6901 (`~` → `~0`, `/` → `~1`);
/// borrowed when nothing needs escaping. The one escaping routine of the
/// workspace: every pointer built by hand uses it.
///
/// ```
/// use seccomp_core::escape_token;
/// assert_eq!(escape_token("seccomp.security.alpha.kubernetes.io/pod"), "seccomp.security.alpha.kubernetes.io~1pod");
/// assert_eq!(escape_token("a~b"), "a~0b");
/// assert_eq!(escape_token("~1"), "~01");
/// assert!(matches!(escape_token("app"), std::borrow::Cow::Borrowed("app")));
/// ```
pub fn escape_token(token: &str) -> Cow<'_, str> {
    if !token.contains(['~', '/']) {
        return Cow::Borrowed(token);
    }
    let mut text = String::with_capacity(token.len() + 2);
    push_escaped(&mut text, token);
    Cow::Owned(text)
}

/// Appends `token` to `text`, escaped as [`escape_token`] does, without an
/// intermediate string (pointer building is most of the planning cost).
fn push_escaped(text: &mut String, token: &str) {
    if !token.contains(['~', '/']) {
        text.push_str(token);
        return;
    }
    for c in token.chars() {
        match c {
            '~' => text.push_str("~0"),
            '/' => text.push_str("~1"),
            c => text.push(c),
        }
    }
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
