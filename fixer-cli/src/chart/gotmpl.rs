//! Go template actions in a template file: where each `{{ ... }}` is, what
//! it says, which control structures (`if`, `with`, `range`, `define`)
//! enclose each line, and what a value action emits.
//!
//! This is not a Go template parser: it reads just enough to tell a values
//! key rendered with `toYaml` from anything else. Whatever it cannot read is
//! reported as not fixable; rendering checks everything else.

/// One `{{ ... }}` in the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Action {
    /// Byte offset of `{{`.
    pub start: usize,
    /// Byte offset just after `}}`.
    pub end: usize,
    /// The text between the delimiters, without trim markers, trimmed.
    pub body: String,
}

impl Action {
    /// The first word: `if`, `with`, `range`, `end`, `toYaml`, …
    pub fn keyword(&self) -> &str {
        self.body.split_whitespace().next().unwrap_or("")
    }
}

/// Every action of `text`, in order. An unterminated `{{` ends the list.
pub fn actions(text: &str) -> Vec<Action> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(found) = text[i..].find("{{") {
        let start = i + found;
        let mut j = start + 2;
        let mut quote: Option<u8> = None;
        let mut end = None;
        if text[j..].starts_with("/*") || text[j..].starts_with("- /*") {
            end = text[j..].find("*/").and_then(|k| {
                let after = j + k + 2;
                text[after..].find("}}").map(|m| after + m + 2)
            });
        } else {
            while j + 1 < bytes.len() {
                let b = bytes[j];
                match quote {
                    Some(q) if b == b'\\' && q == b'"' => j += 1,
                    Some(q) if b == q => quote = None,
                    Some(_) => {}
                    None if b == b'"' || b == b'`' => quote = Some(b),
                    None if b == b'}' && bytes[j + 1] == b'}' => {
                        end = Some(j + 2);
                        break;
                    }
                    None => {}
                }
                j += 1;
            }
        }
        let Some(end) = end else { break };
        let inner = &text[start + 2..end - 2];
        let inner = inner.strip_prefix('-').unwrap_or(inner);
        let inner = inner.strip_suffix('-').unwrap_or(inner);
        out.push(Action {
            start,
            end,
            body: inner.trim().to_owned(),
        });
        i = end;
    }
    out
}

/// What `.` stands for at a place in the template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dot {
    /// The top-level context (`.Values`, `.Release`, …).
    Top,
    /// A values key (inside `with .Values.x`).
    Values(Vec<String>),
    /// Something else (inside `range`, `define`, a variable).
    Unknown,
}

/// An open control structure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// `if`, `with`, `range`, `define` or `block`.
    pub keyword: String,
    /// The condition or argument, as written.
    pub expr: String,
    /// 0-based line of the opening action.
    pub line: usize,
    /// In an `else` branch.
    pub in_else: bool,
    /// `.` inside the structure.
    pub dot: Dot,
}

/// The values key an operand names from `dot`: `.Values.a.b`,
/// `$.Values.a.b`, `(.Values.a.b)`, `.` or `.a` inside `with .Values.x`.
pub fn values_ref(operand: &str, dot: &Dot) -> Option<Vec<String>> {
    let operand = operand.trim();
    let operand = operand
        .strip_prefix('(')
        .and_then(|o| o.strip_suffix(')'))
        .unwrap_or(operand)
        .trim();
    let keys = |rest: &str| -> Option<Vec<String>> {
        if rest.is_empty() {
            return Some(Vec::new());
        }
        let rest = rest.strip_prefix('.')?;
        let parts: Vec<String> = rest.split('.').map(str::to_owned).collect();
        parts
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
            .then_some(parts)
    };
    if let Some(rest) = operand.strip_prefix("$.Values") {
        return keys(rest);
    }
    match dot {
        Dot::Top => keys(operand.strip_prefix(".Values")?),
        Dot::Values(base) => {
            if operand == "." {
                return Some(base.clone());
            }
            if operand.starts_with(".Values") {
                return None;
            }
            let mut path = base.clone();
            path.extend(keys(operand)?);
            Some(path)
        }
        Dot::Unknown => None,
    }
}

/// The enclosing control structures of every line of `text`, outermost first.
pub fn frames_per_line(text: &str, actions: &[Action]) -> Vec<Vec<Frame>> {
    let line_starts: Vec<usize> = std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    let line_of = |pos: usize| line_starts.partition_point(|&s| s <= pos).saturating_sub(1);
    let mut out = vec![Vec::new(); line_starts.len()];
    let mut stack: Vec<Frame> = Vec::new();
    let mut next = 0;
    for (line, out_line) in out.iter_mut().enumerate() {
        // Actions that start before this line took effect.
        while let Some(action) = actions.get(next) {
            if line_of(action.start) >= line {
                break;
            }
            apply(&mut stack, action, line_of(action.start));
            next += 1;
        }
        out_line.clone_from(&stack);
    }
    out
}

fn apply(stack: &mut Vec<Frame>, action: &Action, line: usize) {
    let keyword = action.keyword();
    let expr = action.body[keyword.len()..].trim().to_owned();
    let dot = stack.last().map_or(Dot::Top, |f| f.dot.clone());
    match keyword {
        "if" | "with" | "range" | "define" | "block" => {
            let inner = match keyword {
                "if" => dot,
                "with" => values_ref(&expr, &dot).map_or(Dot::Unknown, Dot::Values),
                _ => Dot::Unknown,
            };
            stack.push(Frame {
                keyword: keyword.to_owned(),
                expr,
                line,
                in_else: false,
                dot: inner,
            });
        }
        "else" => {
            if let Some(top) = stack.last_mut() {
                top.in_else = true;
                if top.keyword == "with" {
                    top.dot = Dot::Unknown;
                }
            }
        }
        "end" => {
            stack.pop();
        }
        _ => {}
    }
}

/// What a value action writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Emit {
    /// `toYaml` of a values key, with only indentation after it.
    Values(Vec<String>),
    /// Anything else, with the reason in words.
    Other(String),
}

/// Functions that only indent or trim what `toYaml` wrote.
const FORMATTING: &[&str] = &["nindent", "indent", "trim", "trimSuffix", "trimPrefix"];

/// Classifies the body of an action that writes a value: `toYaml .Values.x |
/// nindent 8`, `.Values.x | toYaml | indent 4`, `toYaml . | nindent 8` inside
/// `with`. `None` for control actions and comments.
pub fn classify(body: &str, dot: &Dot) -> Option<Emit> {
    let first = body.split_whitespace().next().unwrap_or("");
    if body.starts_with("/*")
        || matches!(
            first,
            "if" | "else" | "with" | "range" | "end" | "define" | "block"
        )
        || first.starts_with('$') && body.contains(":=")
    {
        return None;
    }
    let commands: Vec<Vec<String>> = split_top(body, '|').iter().map(|c| words(c)).collect();
    let mut source: Option<Vec<String>> = None;
    let mut yaml = false;
    for (index, command) in commands.iter().enumerate() {
        let Some(name) = command.first() else {
            return Some(Emit::Other("an empty pipeline command".to_owned()));
        };
        let name = name.as_str();
        if index == 0 && matches!(name, "include" | "template") {
            let helper = command.get(1).map_or("", String::as_str);
            return Some(Emit::Other(format!("the helper {helper}")));
        }
        match name {
            "toYaml" if command.len() == 2 && index == 0 => {
                source = values_ref(&command[1], dot);
                yaml = true;
                if source.is_none() {
                    return Some(Emit::Other(format!("`toYaml {}`", command[1])));
                }
            }
            "toYaml" if command.len() == 1 && index > 0 => yaml = true,
            _ if FORMATTING.contains(&name) && index > 0 => {}
            _ if index == 0 && command.len() == 1 && name.starts_with(['.', '$', '(']) => {
                source = values_ref(name, dot);
                if source.is_none() {
                    return Some(Emit::Other(format!("`{name}`")));
                }
            }
            _ => return Some(Emit::Other(format!("`{name}`"))),
        }
    }
    match source {
        Some(path) if yaml => Some(Emit::Values(path)),
        _ => Some(Emit::Other(
            "a value that is not `toYaml` of a values key".to_owned(),
        )),
    }
}

/// Splits at `sep` outside quotes and parentheses.
fn split_top(text: &str, sep: char) -> Vec<String> {
    let mut parts = Vec::new();
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    let mut current = String::new();
    let mut escaped = false;
    for c in text.chars() {
        match quote {
            Some(q) => {
                if escaped {
                    escaped = false;
                } else if c == '\\' && q == '"' {
                    escaped = true;
                } else if c == q {
                    quote = None;
                }
            }
            None => match c {
                '"' | '`' => quote = Some(c),
                '(' => depth += 1,
                ')' => depth = depth.saturating_sub(1),
                _ if c == sep && depth == 0 => {
                    parts.push(std::mem::take(&mut current));
                    continue;
                }
                _ => {}
            },
        }
        current.push(c);
    }
    parts.push(current);
    parts
}

/// Words of one command (a parenthesised group or a string is one word).
fn words(command: &str) -> Vec<String> {
    split_top(command.trim(), ' ')
        .into_iter()
        .map(|w| w.trim().to_owned())
        .filter(|w| !w.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn path(p: &[&str]) -> Vec<String> {
        p.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn actions_are_found_with_trim_markers_and_strings() {
        let text = "a: {{- toYaml .Values.x | nindent 8 }}\nb: {{ \"}}\" }}{{/* c }} */}}\n";
        let found = actions(text);
        assert_eq!(found.len(), 3);
        assert_eq!(found[0].body, "toYaml .Values.x | nindent 8");
        assert_eq!(
            &text[found[0].start..found[0].end],
            "{{- toYaml .Values.x | nindent 8 }}"
        );
        assert_eq!(found[1].body, "\"}}\"");
        assert!(found[2].body.starts_with("/*"));
    }

    #[test]
    fn values_references() {
        assert_eq!(
            values_ref(".Values.a.b", &Dot::Top),
            Some(path(&["a", "b"]))
        );
        assert_eq!(values_ref("$.Values.a", &Dot::Unknown), Some(path(&["a"])));
        assert_eq!(values_ref("(.Values.a)", &Dot::Top), Some(path(&["a"])));
        let inside = Dot::Values(path(&["c"]));
        assert_eq!(values_ref(".", &inside), Some(path(&["c"])));
        assert_eq!(values_ref(".d", &inside), Some(path(&["c", "d"])));
        assert_eq!(values_ref(".", &Dot::Unknown), None);
        assert_eq!(values_ref(".Release.Name", &Dot::Top), None);
        assert_eq!(values_ref(".Values.a-b", &Dot::Top), None);
    }

    #[test]
    fn value_actions_are_classified() {
        let x = Emit::Values(path(&["x"]));
        assert_eq!(
            classify("toYaml .Values.x | nindent 8", &Dot::Top),
            Some(x.clone())
        );
        assert_eq!(
            classify(".Values.x | toYaml | indent 4", &Dot::Top),
            Some(x.clone())
        );
        assert_eq!(
            classify("toYaml . | nindent 8", &Dot::Values(path(&["x"]))),
            Some(x)
        );
        assert!(matches!(
            classify("omit .Values.x \"enabled\" | toYaml | nindent 8", &Dot::Top),
            Some(Emit::Other(r)) if r.contains("omit")
        ));
        assert!(matches!(
            classify("include \"common.sc\" . | nindent 8", &Dot::Top),
            Some(Emit::Other(r)) if r.contains("common.sc")
        ));
        assert!(matches!(
            classify(".Values.x", &Dot::Top),
            Some(Emit::Other(_))
        ));
        assert_eq!(classify("with .Values.x", &Dot::Top), None);
        assert_eq!(classify("end", &Dot::Top), None);
    }

    #[test]
    fn frames_follow_the_control_structures() {
        let text = "a:\n{{- with .Values.x }}\n  b: {{ toYaml . }}\n{{- else }}\n  c: 1\n{{- end }}\nd: 2\n";
        let frames = frames_per_line(text, &actions(text));
        assert!(frames[0].is_empty());
        assert_eq!(frames[2].len(), 1);
        assert_eq!(frames[2][0].dot, Dot::Values(path(&["x"])));
        assert_eq!(frames[2][0].line, 1);
        assert!(frames[4][0].in_else);
        assert!(frames[6].is_empty());
    }
}
