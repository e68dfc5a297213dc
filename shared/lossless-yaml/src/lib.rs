//! Lossless YAML editing: change a YAML (or JSON) text the way an RFC 6902
//! JSON Patch changes its value, and nothing else.
//!
//! A text is read into a spanned tree ([`parse`], [`Document`], [`Node`]:
//! every node knows its byte range, line, column and style), its JSON value
//! is read from that tree ([`to_value`]), and a patch against that value is
//! turned into [`Splice`]s of the original text ([`edit`]): new entries in
//! the file's own indentation, line ending, flow or JSON style
//! ([`detect_layout`], [`Layout`]), replaced values in the old value's
//! quoting, removed entries with their lines. Comments, blank lines, key
//! order and everything the patch does not name stay byte for byte.
//! [`verify`] re-parses the edited text and checks that every document
//! reads as expected before anyone writes it.
//!
//! Reading works under [`Limits`] (nesting depth, alias expansion) whatever
//! the input, so hostile text is an error at a line and column, never a
//! stack overflow or an exhausted memory. Paths through anchors, aliases,
//! merge keys or duplicated keys are refused ([`EditError::Unsafe`]), as is
//! any layout the editor cannot change safely ([`EditError::Unsupported`]).
//!
//! The crate knows YAML and JSON Patch only: what to change is the
//! caller's business.
//!
//! # Example
//!
//! ```
//! use lossless_yaml::{apply_splices, detect_layout, edit, parse, to_value, verify, Expected, Limits};
//! use serde_json::json;
//!
//! let text = "spec:\n  replicas: 1 # scaled by hand\n  paused: true\n";
//! let docs = parse(text)?;
//! let patch: json_patch::Patch = serde_json::from_value(json!([
//!     {"op": "replace", "path": "/spec/replicas", "value": 3},
//!     {"op": "add", "path": "/spec/strategy", "value": {"type": "Recreate"}},
//!     {"op": "remove", "path": "/spec/paused"},
//! ]))?;
//!
//! let layout = detect_layout(text, &docs, false);
//! let splices = edit(text, &docs[0].root, &patch, layout)?;
//! let edited = apply_splices(text, splices)?;
//! assert_eq!(
//!     edited,
//!     "spec:\n  replicas: 3 # scaled by hand\n  strategy:\n    type: Recreate\n"
//! );
//!
//! // The edited text must read as the patched value, or it is not written.
//! let mut want = to_value(&docs[0])?;
//! json_patch::patch(&mut want, &patch)?;
//! verify(&docs, &edited, &[Expected::Value(want)], &Limits::default())?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]

mod block_scalar;
pub mod bom;
pub mod edit;
pub mod limits;
pub mod offsets;
pub mod printable;
pub mod render;
pub mod scalar;
pub mod scan;
pub mod tree;
pub mod value;
pub mod verify;

pub use block_scalar::BlockHeader;
pub use bom::{strip_bom, BOM};
pub use edit::layout::detect as detect_layout;
pub use edit::path::line_of;
pub use edit::splice::{apply as apply_splices, Overlap, Splice};
pub use edit::{edit, EditError};
pub use limits::{LimitError, Limits};
pub use render::Layout;
pub use scan::{scan, DocHead, Scan};
pub use tree::{parse, parse_with, Document, Kind, Node, Style, SyntaxError};
pub use value::{node_value, to_value, to_value_with, ValueError, ValueErrorKind};
pub use verify::{verify, Expected, VerifyError};
