//! From a rendered object back to its source: which template lines or which
//! values key a JSON pointer of the rendering comes from, and so where each
//! operation of the core's patch has to be made.
//!
//! The walk follows the pointer through the literal YAML lines of the
//! template (`spec:` → `template:` → `spec:` …), checking each step against
//! the rendered object. A step written as `toYaml` of a values key hands the
//! rest of the pointer to `values.yaml`. Anything else (a helper, `omit`,
//! `merge`, a branch that is off) stops the walk with the reason.

use std::ops::Range;

use json_patch::PatchOperation;
use serde_json::Value;

use super::gotmpl::{classify, values_ref, Dot, Emit, Frame};
use super::skeleton::{Line, LineKind, Skeleton, ValuePart};

/// An entry written in the template: a key line (or a sequence item's dash
/// line) and the lines of its value below it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// 0-based line of the key; `None` for the document root.
    pub line: Option<usize>,
    /// Column of the key (for an item, of the key on its dash line).
    pub col: usize,
    /// Lines of the value below the key line.
    pub block: Range<usize>,
    /// A sequence item: its dash line holds the mapping's first key.
    pub item: bool,
}

/// Where a walk along a pointer ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Walk {
    /// Every token is written literally; the last one's entry.
    Found(Entry),
    /// `tokens[depth]` is written literally but was not rendered.
    Inactive {
        /// The entry that did not render.
        entry: Entry,
        /// Its token index.
        depth: usize,
    },
    /// `tokens[depth]` is not in its parent's lines.
    Missing {
        /// The parent entry.
        parent: Entry,
        /// Index of the missing token.
        depth: usize,
    },
    /// `tokens[depth..]` lie inside values key `path`.
    Values {
        /// The values key.
        path: Vec<String>,
        /// Tokens consumed by the template.
        depth: usize,
        /// 0-based line of the action.
        line: usize,
        /// The entry disappears when the key is empty (`with`/`if` on it).
        guarded: bool,
    },
    /// Cannot be traced.
    Opaque {
        /// 0-based line.
        line: usize,
        /// Why, in words.
        reason: String,
    },
}

/// How an entry's value is written.
#[derive(Debug, Clone, PartialEq, Eq)]
enum EntryValue {
    /// `toYaml` of a values key.
    Values {
        path: Vec<String>,
        line: usize,
        guarded: bool,
    },
    /// An action that is not `toYaml` of a values key.
    Other { line: usize, reason: String },
    /// Literal lines (maybe with actions in them).
    Structure,
}

/// A template document and its rendering, to walk pointers in.
pub struct Tracer<'a> {
    /// The template's skeleton.
    pub skeleton: &'a Skeleton,
    /// The line range of the document in the template.
    pub segment: Range<usize>,
}

impl Tracer<'_> {
    fn lines(&self) -> &[Line] {
        &self.skeleton.lines
    }

    fn root(&self) -> Entry {
        let col = self.lines()[self.segment.clone()]
            .iter()
            .filter_map(Line::key_col)
            .min()
            .unwrap_or(0);
        Entry {
            line: None,
            col,
            block: self.segment.clone(),
            item: false,
        }
    }

    /// Walks `tokens` through the template, checking each step in `rendered`.
    pub fn walk(&self, tokens: &[String], rendered: &Value) -> Walk {
        let mut parent = self.root();
        let mut node = rendered;
        for (depth, token) in tokens.iter().enumerate() {
            let at = parent.line.unwrap_or(self.segment.start);
            let opaque = |reason: String| Walk::Opaque { line: at, reason };
            let (entry, next) = match node {
                Value::Array(items) => {
                    let Ok(index) = token.parse::<usize>() else {
                        return opaque(format!("`{token}` is not an index"));
                    };
                    let dashes = self.items(&parent);
                    if dashes.len() != items.len() {
                        return opaque(
                            "the items of this sequence are not all written out".to_owned(),
                        );
                    }
                    let (Some(&line), Some(next)) = (dashes.get(index), items.get(index)) else {
                        return opaque("item not found".to_owned());
                    };
                    (self.item_entry(&parent, &dashes, index, line), Some(next))
                }
                Value::Object(map) => {
                    let found = self.children(&parent, token);
                    match found.as_slice() {
                        [] => return self.missing(parent, depth, token),
                        [line] => (self.key_entry(&parent, *line), map.get(token)),
                        [first, ..] => {
                            return Walk::Opaque {
                                line: *first,
                                reason: format!("`{token}` is written more than once"),
                            }
                        }
                    }
                }
                _ => return opaque("not a mapping or sequence in the rendering".to_owned()),
            };
            let Some(next) = next else {
                return Walk::Inactive { entry, depth };
            };
            match self.entry_value(&entry) {
                EntryValue::Values {
                    path,
                    line,
                    guarded,
                } => {
                    return Walk::Values {
                        path,
                        depth: depth + 1,
                        line,
                        guarded,
                    }
                }
                EntryValue::Other { line, reason } => {
                    return Walk::Opaque {
                        line,
                        reason: format!("`{token}` is {reason}"),
                    }
                }
                EntryValue::Structure => {}
            }
            parent = entry;
            node = next;
        }
        Walk::Found(parent)
    }

    /// The walk found no line for `tokens[depth]`: maybe an action of the
    /// parent's block writes it.
    fn missing(&self, parent: Entry, depth: usize, token: &str) -> Walk {
        let mut emitting = self.direct_actions(&parent);
        match emitting.len() {
            0 => Walk::Missing { parent, depth },
            1 => match emitting.remove(0) {
                (line, Emit::Values(path)) => Walk::Values {
                    path,
                    depth,
                    line,
                    guarded: false,
                },
                (line, Emit::Other(what)) => Walk::Opaque {
                    line,
                    reason: format!("`{token}` may be written by {what}"),
                },
            },
            _ => Walk::Opaque {
                line: emitting[0].0,
                reason: format!("`{token}` may be written by one of several template actions"),
            },
        }
    }

    /// Actions directly in `entry`'s block (not in a child's) that write
    /// something, with their line.
    pub fn direct_actions(&self, entry: &Entry) -> Vec<(usize, Emit)> {
        let child_col = self.child_col(entry);
        let mut out = Vec::new();
        for i in entry.block.clone() {
            let line = &self.lines()[i];
            if line.kind != LineKind::Actions || child_col.is_some_and(|c| line.indent > c) {
                continue;
            }
            let dot = self.dot_at(i);
            for action in self.skeleton.line_actions(i) {
                if let Some(emit) = classify(&action.body, &dot) {
                    out.push((i, emit));
                }
            }
        }
        out
    }

    /// `.` at line `index`.
    fn dot_at(&self, index: usize) -> Dot {
        self.skeleton.frames[index]
            .last()
            .map_or(Dot::Top, |f| f.dot.clone())
    }

    /// The column of `entry`'s child keys, if it has any written.
    pub fn child_col(&self, entry: &Entry) -> Option<usize> {
        if entry.item {
            return Some(entry.col);
        }
        self.lines()[entry.block.clone()]
            .iter()
            .filter(|l| matches!(l.kind, LineKind::Key { dash: false, .. }))
            .filter_map(Line::key_col)
            .min()
    }

    /// Lines of the child keys of `entry` named `key`.
    fn children(&self, entry: &Entry, key: &str) -> Vec<usize> {
        let mut out = Vec::new();
        if entry.item {
            if let Some(line) = entry.line {
                if matches!(&self.lines()[line].kind, LineKind::Key { key: k, .. } if k == key) {
                    out.push(line);
                }
            }
        }
        let Some(col) = self.child_col(entry) else {
            return out;
        };
        for i in entry.block.clone() {
            if let LineKind::Key {
                key: k,
                dash: false,
                col: c,
                ..
            } = &self.lines()[i].kind
            {
                if *c == col && k == key {
                    out.push(i);
                }
            }
        }
        out
    }

    /// Dash lines of the sequence that is `entry`'s value.
    fn items(&self, entry: &Entry) -> Vec<usize> {
        let lines = self.lines();
        let first = entry.block.clone().find(|&i| lines[i].is_content());
        let Some(col) = first.map(|i| lines[i].indent) else {
            return Vec::new();
        };
        entry
            .block
            .clone()
            .filter(|&i| {
                lines[i].indent == col
                    && matches!(
                        lines[i].kind,
                        LineKind::Item | LineKind::Key { dash: true, .. }
                    )
            })
            .collect()
    }

    fn item_entry(&self, parent: &Entry, dashes: &[usize], index: usize, line: usize) -> Entry {
        let end = dashes.get(index + 1).copied().unwrap_or(parent.block.end);
        let col = self.lines()[line]
            .key_col()
            .unwrap_or(self.lines()[line].indent + 2);
        Entry {
            line: Some(line),
            col,
            block: self.trim(line + 1..end, col),
            item: true,
        }
    }

    fn key_entry(&self, parent: &Entry, line: usize) -> Entry {
        let lines = self.lines();
        let col = lines[line].key_col().unwrap_or(lines[line].indent);
        let mut end = parent.block.end;
        for (i, l) in lines
            .iter()
            .enumerate()
            .take(parent.block.end)
            .skip(line + 1)
        {
            let dash = matches!(l.kind, LineKind::Item | LineKind::Key { dash: true, .. });
            if l.is_content() && (l.indent < col || (l.indent == col && !dash)) {
                end = i;
                break;
            }
        }
        Entry {
            line: Some(line),
            col,
            block: self.trim(line + 1..end, col),
            item: false,
        }
    }

    /// Drops trailing blank, comment and control lines at or left of `col`.
    fn trim(&self, mut block: Range<usize>, col: usize) -> Range<usize> {
        while block.end > block.start {
            let line = &self.lines()[block.end - 1];
            let control = line.kind == LineKind::Actions
                && line.indent <= col
                && self
                    .skeleton
                    .line_actions(block.end - 1)
                    .iter()
                    .all(|a| classify(&a.body, &Dot::Top).is_none());
            if matches!(line.kind, LineKind::Blank | LineKind::Comment) || control {
                block.end -= 1;
            } else {
                break;
            }
        }
        block
    }

    fn entry_value(&self, entry: &Entry) -> EntryValue {
        let Some(line) = entry.line else {
            return EntryValue::Structure;
        };
        let lines = self.lines();
        let on_line = match &lines[line].kind {
            LineKind::Key {
                value: ValuePart::Action,
                ..
            } if !entry.item => Some(line),
            LineKind::Key {
                value: ValuePart::None,
                ..
            } if !entry.item => {
                let content: Vec<usize> = entry
                    .block
                    .clone()
                    .filter(|&i| !matches!(lines[i].kind, LineKind::Blank | LineKind::Comment))
                    .collect();
                if content.is_empty() || content.iter().any(|&i| lines[i].kind != LineKind::Actions)
                {
                    return EntryValue::Structure;
                }
                let emitting: Vec<usize> = content
                    .iter()
                    .copied()
                    .filter(|&i| {
                        let dot = self.dot_at(i);
                        self.skeleton
                            .line_actions(i)
                            .iter()
                            .any(|a| classify(&a.body, &dot).is_some())
                    })
                    .collect();
                match emitting.as_slice() {
                    [] => return EntryValue::Structure,
                    [one] => Some(*one),
                    [first, ..] => {
                        return EntryValue::Other {
                            line: *first,
                            reason: "written by several template actions".to_owned(),
                        }
                    }
                }
            }
            _ => None,
        };
        let Some(at) = on_line else {
            return EntryValue::Structure;
        };
        let dot = self.dot_at(at);
        let key_end = if at == line {
            // Only the actions after the key's colon.
            let start = lines[line].start;
            Some(start)
        } else {
            None
        };
        let _ = key_end;
        for action in self.skeleton.line_actions(at) {
            match classify(&action.body, &dot) {
                Some(Emit::Values(path)) => {
                    let guarded = self.guarded(line, &path);
                    return EntryValue::Values {
                        path,
                        line: at,
                        guarded,
                    };
                }
                Some(Emit::Other(what)) => {
                    return EntryValue::Other {
                        line: at,
                        reason: format!("written by {what}"),
                    }
                }
                None => {}
            }
        }
        EntryValue::Structure
    }

    /// Whether a `with`/`if` around line `line` tests the values key `path`.
    fn guarded(&self, line: usize, path: &[String]) -> bool {
        let frames = &self.skeleton.frames[line];
        frames.iter().enumerate().any(|(i, frame)| {
            let outer = if i == 0 {
                Dot::Top
            } else {
                frames[i - 1].dot.clone()
            };
            !frame.in_else
                && match frame.keyword.as_str() {
                    "with" => frame.dot == Dot::Values(path.to_vec()),
                    "if" => values_ref(&frame.expr, &outer).as_deref() == Some(path),
                    _ => false,
                }
        })
    }

    /// The innermost `if`/`with`/`range` around line `line`, if any.
    pub fn innermost_condition(&self, line: usize) -> Option<&Frame> {
        self.skeleton.frames[line]
            .iter()
            .rev()
            .find(|f| matches!(f.keyword.as_str(), "if" | "with" | "range"))
    }

    /// Where the value of a walked entry is written as `toYaml` of a values
    /// key guarded by `with`/`if` on it (the pattern of `helm create`).
    pub fn guarded_values(&self, entry: &Entry) -> Option<Vec<String>> {
        match self.entry_value(entry) {
            EntryValue::Values {
                path,
                guarded: true,
                ..
            } => Some(path),
            _ => None,
        }
    }
}

/// Decoded tokens of an operation's pointer.
pub fn op_tokens(op: &PatchOperation) -> Vec<String> {
    op.path()
        .tokens()
        .map(|t| t.decoded().into_owned())
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use serde_json::json;

    fn toks(p: &[&str]) -> Vec<String> {
        p.iter().map(|s| (*s).to_owned()).collect()
    }

    fn walk(text: &str, tokens: &[&str], rendered: Value) -> Walk {
        let skeleton = Skeleton::new(text);
        let segment = skeleton.segments(text)[0].clone();
        Tracer {
            skeleton: &skeleton,
            segment,
        }
        .walk(&toks(tokens), &rendered)
    }

    const DEPLOY: &str = r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}
spec:
  template:
    metadata:
      {{- with .Values.podAnnotations }}
      annotations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      labels:
        app: x
    spec:
      {{- with .Values.podSecurityContext }}
      securityContext:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      containers:
        - name: app
          securityContext:
            {{- toYaml .Values.securityContext | nindent 12 }}
          image: x
        - name: side
          image: y
"#;

    fn rendered(pod_sc: Option<Value>) -> Value {
        let mut spec = json!({"containers": [{"name": "app", "securityContext": {}, "image": "x"}, {"name": "side", "image": "y"}]});
        if let Some(sc) = pod_sc {
            spec["securityContext"] = sc;
        }
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "r"},
               "spec": {"template": {"metadata": {"labels": {"app": "x"}}, "spec": spec}}})
    }

    #[test]
    fn a_guarded_values_key_that_did_not_render_is_inactive() {
        let got = walk(
            DEPLOY,
            &["spec", "template", "spec", "securityContext"],
            rendered(None),
        );
        let Walk::Inactive { entry, depth: 3 } = got else {
            panic!("{got:?}")
        };
        assert_eq!(entry.line, Some(15));
        let skeleton = Skeleton::new(DEPLOY);
        let tracer = Tracer {
            skeleton: &skeleton,
            segment: 0..skeleton.lines.len(),
        };
        assert_eq!(
            tracer.guarded_values(&entry),
            Some(toks(&["podSecurityContext"]))
        );
    }

    #[test]
    fn a_rendered_values_key_hands_over_the_rest_of_the_pointer() {
        let got = walk(
            DEPLOY,
            &[
                "spec",
                "template",
                "spec",
                "securityContext",
                "seccompProfile",
            ],
            rendered(Some(json!({"fsGroup": 1}))),
        );
        assert_eq!(
            got,
            Walk::Values {
                path: toks(&["podSecurityContext"]),
                depth: 4,
                line: 16,
                guarded: true
            }
        );
        let got = walk(
            DEPLOY,
            &[
                "spec",
                "template",
                "spec",
                "containers",
                "0",
                "securityContext",
                "seccompProfile",
            ],
            rendered(None),
        );
        assert!(
            matches!(&got, Walk::Values { path, depth: 6, guarded: false, .. } if path == &toks(&["securityContext"])),
            "{got:?}"
        );
    }

    #[test]
    fn a_key_that_is_not_written_is_missing_from_its_parent() {
        let got = walk(
            DEPLOY,
            &[
                "spec",
                "template",
                "spec",
                "containers",
                "1",
                "securityContext",
            ],
            rendered(None),
        );
        let Walk::Missing { parent, depth: 5 } = got else {
            panic!("{got:?}")
        };
        assert_eq!(parent.line, Some(23));
        assert!(parent.item);
        assert_eq!(parent.col, 10);
    }

    #[test]
    fn helpers_and_omit_are_opaque() {
        let text = "kind: Pod\nspec:\n  securityContext: {{- omit .Values.sc \"enabled\" | toYaml | nindent 4 }}\n  containers: []\n";
        let got = walk(
            text,
            &["spec", "securityContext", "seccompProfile"],
            json!({"kind": "Pod", "spec": {"securityContext": {}, "containers": []}}),
        );
        assert!(
            matches!(&got, Walk::Opaque { line: 2, reason } if reason.contains("omit")),
            "{got:?}"
        );
        let text = "kind: Pod\nspec:\n  {{- include \"lib.podSpec\" . | nindent 2 }}\n";
        let got = walk(
            text,
            &["spec", "securityContext"],
            json!({"kind": "Pod", "spec": {"containers": []}}),
        );
        assert!(
            matches!(&got, Walk::Opaque { line: 2, reason } if reason.contains("lib.podSpec")),
            "{got:?}"
        );
    }
}
