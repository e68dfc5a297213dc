//! A streaming first pass over parser events, without building a tree: the
//! scalar values of a few top-level keys of each document (a caller names
//! them, e.g. `apiVersion` and `kind`) and whether the text looks like a Go
//! template. The pass costs about the bare parse, so a caller can decide
//! from it whether a text is worth building the spanned tree for.

use saphyr_parser::{Event, Parser, ScalarStyle};

use crate::tree::SyntaxError;

/// The head of one document: the requested top-level keys' scalar values.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DocHead {
    /// One entry per key asked for, in the same order: its value if the
    /// document has that top-level key with a scalar value.
    pub values: Vec<Option<String>>,
}

impl DocHead {
    /// The value of the `index`-th key asked for.
    pub fn get(&self, index: usize) -> Option<&str> {
        self.values.get(index).and_then(Option::as_deref)
    }
}

/// What the first pass learnt about a text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scan {
    /// One head per document.
    pub docs: Vec<DocHead>,
    /// A plain scalar starting with `{{`, or a collection used as a mapping
    /// key (`{{ x }}` read as nested flow mappings).
    pub templated: bool,
}

#[derive(Clone, Copy)]
enum Frame {
    Mapping { expect_key: bool },
    Sequence,
}

/// Scans `text` (BOM already stripped) for the top-level `keys`.
pub fn scan(text: &str, keys: &[&str]) -> Result<Scan, SyntaxError> {
    crate::printable::check_printable(text)?;
    let check_templates = text.contains("{{");
    let mut out = Scan::default();
    let mut stack: Vec<Frame> = Vec::new();
    // Which requested key's value comes next.
    let mut pending: Option<usize> = None;
    let mut parser = Parser::new_from_str(text);
    while let Some(event) = parser.next_event() {
        let (event, _) = event.map_err(SyntaxError::from)?;
        // Where this node sits: as a key of a mapping, and at which depth.
        let is_key = matches!(stack.last(), Some(Frame::Mapping { expect_key: true }));
        let depth = stack.len();
        let mut node_done = false;
        match event {
            Event::DocumentStart(_) => out.docs.push(DocHead {
                values: vec![None; keys.len()],
            }),
            Event::Scalar(value, style, _, _) => {
                if check_templates && style == ScalarStyle::Plain && value.starts_with("{{") {
                    out.templated = true;
                }
                if depth == 1 {
                    if is_key {
                        pending = keys.iter().position(|k| *k == value.as_ref());
                    } else if let Some(head) = out.docs.last_mut() {
                        if let Some(slot) = pending.and_then(|i| head.values.get_mut(i)) {
                            *slot = Some(value.into_owned());
                        }
                        pending = None;
                    }
                }
                node_done = true;
            }
            Event::Alias(_) => node_done = true,
            Event::MappingStart(..) | Event::SequenceStart(..) => {
                if is_key {
                    out.templated = true;
                }
                if depth == 1 && !is_key {
                    pending = None;
                }
                stack.push(if matches!(event, Event::MappingStart(..)) {
                    Frame::Mapping { expect_key: true }
                } else {
                    Frame::Sequence
                });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                stack.pop();
                node_done = true;
            }
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd | Event::Nothing => {}
        }
        if node_done {
            if let Some(Frame::Mapping { expect_key }) = stack.last_mut() {
                *expect_key = !*expect_key;
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    const KEYS: [&str; 2] = ["apiVersion", "kind"];

    #[test]
    fn heads_of_every_document() {
        let text = "apiVersion: v1\nkind: Pod\nspec:\n  kind: nested\n---\nkind: Service\nmetadata: {kind: x}\n---\nvalues: 1\n";
        let s = scan(text, &KEYS).unwrap();
        assert_eq!(s.docs.len(), 3);
        assert_eq!(s.docs[0].get(1), Some("Pod"));
        assert_eq!(s.docs[0].get(0), Some("v1"));
        assert_eq!(s.docs[1].get(1), Some("Service"));
        assert_eq!(s.docs[1].get(0), None);
        assert_eq!(s.docs[2].get(1), None);
        assert!(!s.templated);
    }

    #[test]
    fn keys_with_collection_values_do_not_confuse_the_pairing() {
        let s = scan("metadata:\n  name: a\nspec: [1, 2]\nkind: Pod\n", &KEYS).unwrap();
        assert_eq!(s.docs[0].get(1), Some("Pod"));
    }

    #[test]
    fn templates_are_recognised() {
        assert!(
            scan("name: {{ .Release.Name }}\n", &KEYS)
                .unwrap()
                .templated
        );
        assert!(scan("image: {{x}}\n", &KEYS).unwrap().templated);
        assert!(
            !scan("description: 'a {{ $labels.pod }}'\nx: a-{{y}}\n", &KEYS)
                .unwrap()
                .templated
        );
    }

    #[test]
    fn syntax_errors_are_located() {
        let err = scan("a: 1\nb: [\n", &KEYS).unwrap_err();
        assert!(err.line >= 2);
    }
}
