//! A spanned YAML tree built from `saphyr-parser` events.
//!
//! Every node knows the byte range of its text in the source, so the editor
//! can splice the original text instead of re-serialising it. Comments and
//! blank lines are not in the tree: they live in the text between spans and
//! are kept because the editor never touches text outside its splices.

use saphyr_parser::{Event, Marker, Parser, ScalarStyle, Span};

use crate::block_scalar::{blank_block_scalar, block_scalar_end, find_header, BlockHeader};
use crate::limits::{LimitError, Limits};
use crate::offsets::CharToByte;

/// How a scalar was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// Plain (unquoted).
    Plain,
    /// `'single quoted'`.
    Single,
    /// `"double quoted"`.
    Double,
    /// `|` block.
    Literal,
    /// `>` block.
    Folded,
}

/// What a node holds.
#[derive(Debug, Clone)]
pub enum Kind {
    /// A scalar with its (unescaped) text.
    Scalar {
        /// The scalar's value as written, after unescaping.
        value: String,
        /// Quoting style.
        style: Style,
    },
    /// A mapping; `flow` for `{...}`.
    Mapping {
        /// Key/value pairs in source order.
        entries: Vec<(Node, Node)>,
        /// Written `{ ... }`.
        flow: bool,
    },
    /// A sequence; `flow` for `[...]`.
    Sequence {
        /// Items in source order.
        items: Vec<Node>,
        /// Written `[ ... ]`.
        flow: bool,
    },
    /// `*alias`, referring to the anchor id.
    Alias(usize),
}

/// One node with its position.
#[derive(Debug, Clone)]
pub struct Node {
    /// Byte offset where the node's text starts: the first key of a block
    /// mapping, the first item (after its `- `) of a block sequence, `{`/`[`
    /// of a flow collection, the quote of a quoted scalar.
    pub start: usize,
    /// Byte offset just after the node's content (trailing blank lines of
    /// block scalars and the comments after a block collection excluded).
    pub end: usize,
    /// 1-based line of `start`.
    pub line: usize,
    /// 0-based column of `start`, in characters.
    pub col: usize,
    /// Anchor id (`&name`), 0 when none.
    pub anchor: usize,
    /// Core-schema tag suffix (`str`, `int`, ...), if the node had one.
    pub core_tag: Option<String>,
    /// A block scalar's header (`|+`, `>-`), found when the tree is built;
    /// `None` for every other node.
    pub block_header: Option<BlockHeader>,
    /// Contents.
    pub kind: Kind,
}

impl Node {
    /// The scalar text, if this is a scalar.
    pub fn scalar(&self) -> Option<&str> {
        match &self.kind {
            Kind::Scalar { value, .. } => Some(value),
            _ => None,
        }
    }

    /// Entries of a mapping.
    pub fn entries(&self) -> Option<&[(Node, Node)]> {
        match &self.kind {
            Kind::Mapping { entries, .. } => Some(entries),
            _ => None,
        }
    }

    /// The value of `key` in a mapping (the last one if duplicated).
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entries()?
            .iter()
            .rev()
            .find(|(k, _)| k.scalar() == Some(key))
            .map(|(_, v)| v)
    }

    /// True for an empty plain scalar (`key:` with nothing after it).
    pub fn is_empty_scalar(&self) -> bool {
        matches!(&self.kind, Kind::Scalar { value, style: Style::Plain } if value.is_empty())
            && self.start == self.end
    }

    /// True for a `{...}` or `[...]` collection.
    pub fn is_flow(&self) -> bool {
        matches!(
            self.kind,
            Kind::Mapping { flow: true, .. } | Kind::Sequence { flow: true, .. }
        )
    }
}

/// One YAML document of a stream.
#[derive(Debug, Clone)]
pub struct Document {
    /// The root node.
    pub root: Node,
}

/// A syntax error with its 1-based line and column.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{line}:{col}: {message}")]
pub struct SyntaxError {
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub col: usize,
    /// What is wrong.
    pub message: String,
}

impl SyntaxError {
    /// A limit crossed at a 1-based line and 0-based column.
    pub fn limit(line: usize, col0: usize, err: LimitError) -> Self {
        SyntaxError {
            line,
            col: col0 + 1,
            message: err.to_string(),
        }
    }
}

impl From<saphyr_parser::ScanError> for SyntaxError {
    fn from(err: saphyr_parser::ScanError) -> Self {
        let mark = err.marker();
        SyntaxError {
            line: mark.line(),
            col: mark.col() + 1,
            message: err.info().to_owned(),
        }
    }
}

enum Frame {
    Mapping {
        head: Node,
        entries: Vec<(Node, Node)>,
        key: Option<Node>,
    },
    Sequence {
        head: Node,
        items: Vec<Node>,
    },
}

struct Builder<'t> {
    text: &'t str,
    map: CharToByte,
    stack: Vec<Frame>,
    docs: Vec<Document>,
    max_depth: usize,
}

/// Parses a YAML stream (no BOM: strip it first) into spanned documents,
/// under the default [`Limits`].
pub fn parse(text: &str) -> Result<Vec<Document>, SyntaxError> {
    parse_with(text, &Limits::default())
}

/// Parses a YAML stream into spanned documents; collections nested deeper
/// than `limits.max_depth` are an error at the collection that crosses it,
/// found before anything deeper is built.
pub fn parse_with(text: &str, limits: &Limits) -> Result<Vec<Document>, SyntaxError> {
    crate::printable::check_printable(text)?;
    let mut builder = Builder {
        text,
        map: CharToByte::new(text),
        stack: Vec::new(),
        docs: Vec::new(),
        max_depth: limits.max_depth,
    };
    let mut parser = Parser::new_from_str(text);
    while let Some(event) = parser.next_event() {
        match event {
            Ok((event, span)) => builder.event(event, span)?,
            Err(err) => return Err(SyntaxError::from(err)),
        }
    }
    Ok(builder.docs)
}

/// Byte offset just after the closing quote of a quoted scalar starting at
/// or after `start` (after any anchor or tag); `None` for other styles.
fn quoted_end(text: &str, start: usize, style: Style) -> Option<usize> {
    let quote = match style {
        Style::Double => b'"',
        Style::Single => b'\'',
        _ => return None,
    };
    let bytes = text.as_bytes();
    let open = start + text.get(start..)?.bytes().position(|b| b == quote)?;
    let mut i = open + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if quote == b'"' => i += 2,
            b if b == quote => {
                if quote == b'\'' && bytes.get(i + 1) == Some(&b'\'') {
                    i += 2;
                } else {
                    return Some(i + 1);
                }
            }
            _ => i += 1,
        }
    }
    None
}

/// Just after the `?` that starts an explicit key between `from` and `to`,
/// when nothing but blanks and comments stands before it.
fn after_explicit_key_indicator(text: &str, from: usize, to: usize) -> Option<usize> {
    let between = text.get(from..to)?;
    let mut chars = between.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            ' ' | '\t' | '\r' | '\n' => {}
            '#' => while chars.next_if(|&(_, c)| c != '\n').is_some() {},
            '?' if chars.peek().is_none_or(|&(_, c)| c.is_whitespace()) => {
                return Some(from + i + 1);
            }
            _ => return None,
        }
    }
    None
}

/// Moves the empty `node` back to `at`, before its parser position, over
/// nothing but blanks and comments. Its line and column are counted back from
/// the parser's over that gap (and, when the gap has a line break, over
/// `at`'s line up to it, the last thing on that line): linear in the text
/// over all nodes, where counting from the start of the text for each would
/// be quadratic.
fn place_before(text: &str, node: &mut Node, at: usize) {
    let gap = &text[at..node.start];
    let breaks = gap.matches('\n').count();
    if breaks == 0 {
        node.col = node.col.saturating_sub(gap.chars().count());
    } else {
        let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
        node.line = node.line.saturating_sub(breaks);
        node.col = text[line_start..at].chars().count();
    }
    node.start = at;
    node.end = at;
}

const POSITIONS_OFF: &str =
    "the YAML parser's positions do not match the text here (non-ASCII characters in a directive?): not read";

fn core_tag(tag: Option<&saphyr_parser::Tag>) -> Option<String> {
    tag.filter(|t| t.is_yaml_core_schema())
        .map(|t| t.suffix.clone())
}

impl Builder<'_> {
    /// Refuses a scalar whose position does not hold its text: saphyr-parser
    /// counts some characters as bytes (non-ASCII characters in a reserved
    /// directive line, for one), and every later position is then off.
    fn check_position(&self, node: &Node, style: Style) -> Result<(), SyntaxError> {
        let at = self
            .text
            .get(node.start..)
            .filter(|_| node.end <= self.text.len());
        let ok = at.is_some_and(|at| {
            at.starts_with(['!', '&'])
                || match (style, &node.kind) {
                    (Style::Single, _) => at.starts_with('\''),
                    (Style::Double, _) => at.starts_with('"'),
                    (Style::Plain, Kind::Scalar { value, .. }) => {
                        value.chars().next().is_none_or(|c| at.starts_with(c))
                    }
                    _ => true,
                }
        });
        if ok {
            Ok(())
        } else {
            Err(SyntaxError {
                line: node.line,
                col: node.col + 1,
                message: POSITIONS_OFF.to_owned(),
            })
        }
    }

    /// Where the node about to be finished may start at the earliest: after
    /// its key, the item before it, or the document before it.
    fn previous_end(&self) -> usize {
        match self.stack.last() {
            None => self.docs.last().map_or(0, |doc| doc.root.end),
            Some(Frame::Mapping { key: Some(k), .. }) => k.end,
            Some(Frame::Mapping { entries, head, .. }) => {
                entries.last().map_or(head.start, |(_, v)| v.end)
            }
            Some(Frame::Sequence { items, head }) => items.last().map_or(head.start, |i| i.end),
        }
    }

    /// The byte offset of `mark`, refused when it is not a place in the
    /// text (saphyr-parser's positions can be off, see `check_position`).
    fn pos(&self, mark: &Marker) -> Result<usize, SyntaxError> {
        let at = self.map.byte(mark.index());
        if self.text.is_char_boundary(at) {
            Ok(at)
        } else {
            Err(SyntaxError {
                line: mark.line(),
                col: mark.col() + 1,
                message: POSITIONS_OFF.to_owned(),
            })
        }
    }

    fn head(
        &self,
        span: &Span,
        anchor: usize,
        tag: Option<&saphyr_parser::Tag>,
        kind: Kind,
    ) -> Result<Node, SyntaxError> {
        Ok(Node {
            start: self.pos(&span.start)?,
            end: self.pos(&span.end)?,
            line: span.start.line(),
            col: span.start.col(),
            anchor,
            core_tag: core_tag(tag),
            block_header: None,
            kind,
        })
    }

    /// The head of a collection. Its span runs from its anchor or tag (if
    /// any) to the end of its start token: `{`/`[` (sometimes with the
    /// whitespace after it) for a flow collection, an empty token at the
    /// first key or dash for a block one. The node starts at that brace or
    /// first key, whatever properties come before it.
    fn collection_head(
        &self,
        span: &Span,
        anchor: usize,
        tag: Option<&saphyr_parser::Tag>,
        mut kind: Kind,
    ) -> Result<Node, SyntaxError> {
        let from = self.pos(&span.start)?;
        let to = self.pos(&span.end)?;
        let Some(head) = self.text.get(from..to).map(str::trim_end) else {
            return Err(self.internal(span, POSITIONS_OFF));
        };
        let flow = head.ends_with(['{', '[']);
        match &mut kind {
            Kind::Mapping { flow: f, .. } | Kind::Sequence { flow: f, .. } => *f = flow,
            _ => {}
        }
        let (start, line, col) = if flow {
            // The brace: on the span's first line unless properties and
            // line breaks come before it.
            let brace = head.len() - 1;
            let before = &head[..brace];
            match before.rfind('\n') {
                Some(nl) => (
                    from + brace,
                    span.start.line() + before.matches('\n').count(),
                    before[nl + 1..].chars().count(),
                ),
                None => (
                    from + brace,
                    span.start.line(),
                    span.start.col() + before.chars().count(),
                ),
            }
        } else {
            (to, span.end.line(), span.end.col())
        };
        Ok(Node {
            start,
            end: start + usize::from(flow),
            line,
            col,
            anchor,
            core_tag: core_tag(tag),
            block_header: None,
            kind,
        })
    }

    fn event(&mut self, event: Event<'_>, span: Span) -> Result<(), SyntaxError> {
        match event {
            Event::Scalar(value, style, anchor, tag) => {
                let style = match style {
                    ScalarStyle::Plain => Style::Plain,
                    ScalarStyle::SingleQuoted => Style::Single,
                    ScalarStyle::DoubleQuoted => Style::Double,
                    ScalarStyle::Literal => Style::Literal,
                    ScalarStyle::Folded => Style::Folded,
                };
                let mut node = self.head(
                    &span,
                    anchor,
                    tag.as_deref(),
                    Kind::Scalar {
                        value: value.into_owned(),
                        style,
                    },
                )?;
                self.check_position(&node, style)?;
                if node.scalar() == Some("") && style == Style::Plain {
                    // An empty value (`{a}`, `a:`) has no text but its
                    // properties (`!!map &a`), though the parser may span it
                    // over the next token (`}`).
                    let properties = if anchor == 0 && tag.is_none() {
                        ""
                    } else {
                        self.text[node.start..node.end]
                            .trim_end_matches(|c: char| c.is_whitespace() || "}],".contains(c))
                    };
                    node.end = node.start + properties.len();
                } else if let Some(end) = quoted_end(self.text, node.start, style) {
                    // The parser's span of a quoted scalar runs on over a trailing comment.
                    node.end = end;
                } else if matches!(style, Style::Literal | Style::Folded) {
                    let header = find_header(self.text, self.previous_end());
                    node.block_header = header;
                    match header
                        .and_then(|h| blank_block_scalar(self.text, h, node.end, &node.kind))
                    {
                        Some((start, end)) => (node.start, node.end) = (start, end),
                        None => {
                            node.end =
                                block_scalar_end(self.text, node.start, node.end, &node.kind);
                        }
                    }
                }
                self.finish(node);
            }
            Event::Alias(id) => {
                let node = self.head(&span, 0, None, Kind::Alias(id))?;
                self.finish(node);
            }
            Event::MappingStart(..) | Event::SequenceStart(..)
                if self.stack.len() >= self.max_depth =>
            {
                let err = LimitError::TooDeep {
                    max: self.max_depth,
                };
                return Err(SyntaxError::limit(span.start.line(), span.start.col(), err));
            }
            Event::MappingStart(anchor, tag) => {
                let kind = Kind::Mapping {
                    entries: Vec::new(),
                    flow: false,
                };
                let head = self.collection_head(&span, anchor, tag.as_deref(), kind)?;
                self.stack.push(Frame::Mapping {
                    head,
                    entries: Vec::new(),
                    key: None,
                });
            }
            Event::SequenceStart(anchor, tag) => {
                let kind = Kind::Sequence {
                    items: Vec::new(),
                    flow: false,
                };
                let head = self.collection_head(&span, anchor, tag.as_deref(), kind)?;
                self.stack.push(Frame::Sequence {
                    head,
                    items: Vec::new(),
                });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                let Some(frame) = self.stack.pop() else {
                    return Err(self.internal(&span, "unbalanced collection end"));
                };
                let node = match frame {
                    Frame::Mapping {
                        mut head,
                        entries,
                        key,
                    } => {
                        if key.is_some() {
                            return Err(self.internal(&span, "mapping key without value"));
                        }
                        let flow = head.is_flow();
                        head.end =
                            self.collection_end(flow, &span, entries.last().map(|e| &e.1), &head)?;
                        head.kind = Kind::Mapping { entries, flow };
                        head
                    }
                    Frame::Sequence { mut head, items } => {
                        let flow = head.is_flow();
                        head.end = self.collection_end(flow, &span, items.last(), &head)?;
                        head.kind = Kind::Sequence { items, flow };
                        head
                    }
                };
                self.finish(node);
            }
            Event::StreamStart
            | Event::DocumentStart(_)
            | Event::StreamEnd
            | Event::DocumentEnd
            | Event::Nothing => {}
        }
        Ok(())
    }

    fn collection_end(
        &self,
        flow: bool,
        end_span: &Span,
        last: Option<&Node>,
        head: &Node,
    ) -> Result<usize, SyntaxError> {
        if flow {
            self.pos(&end_span.end)
        } else {
            Ok(last.map_or(head.start, |node| node.end))
        }
    }

    fn internal(&self, span: &Span, message: &str) -> SyntaxError {
        SyntaxError {
            line: span.start.line(),
            col: span.start.col() + 1,
            message: message.to_owned(),
        }
    }

    fn finish(&mut self, mut node: Node) {
        let text = self.text;
        let from = self.previous_end();
        match self.stack.last_mut() {
            None => self.docs.push(Document { root: node }),
            Some(Frame::Mapping { entries, key, .. }) => match key.take() {
                None => {
                    if node.is_empty_scalar() && node.anchor == 0 && node.core_tag.is_none() {
                        // An empty explicit key (`?` alone, or before a
                        // comment) is placed by the parser at the next
                        // token, which may be lines on (`...`, the next
                        // document): it sits right after its `?`.
                        if let Some(at) = after_explicit_key_indicator(text, from, node.start) {
                            place_before(text, &mut node, at);
                        }
                    }
                    *key = Some(node);
                }
                Some(k) => {
                    if node.is_empty_scalar() && node.anchor == 0 && node.core_tag.is_none() {
                        // A missing value (`a:`, `? a`, `{a}`) has no text; the
                        // parser places it at the next token, which may be
                        // lines on (`...`, the next document). It sits at the
                        // end of its key.
                        node.start = k.end;
                        node.end = k.end;
                        node.line = k.line;
                        node.col = k.col + text[k.start..k.end].chars().count();
                    }
                    entries.push((k, node));
                }
            },
            Some(Frame::Sequence { items, .. }) => items.push(node),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn text_of<'a>(text: &'a str, node: &Node) -> &'a str {
        &text[node.start..node.end]
    }

    #[test]
    fn spans_cover_the_source_text() {
        let text = "a: 1\nb:\n  c: \"q\" # c\n  d: |\n    x\n\n  e: [1, 2]\nf: {g: h}\n";
        let docs = parse(text).unwrap();
        assert_eq!(docs.len(), 1);
        let root = &docs[0].root;
        assert_eq!(text_of(text, root.get("a").unwrap()), "1");
        let b = root.get("b").unwrap();
        assert_eq!(b.col, 2);
        assert_eq!(text_of(text, b.get("c").unwrap()), "\"q\"");
        assert_eq!(text_of(text, b.get("d").unwrap()), "x");
        assert_eq!(text_of(text, b.get("e").unwrap()), "[1, 2]");
        assert_eq!(b.end, text.find("]").unwrap() + 1);
        assert_eq!(text_of(text, root.get("f").unwrap()), "{g: h}");
        let text = "a: 'x''y' # c\nb: {c: \"d\\\"\" , e: 1}\n";
        let docs = parse(text).unwrap();
        assert_eq!(text_of(text, docs[0].root.get("a").unwrap()), "'x''y'");
        let b = docs[0].root.get("b").unwrap();
        assert_eq!(text_of(text, b.get("c").unwrap()), "\"d\\\"\"");
        assert!(root.get("f").unwrap().is_flow());
    }

    #[test]
    fn non_ascii_text_gets_byte_offsets() {
        let text = "é: ü\nk: v\n";
        let docs = parse(text).unwrap();
        assert_eq!(text_of(text, docs[0].root.get("k").unwrap()), "v");
        assert_eq!(text_of(text, docs[0].root.get("é").unwrap()), "ü");
    }

    #[test]
    fn several_documents_and_empty_values() {
        let text = "a:\n---\nb: null\n...\n";
        let docs = parse(text).unwrap();
        assert_eq!(docs.len(), 2);
        assert!(docs[0].root.get("a").unwrap().is_empty_scalar());
        assert_eq!(docs[1].root.line, 3);
    }

    /// An empty explicit key sits right after its `?`, with that place's
    /// line and column (in characters), however far on the next token is.
    #[test]
    fn empty_explicit_keys_get_the_line_and_column_after_their_indicator() {
        let key_of = |root: &Node, index: usize| match &root.kind {
            Kind::Mapping { entries, .. } => entries[index].0.clone(),
            _ => panic!("not a mapping"),
        };
        let text = "a: 1\n? # c\n\nb: 2\n";
        let docs = parse(text).unwrap();
        let key = key_of(&docs[0].root, 1);
        assert_eq!((key.start, key.line, key.col), (6, 2, 1));
        let text = "m:\n  é: 1\n  ?\n  ü: 2\n  ?    # c\n\n\n...\n";
        let docs = parse(text).unwrap();
        let m = docs[0].root.get("m").unwrap();
        let (second, fourth) = (key_of(m, 1), key_of(m, 3));
        assert_eq!(text_of(text, &second), "");
        assert_eq!((second.start, second.line, second.col), (14, 3, 3));
        assert_eq!((fourth.start, fourth.line, fourth.col), (26, 5, 3));
    }

    #[test]
    fn syntax_errors_have_line_and_column() {
        let err = parse("a: 1\nb: [\n").unwrap_err();
        assert!(err.line >= 2, "{err}");
        assert!(err.col >= 1);
    }

    /// A block scalar's header is found from what precedes it: for a root
    /// scalar, from the end of the document before it (it was searched
    /// from the start of the text, and a `|` in an earlier document was
    /// taken for it), past properties that contain `|` or `>`.
    #[test]
    fn a_block_scalar_header_is_found_after_its_own_indicator_and_properties() {
        let text = "a: |\n  x\n--- |+\n\n";
        let docs = parse(text).unwrap();
        let root = &docs[1].root;
        assert_eq!(root.start, text.find("|+").unwrap());
        assert_eq!(
            root.block_header.map(|h| (h.at, h.keep)),
            Some((root.start, true))
        );
        let text = "a: !<tag:x> &p>q |-\n\nb: 1\n";
        let docs = parse(text).unwrap();
        let a = docs[0].root.get("a").unwrap();
        assert_eq!(a.start, text.find("|-").unwrap());
        assert_eq!(a.block_header.map(|h| h.keep), Some(false));
        let text = "s:\n- - >2+ # c | d\n    x\n";
        let docs = parse(text).unwrap();
        let s = docs[0].root.get("s").unwrap();
        let Kind::Sequence { items, .. } = &s.kind else {
            panic!("not a sequence")
        };
        let Kind::Sequence { items, .. } = &items[0].kind else {
            panic!("not a sequence")
        };
        assert_eq!(text_of(text, &items[0]), "x");
        assert_eq!(
            items[0].block_header.map(|h| (h.at, h.keep)),
            Some((text.find(">2+").unwrap(), true))
        );
        assert_eq!(
            docs[0].root.get("s").unwrap().block_header.map(|h| h.at),
            None
        );
    }

    /// Every block scalar, wherever it stands, gets the header written for
    /// it: as a value, an item, a key, a root, after properties and comments.
    #[test]
    fn every_block_scalar_gets_its_header() {
        fn headers(text: &str, node: &Node, out: &mut Vec<String>) {
            match &node.kind {
                Kind::Mapping { entries, .. } => entries.iter().for_each(|(k, v)| {
                    headers(text, k, out);
                    headers(text, v, out);
                }),
                Kind::Sequence { items, .. } => items.iter().for_each(|i| headers(text, i, out)),
                Kind::Scalar {
                    style: Style::Literal | Style::Folded,
                    ..
                } => out.push(match node.block_header {
                    Some(h) => text[h.at..]
                        .split_whitespace()
                        .next()
                        .unwrap_or("")
                        .to_owned(),
                    None => format!("none at {}", node.start),
                }),
                _ => {}
            }
        }
        let cases = [
            ("a: |\n  x\nb: >-\n  y\n", vec!["|", ">-"]),
            ("- |+\n  x\n- - >2\n    y\n", vec!["|+", ">2"]),
            ("? |\n  k\n: v\n? >\n  l\n: |-\n  w\n", vec!["|", ">", "|-"]),
            ("a:\n  # c\n  |\n  x\n", vec!["|"]),
            (
                "a: &x !!str |1+ # c\n  x\nb: !<t:x> >\n\n",
                vec!["|1+", ">"],
            ),
            (
                "%YAML 1.2\n--- >\n x\n...\n%TAG !e! tag:e,1:\n--- |\n\n",
                vec![">", "|"],
            ),
            ("a: |\r\n  x\r\nb: >+\r\n\r\n", vec!["|", ">+"]),
        ];
        for (text, want) in cases {
            let mut got = Vec::new();
            for doc in parse(text).unwrap() {
                headers(text, &doc.root, &mut got);
            }
            assert_eq!(got, want, "in {text:?}");
        }
    }

    /// Found by the fixer's `yaml_bytes` fuzz target: saphyr-parser counts
    /// the non-ASCII characters of a reserved directive line as bytes, so
    /// every later position was off (an edit sliced past the text's end).
    #[test]
    fn regression_positions_that_do_not_match_the_text_are_a_syntax_error() {
        let err = parse("%ecr ݡ ݡ\n---\napiVersion: v1\nkind: Pod\n").unwrap_err();
        assert!(err.message.contains("positions do not match"), "{err}");
        assert_eq!(err.line, 3, "{err}");
        assert!(parse("%YAML 1.2\n---\nk: 'é' # ü\nv: \"ö\"\nw: !!str ä\n").is_ok());
    }

    /// Found by the `edit_patch` fuzz target: with the positions off by a
    /// directive's non-ASCII character, a flow collection's span ran past
    /// the end of the text and slicing it panicked. Every position is
    /// checked now, collections' as well as scalars'.
    #[test]
    fn regression_a_collection_whose_positions_run_past_the_text_is_a_syntax_error() {
        let text = "%%%%%%%%%%é%%%%%%%mment of &h no obkec7.\n---\n#kind...\n# Between docugggggggggggts:\n {{  ";
        let err = parse(text).unwrap_err();
        assert!(err.message.contains("positions do not match"), "{err}");
    }
}
