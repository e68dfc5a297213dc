//! A streaming first pass over parser events, without building a tree: the
//! top-level `apiVersion` and `kind` of each document and whether the text
//! looks like a Go template. Most bytes in real repositories are CRDs,
//! dashboards and ConfigMaps that need nothing; this pass costs about the
//! bare parse and lets the fixer build the spanned tree only for files that
//! hold a pod-bearing object.

use saphyr_parser::{Event, Parser, ScalarStyle};

use super::tree::SyntaxError;

/// The head of one document.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DocHead {
    /// Top-level `apiVersion`, if a scalar.
    pub api_version: Option<String>,
    /// Top-level `kind`, if a scalar.
    pub kind: Option<String>,
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

/// Which top-level key's value comes next.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Pending {
    None,
    ApiVersion,
    Kind,
}

/// Scans `text` (BOM already stripped).
pub fn scan(text: &str) -> Result<Scan, SyntaxError> {
    super::printable::check_printable(text)?;
    let check_templates = text.contains("{{");
    let mut out = Scan::default();
    let mut stack: Vec<Frame> = Vec::new();
    let mut pending = Pending::None;
    let mut parser = Parser::new_from_str(text);
    while let Some(event) = parser.next_event() {
        let (event, _) = event.map_err(SyntaxError::from)?;
        // Where this node sits: as a key of a mapping, and at which depth.
        let is_key = matches!(stack.last(), Some(Frame::Mapping { expect_key: true }));
        let depth = stack.len();
        let mut node_done = false;
        match event {
            Event::DocumentStart(_) => out.docs.push(DocHead::default()),
            Event::Scalar(value, style, _, _) => {
                if check_templates && style == ScalarStyle::Plain && value.starts_with("{{") {
                    out.templated = true;
                }
                if depth == 1 {
                    if is_key {
                        pending = match value.as_ref() {
                            "apiVersion" => Pending::ApiVersion,
                            "kind" => Pending::Kind,
                            _ => Pending::None,
                        };
                    } else if let Some(head) = out.docs.last_mut() {
                        match pending {
                            Pending::ApiVersion => head.api_version = Some(value.into_owned()),
                            Pending::Kind => head.kind = Some(value.into_owned()),
                            Pending::None => {}
                        }
                        pending = Pending::None;
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
                    pending = Pending::None;
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

    #[test]
    fn heads_of_every_document() {
        let text = "apiVersion: v1\nkind: Pod\nspec:\n  kind: nested\n---\nkind: Service\nmetadata: {kind: x}\n---\nvalues: 1\n";
        let s = scan(text).unwrap();
        assert_eq!(s.docs.len(), 3);
        assert_eq!(s.docs[0].kind.as_deref(), Some("Pod"));
        assert_eq!(s.docs[0].api_version.as_deref(), Some("v1"));
        assert_eq!(s.docs[1].kind.as_deref(), Some("Service"));
        assert_eq!(s.docs[1].api_version, None);
        assert_eq!(s.docs[2].kind, None);
        assert!(!s.templated);
    }

    #[test]
    fn keys_with_collection_values_do_not_confuse_the_pairing() {
        let s = scan("metadata:\n  name: a\nspec: [1, 2]\nkind: Pod\n").unwrap();
        assert_eq!(s.docs[0].kind.as_deref(), Some("Pod"));
    }

    #[test]
    fn templates_are_recognised() {
        assert!(scan("name: {{ .Release.Name }}\n").unwrap().templated);
        assert!(scan("image: {{x}}\n").unwrap().templated);
        assert!(
            !scan("description: 'a {{ $labels.pod }}'\nx: a-{{y}}\n")
                .unwrap()
                .templated
        );
    }

    #[test]
    fn syntax_errors_are_located() {
        let err = scan("a: 1\nb: [\n").unwrap_err();
        assert!(err.line >= 2);
    }
}
