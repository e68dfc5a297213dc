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
    finish(child_text(base, tokens), base, tokens)
}

/// The text of [`child`] for a record that needs no `PointerBuf` (no
/// second parse of a pointer valid by construction).
pub(crate) fn child_text(base: &PointerBuf, tokens: &[&str]) -> String {
    let extra: usize = tokens.iter().map(|t| t.len() + 2).sum();
    let mut text = String::with_capacity(base.as_str().len() + extra);
    text.push_str(base.as_str());
    for token in tokens {
        text.push('/');
        push_escaped(&mut text, token);
    }
    text
}

/// `base` with a list name and an index appended (`/spec` → `/spec/containers/3`),
/// in one allocation and without formatting the index separately.
pub(crate) fn child_index(base: &PointerBuf, list: &str, index: usize) -> PointerBuf {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    let mut rest = index;
    loop {
        at -= 1;
        digits[at] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    // ASCII digits only.
    let index = std::str::from_utf8(&digits[at..]).unwrap_or("0");
    let mut text = String::with_capacity(base.as_str().len() + list.len() + index.len() + 4);
    text.push_str(base.as_str());
    text.push('/');
    push_escaped(&mut text, list);
    text.push('/');
    text.push_str(index);
    finish(text, base, &[list, index])
}

/// `text` as a pointer; it is valid by construction (every token escaped),
/// the fallback only keeps this total.
fn finish(text: String, base: &PointerBuf, tokens: &[&str]) -> PointerBuf {
    PointerBuf::parse(text).unwrap_or_else(|_| {
        let mut out = base.clone();
        tokens.iter().for_each(|t| out.push_back(*t));
        out
    })
}

/// Whether `token` holds a character RFC 6901 escapes (a byte test: cheaper
/// than a char pattern, and `~`/`/` are ASCII).
fn needs_escape(token: &str) -> bool {
    // Eight bytes at a time: pointer building is most of the planning cost.
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    let has = |word: u64, byte: u8| {
        let x = word ^ (ONES * u64::from(byte));
        x.wrapping_sub(ONES) & !x & HIGHS != 0
    };
    let mut chunks = token.as_bytes().chunks_exact(8);
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let word = u64::from_ne_bytes(word);
        if has(word, b'~') || has(word, b'/') {
            return true;
        }
    }
    chunks.remainder().iter().any(|&b| b == b'~' || b == b'/')
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
    if !needs_escape(token) {
        return Cow::Borrowed(token);
    }
    let mut text = String::with_capacity(token.len() + 2);
    push_escaped(&mut text, token);
    Cow::Owned(text)
}

/// Appends `token` to `text`, escaped as [`escape_token`] does, without an
/// intermediate string (pointer building is most of the planning cost).
fn push_escaped(text: &mut String, token: &str) {
    if !needs_escape(token) {
        text.push_str(token);
        return;
    }
    // Runs between the escaped bytes are copied whole (`~` and `/` are ASCII,
    // so every cut is at a character boundary).
    let mut rest = token;
    while let Some(at) = rest.bytes().position(|b| b == b'~' || b == b'/') {
        text.push_str(&rest[..at]);
        text.push_str(if rest.as_bytes()[at] == b'~' {
            "~0"
        } else {
            "~1"
        });
        rest = &rest[at + 1..];
    }
    text.push_str(rest);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_is_needed_exactly_for_tilde_and_slash_anywhere() {
        for len in 0..20 {
            let plain = "a".repeat(len);
            assert!(!needs_escape(&plain), "{plain}");
            for at in 0..len {
                for special in ['~', '/'] {
                    let mut text = plain.clone();
                    text.replace_range(at..=at, &special.to_string());
                    assert!(needs_escape(&text), "{text}");
                }
            }
        }
        // Bytes next to the special ones do not trip the test.
        assert!(!needs_escape("}.0}.0}.0\u{7f}.0\u{7f}}00..é€"));
    }
}
