//! The fixer's own finding codes, next to the core's: what kept an object
//! or a file from being edited.

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
