//! Scalars: resolving plain scalars to JSON values (YAML 1.2 core schema, as
//! `yaml_serde` does) and deciding how to write a string back.

use serde_json::{Number, Value};

use crate::printable::is_printable;
use crate::tree::Style;

/// The JSON value of a scalar written with `style` and an optional core tag.
pub fn resolve(text: &str, style: Style, core_tag: Option<&str>) -> Value {
    match core_tag {
        Some("str") => return Value::String(text.to_owned()),
        Some("null") => return Value::Null,
        Some("bool") | Some("int") | Some("float") => {
            return resolve_plain(text).unwrap_or_else(|| Value::String(text.to_owned()))
        }
        _ => {}
    }
    if style != Style::Plain {
        return Value::String(text.to_owned());
    }
    resolve_plain(text).unwrap_or_else(|| Value::String(text.to_owned()))
}

/// The non-string value a plain scalar stands for, if any.
fn resolve_plain(text: &str) -> Option<Value> {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Some(Value::Null),
        "true" | "True" | "TRUE" => return Some(Value::Bool(true)),
        "false" | "False" | "FALSE" => return Some(Value::Bool(false)),
        _ => {}
    }
    let first = text.as_bytes().first()?;
    if !(first.is_ascii_digit() || matches!(first, b'-' | b'+' | b'.')) {
        return None;
    }
    if let Some(int) = parse_int(text) {
        return Some(int);
    }
    parse_float(text)
}

fn parse_int(text: &str) -> Option<Value> {
    let (negative, digits) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let (radix, digits) = if let Some(hex) = digits.strip_prefix("0x") {
        (16, hex)
    } else if let Some(oct) = digits.strip_prefix("0o") {
        (8, oct)
    } else {
        (10, digits)
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let magnitude = u64::from_str_radix(digits, radix).ok()?;
    if negative {
        let value = 0i64.checked_sub_unsigned(magnitude)?;
        Some(Value::Number(Number::from(value)))
    } else {
        Some(Value::Number(Number::from(magnitude)))
    }
}

fn parse_float(text: &str) -> Option<Value> {
    let unsigned = text.trim_start_matches(['-', '+']);
    if matches!(
        unsigned,
        ".inf" | ".Inf" | ".INF" | ".nan" | ".NaN" | ".NAN"
    ) {
        // Not representable in JSON: keep the text, as a string.
        return Some(Value::String(text.to_owned()));
    }
    let bytes = unsigned.as_bytes();
    let valid = !bytes.is_empty()
        && bytes
            .iter()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'-' | b'+'))
        && bytes.iter().any(u8::is_ascii_digit)
        && !unsigned.starts_with(['e', 'E']);
    if !valid {
        return None;
    }
    let value: f64 = text.parse().ok()?;
    Number::from_f64(value).map(Value::Number)
}

/// Whether `text` can be written as a plain scalar and still read back as
/// the same string.
pub fn plain_safe(text: &str) -> bool {
    let Some(first) = text.chars().next() else {
        return false;
    };
    if resolve_plain(text).is_some() {
        return false;
    }
    if "-?:,[]{}#&*!|>'\"%@`".contains(first) || first.is_whitespace() {
        return false;
    }
    if text.ends_with([' ', '\t', ':']) {
        return false;
    }
    if text.contains(": ") || text.contains(" #") || text.contains(['\n', '\r', '\t']) {
        return false;
    }
    text.chars().all(|c| writable(c) && !c.is_control())
}

/// Whether `ch` may stand as itself inside a document: YAML-printable, and
/// not a byte-order mark (saphyr-parser refuses one inside a document).
fn writable(ch: char) -> bool {
    is_printable(ch) && ch != crate::BOM
}

/// A string as a YAML scalar: plain when safe, else double-quoted.
pub fn render_string(text: &str) -> String {
    if plain_safe(text) {
        text.to_owned()
    } else {
        json_quote(text)
    }
}

/// A string as a JSON (and YAML double-quoted) string literal. Characters
/// JSON leaves raw but YAML does not allow in a stream (DEL, C1 controls,
/// U+FFFE, U+FFFF) or in a document (a byte-order mark) are escaped too.
pub fn json_quote(text: &str) -> String {
    let quoted = serde_json::Value::String(text.to_owned()).to_string();
    if quoted.chars().all(writable) {
        return quoted;
    }
    let mut out = String::with_capacity(quoted.len() + 8);
    for ch in quoted.chars() {
        if writable(ch) {
            out.push(ch);
        } else {
            for unit in ch.encode_utf16(&mut [0; 2]) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        }
    }
    out
}

/// A string as a YAML single-quoted scalar.
pub fn single_quote(text: &str) -> Option<String> {
    if text.contains(['\n', '\r']) || text.chars().any(|c| c.is_control() || !writable(c)) {
        return None;
    }
    Some(format!("'{}'", text.replace('\'', "''")))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use serde_json::json;

    #[test]
    fn plain_scalars_resolve_like_the_core_schema() {
        assert_eq!(resolve("", Style::Plain, None), Value::Null);
        assert_eq!(resolve("~", Style::Plain, None), Value::Null);
        assert_eq!(resolve("true", Style::Plain, None), json!(true));
        assert_eq!(resolve("12", Style::Plain, None), json!(12));
        assert_eq!(resolve("-3", Style::Plain, None), json!(-3));
        assert_eq!(resolve("0x1F", Style::Plain, None), json!(31));
        assert_eq!(resolve("1.5", Style::Plain, None), json!(1.5));
        assert_eq!(resolve("1e3", Style::Plain, None), json!(1000.0));
        assert_eq!(resolve("yes", Style::Plain, None), json!("yes"));
        assert_eq!(resolve("1.2.3", Style::Plain, None), json!("1.2.3"));
        assert_eq!(resolve("true", Style::Double, None), json!("true"));
        assert_eq!(resolve("12", Style::Plain, Some("str")), json!("12"));
    }

    #[test]
    fn strings_are_quoted_only_when_needed() {
        assert_eq!(render_string("Rolling"), "Rolling");
        assert_eq!(render_string("profiles/a.json"), "profiles/a.json");
        assert_eq!(render_string("true"), "\"true\"");
        assert_eq!(render_string("a: b"), "\"a: b\"");
        assert_eq!(render_string(""), "\"\"");
        assert_eq!(render_string("-x"), "\"-x\"");
        assert_eq!(single_quote("it's").unwrap(), "'it''s'");
    }

    /// Found by the `edit_patch` fuzz target: a key with a DEL character was
    /// written raw inside double quotes, which YAML refuses.
    #[test]
    fn regression_characters_yaml_does_not_allow_are_escaped() {
        assert_eq!(json_quote("n:\u{7f}\u{0}"), "\"n:\\u007f\\u0000\"");
        assert_eq!(json_quote("\u{85}\u{fffe}é"), "\"\u{85}\\ufffeé\"");
        assert_eq!(render_string("a\u{9b}"), "\"a\\u009b\"");
        assert_eq!(single_quote("x\u{ffff}"), None);
        // And a byte-order mark inside a document, which saphyr-parser refuses.
        assert_eq!(render_string("n\u{feff}"), "\"n\\ufeff\"");
    }
}
