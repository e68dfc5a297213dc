//! Writing new values in the style of the file they go into: block YAML with
//! the file's indentation step and line ending, YAML flow, or JSON.
//!
//! Rendering recurses into the value, so every public function first
//! measures its depth (without recursing) and refuses a value nested deeper
//! than [`MAX_DEPTH`].

use serde_json::Value;

use crate::limits::{check_value_depth, LimitError, MAX_DEPTH};
use crate::scalar::{json_quote, render_string};

/// How the file being edited is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    /// `"\n"` or `"\r\n"`.
    pub newline: &'static str,
    /// Indentation step of nested block mappings (2 or 4 usually).
    pub step: usize,
    /// The file is JSON: keys and strings are double-quoted.
    pub json: bool,
}

/// A scalar (or empty collection) written inline in YAML.
fn yaml_scalar(value: &Value) -> String {
    match value {
        Value::String(text) => render_string(text),
        Value::Null => "null".to_owned(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::Array(_) | Value::Object(_) => flow_of(value, false),
    }
}

fn key_text(key: &str, json: bool) -> String {
    if json {
        json_quote(key)
    } else {
        render_string(key)
    }
}

/// A value on one line: YAML flow style (`{type: Rolling}`) or JSON.
pub fn flow(value: &Value, json: bool) -> Result<String, LimitError> {
    check_value_depth(value, MAX_DEPTH)?;
    Ok(flow_of(value, json))
}

fn flow_of(value: &Value, json: bool) -> String {
    match value {
        Value::Object(map) => {
            let parts: Vec<String> = map
                .iter()
                .map(|(k, v)| format!("{}: {}", key_text(k, json), flow_of(v, json)))
                .collect();
            format!("{{{}}}", parts.join(", "))
        }
        Value::Array(items) => {
            let parts: Vec<String> = items.iter().map(|v| flow_of(v, json)).collect();
            format!("[{}]", parts.join(", "))
        }
        _ if json => value.to_string(),
        _ => yaml_scalar(value),
    }
}

/// `key: value` as block YAML lines at `indent`, each ending with a newline.
pub fn block_entry(
    key: &str,
    value: &Value,
    indent: usize,
    layout: &Layout,
) -> Result<String, LimitError> {
    check_value_depth(value, MAX_DEPTH)?;
    let mut out = String::new();
    push_block_entry(&mut out, key, value, indent, layout);
    Ok(out)
}

fn push_block_entry(out: &mut String, key: &str, value: &Value, indent: usize, layout: &Layout) {
    out.push_str(&" ".repeat(indent));
    out.push_str(&render_string(key));
    out.push(':');
    match value {
        Value::Object(map) if !map.is_empty() => {
            out.push_str(layout.newline);
            push_block_mapping(out, value, indent + layout.step, layout);
        }
        Value::Array(items) if !items.is_empty() => {
            out.push_str(layout.newline);
            for item in items {
                push_block_item(out, item, indent, layout);
            }
        }
        _ => {
            out.push(' ');
            out.push_str(&yaml_scalar(value));
            out.push_str(layout.newline);
        }
    }
}

/// One `- item` of a block sequence whose dashes sit at `indent`, ending
/// with a newline.
pub fn block_item(item: &Value, indent: usize, layout: &Layout) -> Result<String, LimitError> {
    check_value_depth(item, MAX_DEPTH)?;
    let mut out = String::new();
    push_block_item(&mut out, item, indent, layout);
    Ok(out)
}

fn push_block_item(out: &mut String, item: &Value, indent: usize, layout: &Layout) {
    out.push_str(&" ".repeat(indent));
    out.push_str("- ");
    match item {
        Value::Object(map) if !map.is_empty() => {
            let mut first = String::new();
            push_block_mapping(&mut first, item, indent + 2, layout);
            // The first entry goes on the dash's line.
            out.push_str(first.get(indent + 2..).unwrap_or_default());
        }
        _ => {
            out.push_str(&yaml_scalar(item));
            out.push_str(layout.newline);
        }
    }
}

/// The entries of a non-empty object as block lines at `indent`.
pub fn block_mapping(value: &Value, indent: usize, layout: &Layout) -> Result<String, LimitError> {
    check_value_depth(value, MAX_DEPTH)?;
    let mut out = String::new();
    push_block_mapping(&mut out, value, indent, layout);
    Ok(out)
}

fn push_block_mapping(out: &mut String, value: &Value, indent: usize, layout: &Layout) {
    if let Value::Object(map) = value {
        for (k, v) in map {
            push_block_entry(out, k, v, indent, layout);
        }
    }
}

/// `"key": value` as pretty JSON for a line indented by `indent` (the
/// whitespace before the key, spaces or tabs; the first line is not indented
/// by this function, nested lines are), without trailing comma. Nested lines
/// add one tab when `indent` has tabs, else the layout's step in spaces.
pub fn json_entry(
    key: &str,
    value: &Value,
    indent: &str,
    layout: &Layout,
) -> Result<String, LimitError> {
    check_value_depth(value, MAX_DEPTH)?;
    let unit = if indent.contains('\t') {
        "\t".to_owned()
    } else {
        " ".repeat(layout.step)
    };
    let mut out = json_quote(key);
    out.push_str(": ");
    push_json(&mut out, value, indent, &unit, layout.newline);
    Ok(out)
}

fn push_json(out: &mut String, value: &Value, indent: &str, unit: &str, newline: &str) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            out.push('{');
            let inner = format!("{indent}{unit}");
            for (i, (k, v)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(newline);
                out.push_str(&inner);
                out.push_str(&json_quote(k));
                out.push_str(": ");
                push_json(out, v, &inner, unit, newline);
            }
            out.push_str(newline);
            out.push_str(indent);
            out.push('}');
        }
        _ => out.push_str(&flow_of(value, true)),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use serde_json::json;

    const YAML: Layout = Layout {
        newline: "\n",
        step: 2,
        json: false,
    };

    #[test]
    fn block_entries_nest_by_the_step() {
        let v = json!({"strategy": {"type": "Scripted", "scriptPath": "a/b.json"}});
        assert_eq!(
            block_entry("settings", &v, 4, &YAML).unwrap(),
            "    settings:\n      strategy:\n        type: Scripted\n        scriptPath: a/b.json\n"
        );
        let crlf4 = Layout {
            newline: "\r\n",
            step: 4,
            json: false,
        };
        assert_eq!(
            block_entry("a", &json!({"b": true}), 0, &crlf4).unwrap(),
            "a:\r\n    b: true\r\n"
        );
    }

    #[test]
    fn block_sequences_of_mappings() {
        let v = json!([{"message": "m", "field": {"path": "a.b"}}, "x"]);
        assert_eq!(
            block_entry("results", &v, 0, &YAML).unwrap(),
            "results:\n- message: m\n  field:\n    path: a.b\n- x\n"
        );
    }

    #[test]
    fn flow_and_json_renderings() {
        let v = json!({"type": "Rolling"});
        assert_eq!(flow(&v, false).unwrap(), "{type: Rolling}");
        assert_eq!(flow(&v, true).unwrap(), "{\"type\": \"Rolling\"}");
        let json = Layout {
            newline: "\n",
            step: 2,
            json: true,
        };
        assert_eq!(
            json_entry("sc", &json!({"p": {"t": "R"}}), "    ", &json).unwrap(),
            "\"sc\": {\n      \"p\": {\n        \"t\": \"R\"\n      }\n    }"
        );
        assert_eq!(
            json_entry("sc", &json!({"p": 1}), "\t\t", &json).unwrap(),
            "\"sc\": {\n\t\t\t\"p\": 1\n\t\t}"
        );
    }

    #[test]
    fn values_deeper_than_the_limit_are_refused_before_recursing() {
        let mut v = json!("x");
        for _ in 0..MAX_DEPTH {
            v = json!([v]);
        }
        assert!(flow(&v, false).is_ok());
        let v = json!({ "k": v });
        let refused = Err(LimitError::TooDeep { max: MAX_DEPTH });
        assert_eq!(flow(&v, true), refused);
        assert_eq!(block_entry("a", &v, 0, &YAML), refused);
        assert_eq!(block_item(&v, 0, &YAML), refused);
        assert_eq!(block_mapping(&v, 0, &YAML), refused);
        assert_eq!(json_entry("a", &v, "", &YAML), refused);
    }
}
