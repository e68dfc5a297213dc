//! The YAML skeleton of a template file: each line's indentation and, for
//! lines written as plain YAML, the key they hold. Template actions make the
//! file unparsable as YAML, but most charts keep the structure in literal
//! lines (`spec:`, `securityContext:`) and the values in actions; that
//! structure is what the tracer walks.

use std::ops::Range;

use super::gotmpl::{actions, frames_per_line, Action, Frame};

/// What a line holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineKind {
    /// Only spaces.
    Blank,
    /// A YAML comment.
    Comment,
    /// Only template actions (and spaces).
    Actions,
    /// `key:` or `- key:` with a literal key.
    Key {
        /// The key, unquoted.
        key: String,
        /// Written `- key:` (the first key of a sequence item).
        dash: bool,
        /// Column of the key.
        col: usize,
        /// What follows the colon.
        value: ValuePart,
    },
    /// `- item` that is not a mapping key.
    Item,
    /// Anything else (block scalar content, continuation lines).
    Text,
}

/// The value part of a key line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValuePart {
    /// Nothing (the value is the block below) or only a comment.
    None,
    /// Plain YAML text.
    Literal(String),
    /// Contains a template action.
    Action,
}

/// One line of a template file.
#[derive(Debug, Clone)]
pub struct Line {
    /// Byte offset of the line start.
    pub start: usize,
    /// Byte offset after the line's last character (before `\r\n`/`\n`).
    pub end: usize,
    /// Leading spaces.
    pub indent: usize,
    /// What it holds.
    pub kind: LineKind,
    /// Indexes into [`Skeleton::actions`] of the actions touching the line.
    pub actions: Range<usize>,
}

impl Line {
    /// The column of its key, if it is a key line.
    pub fn key_col(&self) -> Option<usize> {
        match self.kind {
            LineKind::Key { col, .. } => Some(col),
            _ => None,
        }
    }

    /// Whether a template action touches the line.
    pub fn has_action(&self) -> bool {
        !self.actions.is_empty()
    }

    /// Whether the line is content (not blank, comment or actions only).
    pub fn is_content(&self) -> bool {
        !matches!(
            self.kind,
            LineKind::Blank | LineKind::Comment | LineKind::Actions
        )
    }
}

/// A template file's lines, actions and control structures.
#[derive(Debug, Clone)]
pub struct Skeleton {
    /// Every line, in order.
    pub lines: Vec<Line>,
    /// Every action, in order.
    pub actions: Vec<Action>,
    /// The control structures around each line.
    pub frames: Vec<Vec<Frame>>,
    /// `"\n"` or `"\r\n"`.
    pub newline: &'static str,
    /// The most common indentation step of nested keys (2 when unknown).
    pub step: usize,
}

impl Skeleton {
    /// Reads `text`.
    pub fn new(text: &str) -> Self {
        let actions = actions(text);
        let frames = frames_per_line(text, &actions);
        let newline = if text.contains("\r\n") { "\r\n" } else { "\n" };
        let mut lines = Vec::new();
        let mut start = 0;
        let mut next_action = 0;
        // A block scalar (`key: |`) swallows the deeper lines after it.
        let mut scalar_above: Option<usize> = None;
        while start < text.len() || (start == 0 && text.is_empty()) {
            let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
            let end = if text[..line_end].ends_with('\r') {
                line_end - 1
            } else {
                line_end
            };
            while actions.get(next_action).is_some_and(|a| a.end <= start) {
                next_action += 1;
            }
            let mut last = next_action;
            while actions
                .get(last)
                .is_some_and(|a| a.start < end.max(start + 1))
            {
                last += 1;
            }
            let touching = next_action..last;
            let raw = &text[start..end];
            let indent = raw.len() - raw.trim_start_matches(' ').len();
            let inside_action = actions[touching.clone()]
                .first()
                .is_some_and(|a| a.start < start);
            let kind =
                if let Some(col) = scalar_above.filter(|&c| indent > c || raw.trim().is_empty()) {
                    let _ = col;
                    LineKind::Text
                } else {
                    scalar_above = None;
                    classify_line(
                        raw,
                        indent,
                        &actions[touching.clone()],
                        start,
                        inside_action,
                    )
                };
            if let LineKind::Key {
                col,
                value: ValuePart::Literal(v),
                ..
            } = &kind
            {
                if v.starts_with('|') || v.starts_with('>') {
                    scalar_above = Some(*col);
                }
            }
            lines.push(Line {
                start,
                end,
                indent,
                kind,
                actions: touching,
            });
            if line_end >= text.len() {
                break;
            }
            start = line_end + 1;
        }
        let step = detect_step(&lines);
        Skeleton {
            lines,
            actions,
            frames,
            newline,
            step,
        }
    }

    /// Ranges of line indexes of the YAML documents (split at `---` lines).
    pub fn segments(&self, text: &str) -> Vec<Range<usize>> {
        let mut out = Vec::new();
        let mut from = 0;
        for (i, line) in self.lines.iter().enumerate() {
            let raw = &text[line.start..line.end];
            if raw.trim_end() == "---" || raw.starts_with("--- ") {
                out.push(from..i);
                from = i + 1;
            }
        }
        out.push(from..self.lines.len());
        out.retain(|r| self.lines[r.clone()].iter().any(Line::is_content));
        out
    }

    /// The actions touching line `index`.
    pub fn line_actions(&self, index: usize) -> &[Action] {
        &self.actions[self.lines[index].actions.clone()]
    }
}

fn classify_line(
    raw: &str,
    indent: usize,
    actions: &[Action],
    start: usize,
    inside_action: bool,
) -> LineKind {
    let body = &raw[indent..];
    if body.trim().is_empty() {
        return if actions.is_empty() {
            LineKind::Blank
        } else {
            LineKind::Actions
        };
    }
    if inside_action {
        return LineKind::Actions;
    }
    if body.starts_with('#') {
        return LineKind::Comment;
    }
    // Only actions and spaces?
    let mut rest = String::new();
    let mut cursor = start + indent;
    for action in actions {
        if action.start > cursor {
            rest.push_str(&raw[cursor - start..action.start - start]);
        }
        cursor = cursor.max(action.end);
    }
    if cursor < start + raw.len() {
        rest.push_str(&raw[cursor - start..]);
    }
    if !actions.is_empty() && rest.trim().is_empty() {
        return LineKind::Actions;
    }
    let (dash, key_text, col) = match body.strip_prefix("- ") {
        Some(after) => {
            let pad = after.len() - after.trim_start().len();
            (true, after.trim_start(), indent + 2 + pad)
        }
        None if body == "-" => return LineKind::Item,
        None => (false, body, indent),
    };
    match split_key(key_text) {
        Some((key, value)) if !key.contains("{{") => {
            let value = value.trim();
            let value = if value.contains("{{") {
                ValuePart::Action
            } else if value.is_empty() || value.starts_with('#') {
                ValuePart::None
            } else {
                ValuePart::Literal(strip_comment(value).to_owned())
            };
            LineKind::Key {
                key,
                dash,
                col,
                value,
            }
        }
        _ if dash => LineKind::Item,
        _ => LineKind::Text,
    }
}

/// `key: rest` → (key, rest) for a plain or quoted key.
fn split_key(text: &str) -> Option<(String, &str)> {
    let (key, after) = match text.as_bytes().first()? {
        q @ (b'"' | b'\'') => {
            let close = text[1..].find(*q as char)? + 1;
            (text[1..close].to_owned(), &text[close + 1..])
        }
        b'{' | b'[' | b'&' | b'*' | b'!' | b'|' | b'>' | b'%' | b'@' | b'`' => return None,
        _ => {
            let colon = text
                .match_indices(':')
                .map(|(i, _)| i)
                .find(|&i| text[i + 1..].is_empty() || text[i + 1..].starts_with(' '))?;
            (text[..colon].trim_end().to_owned(), &text[colon..])
        }
    };
    let value = after.strip_prefix(':')?;
    if !(value.is_empty() || value.starts_with(' ')) || key.is_empty() {
        return None;
    }
    Some((key, value))
}

/// A literal value without its trailing ` # comment`.
fn strip_comment(value: &str) -> &str {
    if value.starts_with(['"', '\'']) {
        return value;
    }
    value.find(" #").map_or(value, |i| value[..i].trim_end())
}

fn detect_step(lines: &[Line]) -> usize {
    let mut counts = std::collections::HashMap::new();
    for (i, line) in lines.iter().enumerate() {
        let LineKind::Key {
            col,
            value: ValuePart::None,
            ..
        } = line.kind
        else {
            continue;
        };
        let child = lines[i + 1..].iter().find(|l| l.is_content());
        if let Some(child_col) = child.and_then(Line::key_col) {
            if child_col > col {
                *counts.entry(child_col - col).or_insert(0usize) += 1;
            }
        }
    }
    counts
        .into_iter()
        .max_by_key(|&(step, count)| (count, std::cmp::Reverse(step)))
        .map_or(2, |(step, _)| step)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    const TEXT: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {{ .Release.Name }}\n  labels:\n    {{- include \"x\" . | nindent 4 }}\nspec:\n  # c\n  containers:\n    - name: app\n      args: |\n        a: b\n  \"quoted\": 1 # x\n---\nkind: B\n";

    #[test]
    fn lines_are_classified() {
        let s = Skeleton::new(TEXT);
        let kinds: Vec<&LineKind> = s.lines.iter().map(|l| &l.kind).collect();
        assert!(
            matches!(kinds[0], LineKind::Key { key, value: ValuePart::Literal(v), .. } if key == "apiVersion" && v == "v1")
        );
        assert!(
            matches!(kinds[3], LineKind::Key { key, value: ValuePart::Action, col: 2, .. } if key == "name")
        );
        assert_eq!(kinds[5], &LineKind::Actions);
        assert!(matches!(
            kinds[6],
            LineKind::Key {
                value: ValuePart::None,
                ..
            }
        ));
        assert_eq!(kinds[7], &LineKind::Comment);
        assert!(matches!(kinds[9], LineKind::Key { key, dash: true, col: 6, .. } if key == "name"));
        assert_eq!(kinds[11], &LineKind::Text, "block scalar content");
        assert!(
            matches!(kinds[12], LineKind::Key { key, value: ValuePart::Literal(v), .. } if key == "quoted" && v == "1")
        );
        assert_eq!(s.step, 2);
        assert_eq!(s.segments(TEXT), vec![0..13, 14..15]);
        assert_eq!(s.line_actions(5).len(), 1);
    }
}
