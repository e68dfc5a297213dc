//! Line edits of a template file: new YAML lines under a key line, removed
//! entry lines, a replaced literal value. The lines touched never hold a
//! template action (the tracer checked), so the edit is plain text.

use serde_json::Value;

use super::skeleton::{LineKind, Skeleton};
use lossless_yaml::edit::splice::{self, Splice};
use lossless_yaml::render::{self, Layout};

/// One edit of a template.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum TemplateOp {
    /// `key: value` as block lines at `col`, right after line `after_line`.
    Insert {
        /// 0-based line the new lines follow.
        after_line: usize,
        /// Column of the new key.
        col: usize,
        /// The key.
        key: String,
        /// The value.
        value: OrdValue,
    },
    /// Whole lines removed.
    RemoveLines {
        /// First 0-based line removed.
        from: usize,
        /// Line after the last one removed.
        to: usize,
    },
    /// The literal value of the key on `line` replaced by `value`.
    ReplaceValue {
        /// 0-based line.
        line: usize,
        /// New value.
        value: OrdValue,
    },
}

/// A JSON value ordered by its text, so edits can be sorted and deduplicated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrdValue(pub Value);

impl PartialOrd for OrdValue {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for OrdValue {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.to_string().cmp(&other.0.to_string())
    }
}

impl From<Value> for OrdValue {
    fn from(value: Value) -> Self {
        OrdValue(value)
    }
}

/// Applies `ops` to `text` (read as `skeleton`).
pub fn apply(text: &str, skeleton: &Skeleton, ops: &[TemplateOp]) -> Result<String, String> {
    let layout = Layout {
        newline: skeleton.newline,
        step: skeleton.step,
        json: false,
    };
    let line = |i: usize| {
        skeleton
            .lines
            .get(i)
            .ok_or_else(|| format!("line {} is past the end of the template", i + 1))
    };
    let after = |i: usize| -> Result<usize, String> {
        let l = line(i)?;
        Ok(text[l.end..]
            .find('\n')
            .map_or(text.len(), |n| l.end + n + 1))
    };
    let mut splices = Vec::new();
    for op in ops {
        match op {
            TemplateOp::Insert {
                after_line,
                col,
                key,
                value,
            } => {
                let at = after(*after_line)?;
                let mut entry =
                    render::block_entry(key, &value.0, *col, &layout).map_err(|e| e.to_string())?;
                if at == text.len() && !text.ends_with('\n') {
                    entry = format!(
                        "{}{}",
                        layout.newline,
                        entry.strip_suffix(layout.newline).unwrap_or(&entry)
                    );
                }
                splices.push(Splice::insert_at_column(at, *col, entry));
            }
            TemplateOp::RemoveLines { from, to } => {
                let start = line(*from)?.start;
                let end = after(to.saturating_sub(1).max(*from))?;
                splices.push(Splice::delete(start, end));
            }
            TemplateOp::ReplaceValue { line: at, value } => {
                let l = line(*at)?;
                let LineKind::Key { key, .. } = &l.kind else {
                    return Err(format!("line {} holds no key", at + 1));
                };
                let raw = &text[l.start..l.end];
                let colon = raw
                    .find(&format!("{key}:"))
                    .map(|i| i + key.len() + 1)
                    .ok_or_else(|| format!("line {}: key not found", at + 1))?;
                let rest = &raw[colon..];
                let value_start = colon + (rest.len() - rest.trim_start().len());
                let value_text = rest.trim();
                let value_len = value_text.find(" #").unwrap_or(value_text.len());
                let old = value_text[..value_len].trim_end();
                let new = match (&value.0, old.chars().next()) {
                    (Value::String(s), Some(q @ ('"' | '\''))) => format!("{q}{s}{q}"),
                    (v, _) => render::flow(v, false).map_err(|e| e.to_string())?,
                };
                splices.push(Splice {
                    start: l.start + value_start,
                    end: l.start + value_start + old.len(),
                    text: new,
                    rank: 0,
                });
            }
        }
    }
    splice::apply(text, splices).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use serde_json::json;

    #[test]
    fn lines_go_under_the_key_and_entries_go_whole() {
        let text = "spec:\n  containers: []\nmetadata:\n  annotations:\n    a: b\n  name: x\ntype: \"Unconfined\" # c\n";
        let sk = Skeleton::new(text);
        let out = apply(
            text,
            &sk,
            &[
                TemplateOp::Insert {
                    after_line: 0,
                    col: 2,
                    key: "securityContext".into(),
                    value: json!({"seccompProfile": {"type": "RuntimeDefault"}}).into(),
                },
                TemplateOp::RemoveLines { from: 3, to: 5 },
                TemplateOp::ReplaceValue {
                    line: 6,
                    value: json!("RuntimeDefault").into(),
                },
            ],
        )
        .unwrap();
        assert_eq!(
            out,
            "spec:\n  securityContext:\n    seccompProfile:\n      type: RuntimeDefault\n  containers: []\nmetadata:\n  name: x\ntype: \"RuntimeDefault\" # c\n"
        );
    }

    #[test]
    fn no_final_newline_is_kept() {
        let text = "spec:";
        let sk = Skeleton::new(text);
        let out = apply(
            text,
            &sk,
            &[TemplateOp::Insert {
                after_line: 0,
                col: 2,
                key: "a".into(),
                value: json!(1).into(),
            }],
        )
        .unwrap();
        assert_eq!(out, "spec:\n  a: 1");
    }
}
