//! Fixing one file's text: parse with spans, plan each Kubernetes object with
//! the core, splice the edits into the original text, verify, report.

use json_patch::Patch;
use seccomp_core::{plan, Plan, Policy};
use serde_json::Value;

use super::verify::{verify, Expected};
use crate::edit::splice::Splice;
use crate::edit::{self, layout, path::line_of, splice, EditError};
use crate::report::{Finding, ObjectReport};
use crate::yaml::limits::Limits;
use crate::yaml::render::Layout;
use crate::yaml::scan::{scan, DocHead};
use crate::yaml::tree::{self, Document, Node, SyntaxError};
use crate::yaml::value::{to_value_with, ValueError};
use crate::yaml::{strip_bom, BOM};

/// What happened to a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// Kubernetes objects, nothing to change.
    Unchanged,
    /// Edited; the new text is in [`Processed::new_text`].
    Changed,
    /// A Go/Helm template (`{{ ... }}`): not YAML we may edit.
    Template,
    /// No document with a `kind` (values files, patch fragments): ignored.
    NotKubernetes,
    /// Not valid YAML, or beyond a [`Limits`] bound; nothing was changed.
    Invalid(SyntaxError),
    /// The edit did not verify (a bug): nothing was changed.
    Internal(String),
}

/// The outcome of fixing one text.
#[derive(Debug, Clone)]
pub struct Processed {
    /// Status of the file.
    pub status: Status,
    /// Objects with changes or findings, in document order.
    pub objects: Vec<ObjectReport>,
    /// The fixed text when [`Status::Changed`].
    pub new_text: Option<String>,
    /// Objects that could not be edited (unsafe YAML, unsupported layout):
    /// the rest of the file is still fixed, but the run reports an error.
    pub errors: usize,
}

impl Processed {
    fn status(status: Status) -> Self {
        Processed {
            status,
            objects: Vec::new(),
            new_text: None,
            errors: 0,
        }
    }
}

/// Fixes `text` under `policy`. `json_hint` marks `.json` files.
pub fn process(text: &str, policy: &Policy, json_hint: bool) -> Processed {
    let (bom, body) = strip_bom(text);
    // First pass over events only: most files hold nothing pod-bearing.
    let templated = body.contains("{{");
    let heads = match scan(body) {
        Ok(heads) => heads,
        Err(_) if templated => return Processed::status(Status::Template),
        Err(err) => return Processed::status(Status::Invalid(err)),
    };
    if heads.templated {
        return Processed::status(Status::Template);
    }
    if heads.docs.iter().all(|d| d.kind.is_none()) {
        return Processed::status(Status::NotKubernetes);
    }
    let candidate = |d: &DocHead| {
        d.kind
            .as_deref()
            .is_some_and(|k| is_candidate(d.api_version.as_deref().unwrap_or(""), k, policy))
    };
    if !heads.docs.iter().any(candidate) {
        return Processed::status(Status::Unchanged);
    }
    let limits = Limits::default();
    let docs = match tree::parse_with(body, &limits) {
        Ok(docs) => docs,
        Err(err) => return Processed::status(Status::Invalid(err)),
    };
    let mut out = Processed::status(Status::NotKubernetes);
    let mut splices = Vec::new();
    let mut expected: Vec<Option<Expected>> = vec![None; docs.len()];
    let mut layout = None;
    for (index, doc) in docs.iter().enumerate() {
        let Some(kind) = doc.root.get("kind").and_then(Node::scalar) else {
            continue;
        };
        out.status = Status::Unchanged;
        let api_version = doc
            .root
            .get("apiVersion")
            .and_then(Node::scalar)
            .unwrap_or("");
        if !is_candidate(api_version, kind, policy) {
            continue;
        }
        let mut object = ObjectReport::new(index, doc.root.line, kind, name_of(&doc.root));
        let value = match to_value_with(doc, &limits) {
            Ok(value) => value,
            Err(err) if err.is_limit() => {
                return Processed::status(Status::Invalid(err.to_syntax_error()))
            }
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
            let layout = *layout.get_or_insert_with(|| layout::detect(body, &docs, json_hint));
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
        Err(err) => return Processed::status(Status::Invalid(err.to_syntax_error())),
    };
    let verified = splice::apply(body, splices)
        .map_err(|e| e.to_string())
        .and_then(|new| verify(&docs, &new, &expected, &limits).map(|()| new));
    match verified {
        Ok(new) => {
            out.status = Status::Changed;
            out.new_text = Some(if bom { format!("{BOM}{new}") } else { new });
        }
        Err(message) => {
            for object in &mut out.objects {
                object.keep_only_findings();
            }
            out.status = Status::Internal(message);
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
    let edits = edit::edit(body, root, text_patch, layout).map_err(|err| NotEdited {
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

/// Codes of the fixer's own findings (next to the core's codes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FixerCode {
    /// Anchors, aliases or merge keys on the path to edit.
    UnsafeYaml,
    /// A layout the editor cannot change safely.
    EditUnsupported,
    /// The document has no JSON value (complex keys, unknown alias).
    Unreadable,
    /// The edit did not verify.
    Internal,
}

impl FixerCode {
    /// Every fixer code, for SARIF rule lists.
    pub fn all() -> &'static [FixerCode] {
        &[
            FixerCode::UnsafeYaml,
            FixerCode::EditUnsupported,
            FixerCode::Unreadable,
            FixerCode::Internal,
        ]
    }

    /// The kebab-case identifier.
    pub fn as_str(self) -> &'static str {
        match self {
            FixerCode::UnsafeYaml => "unsafe-yaml",
            FixerCode::EditUnsupported => "edit-unsupported",
            FixerCode::Unreadable => "unreadable-document",
            FixerCode::Internal => "internal-error",
        }
    }

    /// One-line description.
    pub fn description(self) -> &'static str {
        match self {
            FixerCode::UnsafeYaml => {
                "Anchors, aliases or merge keys on the path to edit: left alone, fix by hand"
            }
            FixerCode::EditUnsupported => "A YAML layout the fixer cannot edit safely: left alone",
            FixerCode::Unreadable => "A document that has no JSON value (complex keys, bad alias)",
            FixerCode::Internal => "The edit did not verify; the file was not written",
        }
    }
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
