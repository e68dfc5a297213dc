//! The per-file pipeline that `fix`, `patch`, `krm` and the fuzz targets
//! share as siblings: [`input`] reads a file (regular files only; `patch`
//! stops at its JSON values), then pre-scan, spanned tree, plan each
//! Kubernetes object with the core, splice the edits into the original
//! text, verify, report.
//! [`edit_object`] is the step a KRM ResourceList's items go through too.

pub mod input;

use json_patch::Patch;
use lossless_yaml::{
    apply_splices, detect_layout, edit, line_of, parse_with, scan, strip_bom, to_value_with,
    verify, DocHead, Document, EditError, Expected, Layout, Limits, Node, Overlap, Splice,
    SyntaxError, ValueError, VerifyError, BOM,
};
use seccomp_core::{plan, Plan, Policy};
use serde_json::Value;

use crate::report::{FileStatus, Finding, FixerCode, ObjectFindings};

/// Why a file was left untouched as a whole.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FileError {
    /// Not valid YAML, or beyond a [`Limits`] bound.
    #[error(transparent)]
    Invalid(#[from] SyntaxError),
    /// The edits overlap (a bug).
    #[error(transparent)]
    Overlap(#[from] Overlap),
    /// The edited text did not verify (a bug).
    #[error(transparent)]
    Unverified(#[from] VerifyError),
}

impl FileError {
    /// Whether the fixer itself failed (rather than the input).
    pub fn is_internal(&self) -> bool {
        !matches!(self, FileError::Invalid(_))
    }
}

/// What fixing one text gave.
#[derive(Debug, Clone)]
pub struct Processed {
    /// Status of the file; [`FileStatus::Error`] exactly when `error` is set.
    pub status: FileStatus,
    /// Why the file was left untouched, for [`FileStatus::Error`].
    pub error: Option<FileError>,
    /// Objects with changes or findings, in document order.
    pub objects: Vec<ObjectFindings>,
    /// The fixed text when [`FileStatus::Changed`].
    pub new_text: Option<String>,
    /// Objects that could not be edited (unsafe YAML, unsupported layout):
    /// the rest of the file is still fixed, but the run reports an error.
    pub errors: usize,
}

impl Processed {
    fn status(status: FileStatus) -> Self {
        Processed {
            status,
            error: None,
            objects: Vec::new(),
            new_text: None,
            errors: 0,
        }
    }

    fn failed(error: impl Into<FileError>) -> Self {
        Processed {
            error: Some(error.into()),
            ..Processed::status(FileStatus::Error)
        }
    }
}

/// The top-level keys the pre-scan reads: a document's type.
pub const HEAD_KEYS: [&str; 2] = ["apiVersion", "kind"];
const API_VERSION: usize = 0;
/// Index of `kind` in [`HEAD_KEYS`].
pub const KIND: usize = 1;

/// Fixes `text` under `policy`. `json_hint` marks `.json` files.
pub fn process(text: &str, policy: &Policy, json_hint: bool) -> Processed {
    let (bom, body) = strip_bom(text);
    // First pass over events only: most files hold nothing pod-bearing.
    let templated = body.contains("{{");
    let heads = match scan(body, &HEAD_KEYS) {
        Ok(heads) => heads,
        Err(_) if templated => return Processed::status(FileStatus::SkippedTemplate),
        Err(err) => return Processed::failed(err),
    };
    if heads.templated {
        return Processed::status(FileStatus::SkippedTemplate);
    }
    if heads.docs.iter().all(|d| d.get(KIND).is_none()) {
        return Processed::status(FileStatus::Ignored);
    }
    let candidate = |d: &DocHead| {
        d.get(KIND)
            .is_some_and(|k| is_candidate(d.get(API_VERSION).unwrap_or(""), k, policy))
    };
    if !heads.docs.iter().any(candidate) {
        return Processed::status(FileStatus::Unchanged);
    }
    let limits = Limits::default();
    let docs = match parse_with(body, &limits) {
        Ok(docs) => docs,
        Err(err) => return Processed::failed(err),
    };
    let mut out = Processed::status(FileStatus::Ignored);
    let mut splices = Vec::new();
    let mut expected: Vec<Option<Expected>> = vec![None; docs.len()];
    let mut layout = None;
    for (index, doc) in docs.iter().enumerate() {
        let Some(kind) = doc.root.get("kind").and_then(Node::scalar) else {
            continue;
        };
        out.status = FileStatus::Unchanged;
        let api_version = doc
            .root
            .get("apiVersion")
            .and_then(Node::scalar)
            .unwrap_or("");
        if !is_candidate(api_version, kind, policy) {
            continue;
        }
        let mut object = ObjectFindings::new(index, doc.root.line, kind, name_of(&doc.root));
        let value = match to_value_with(doc, &limits) {
            Ok(value) => value,
            Err(err) if err.is_limit() => return Processed::failed(err.to_syntax_error()),
            Err(err) => {
                object.push(Finding::fixer(
                    FixerCode::Unreadable,
                    "",
                    err.kind.to_string(),
                    err.line,
                ));
                out.errors += 1;
                out.objects.push(object);
                continue;
            }
        };
        let planned = plan(&value, policy);
        for record in planned.reportable() {
            object.push(Finding::from_record(
                record,
                line_of(&doc.root, &record.pointer),
            ));
        }
        if !planned.is_noop() {
            let layout = *layout.get_or_insert_with(|| detect_layout(body, &docs, json_hint));
            match edit_object(body, &doc.root, &planned.patch, &planned, &value, layout) {
                Ok((edits, fixed)) => {
                    splices.extend(edits);
                    expected[index] = Some(Expected::Value(fixed));
                    object.fixed = true;
                }
                Err(NotEdited { code, message }) => {
                    object.keep_only_findings();
                    object.push(Finding::fixer(code, "", message, doc.root.line));
                    out.errors += 1;
                }
            }
        }
        if !object.findings.is_empty() {
            out.objects.push(object);
        }
    }
    if splices.is_empty() {
        return out;
    }
    let expected = match unedited_values(&docs, expected, &limits) {
        Ok(expected) => expected,
        Err(err) => return Processed::failed(err.to_syntax_error()),
    };
    let verified = apply_splices(body, splices)
        .map_err(FileError::from)
        .and_then(|new| {
            verify(&docs, &new, &expected, &limits)
                .map(|()| new)
                .map_err(FileError::from)
        });
    match verified {
        Ok(new) => {
            out.status = FileStatus::Changed;
            out.new_text = Some(if bom { format!("{BOM}{new}") } else { new });
        }
        Err(error) => {
            for object in &mut out.objects {
                object.keep_only_findings();
            }
            out.status = FileStatus::Error;
            out.error = Some(error);
        }
    }
    out
}

/// `expected` completed with the value of every document that was not
/// edited, which the edited text must still hold. A limit crossed there
/// (an alias bomb in a ConfigMap beside a pod) makes the file unverifiable.
fn unedited_values(
    docs: &[Document],
    expected: Vec<Option<Expected>>,
    limits: &Limits,
) -> Result<Vec<Expected>, ValueError> {
    docs.iter()
        .zip(expected)
        .map(|(doc, want)| match want {
            Some(want) => Ok(want),
            None => match to_value_with(doc, limits) {
                Ok(value) => Ok(Expected::Value(value)),
                Err(err) if err.is_limit() => Err(err),
                Err(_) => Ok(Expected::Unreadable),
            },
        })
        .collect()
}

/// Why a planned object was not edited.
pub struct NotEdited {
    /// The fixer's finding code.
    pub code: FixerCode,
    /// What went wrong.
    pub message: String,
}

/// The text edits for one planned object, and the object they must produce
/// (checked later by re-parsing). `text_patch` is `planned.patch` with its
/// pointers relative to `root` (a KRM function prefixes `/items/N`).
pub fn edit_object(
    body: &str,
    root: &Node,
    text_patch: &Patch,
    planned: &Plan,
    value: &Value,
    layout: Layout,
) -> Result<(Vec<Splice>, Value), NotEdited> {
    let edits = edit(body, root, text_patch, layout).map_err(|err| NotEdited {
        code: match err {
            EditError::Unsafe { .. } => FixerCode::UnsafeYaml,
            EditError::Unsupported { .. } => FixerCode::EditUnsupported,
        },
        message: err.to_string(),
    })?;
    let fixed = planned.apply(value).map_err(|err| NotEdited {
        code: FixerCode::Internal,
        message: err.to_string(),
    })?;
    Ok((edits, fixed))
}

/// The object's `metadata.name`, or empty.
fn name_of(root: &Node) -> String {
    root.get("metadata")
        .and_then(|m| m.get("name"))
        .and_then(Node::scalar)
        .unwrap_or_default()
        .to_owned()
}

/// Whether the core may have anything to do with this object: a `*List`, or
/// a kind whose pod the core locates. Saves converting CRDs, ConfigMaps and
/// dashboards to JSON values.
fn is_candidate(api_version: &str, kind: &str, policy: &Policy) -> bool {
    kind.ends_with("List") || seccomp_core::has_pod(api_version, kind, policy)
}

#[cfg(test)]
mod fuzz_regressions;
#[cfg(test)]
mod proptests;
