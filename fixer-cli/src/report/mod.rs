//! What a run found, per file and object, and its renderings: human text,
//! JSON and SARIF 2.1.0.

mod chart_code;
mod fixer_code;
pub mod json;
pub mod sarif;
pub mod text;

use seccomp_core::{Record, Severity};
use serde::Serialize;

pub use chart_code::ChartCode;
pub use fixer_code::FixerCode;

/// One change or finding, located in its file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    /// Stable code (a core code or a fixer code).
    pub code: &'static str,
    /// Severity.
    pub severity: Severity,
    /// JSON pointer inside the object.
    pub pointer: String,
    /// One-line message.
    pub message: String,
    /// 1-based line in the file.
    pub line: usize,
    /// Whether the fix makes this change.
    pub change: bool,
}

impl Finding {
    /// A core record at `line`.
    pub fn from_record(record: &Record, line: usize) -> Self {
        Finding {
            code: record.code.as_str(),
            severity: record.severity,
            pointer: record.pointer.clone(),
            message: record.message.clone(),
            line,
            change: record.is_change(),
        }
    }

    /// One of the fixer's own errors.
    pub fn fixer(code: FixerCode, pointer: &str, message: String, line: usize) -> Self {
        Finding {
            code: code.as_str(),
            severity: Severity::Error,
            pointer: pointer.to_owned(),
            message,
            line,
            change: false,
        }
    }
}

/// One Kubernetes object of a file, with its changes and findings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectFindings {
    /// 0-based document index in the file.
    pub document: usize,
    /// 1-based line where the document starts.
    pub line: usize,
    /// `kind`.
    pub kind: String,
    /// `metadata.name` (empty when absent).
    pub name: String,
    /// Whether the object is changed.
    pub fixed: bool,
    /// Changes and findings.
    pub findings: Vec<Finding>,
}

impl ObjectFindings {
    /// An object with no findings yet.
    pub fn new(document: usize, line: usize, kind: &str, name: String) -> Self {
        ObjectFindings {
            document,
            line,
            kind: kind.to_owned(),
            name,
            fixed: false,
            findings: Vec::new(),
        }
    }

    /// Adds a finding.
    pub fn push(&mut self, finding: Finding) {
        self.findings.push(finding);
    }

    /// The object is left unchanged after all: drop the change records.
    pub fn keep_only_findings(&mut self) {
        self.fixed = false;
        self.findings.retain(|f| !f.change);
    }
}

/// Status of one file in a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FileStatus {
    /// Kubernetes manifests, nothing to change.
    Unchanged,
    /// Changed (or would be, with `--check`/`--diff`).
    Changed,
    /// A Go/Helm template, skipped.
    SkippedTemplate,
    /// Not Kubernetes YAML, ignored.
    Ignored,
    /// Could not be read, parsed or verified; left untouched.
    Error,
}

impl FileReport {
    /// Whether the file belongs in a report: not merely unchanged or ignored.
    pub fn is_notable(&self) -> bool {
        !matches!(self.status, FileStatus::Unchanged | FileStatus::Ignored)
            || !self.objects.is_empty()
    }
}

/// One file in a report.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FileReport {
    /// Path as walked (or `-`).
    pub path: String,
    /// Status.
    pub status: FileStatus,
    /// For errors: `line:col: message` or the I/O error.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// 1-based line of the error, if known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_line: Option<usize>,
    /// Objects with changes or findings.
    pub objects: Vec<ObjectFindings>,
    /// Objects that could not be edited although they needed it.
    #[serde(skip)]
    pub object_errors: usize,
}

/// Totals of a run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    /// Files looked at.
    pub files: usize,
    /// Files changed (or that would change).
    pub files_changed: usize,
    /// Objects fixed (or that would be).
    pub objects_fixed: usize,
    /// Templates skipped.
    pub skipped: usize,
    /// Files with errors: unreadable, invalid, not verified, objects left
    /// alone, or any finding of severity `error` (an annotation that cannot
    /// be migrated, a malformed object): each makes the run exit 2.
    pub errors: usize,
}

impl Summary {
    /// Counts one more file.
    pub fn add(&mut self, file: &FileReport) {
        self.files += 1;
        match file.status {
            FileStatus::Changed => self.files_changed += 1,
            FileStatus::SkippedTemplate => self.skipped += 1,
            FileStatus::Error => self.errors += 1,
            FileStatus::Unchanged | FileStatus::Ignored => {}
        }
        let error_finding = file
            .objects
            .iter()
            .flat_map(|o| &o.findings)
            .any(|f| f.severity == Severity::Error);
        if file.status != FileStatus::Error && (file.object_errors > 0 || error_finding) {
            self.errors += 1;
        }
        self.objects_fixed += file.objects.iter().filter(|o| o.fixed).count();
    }
}

/// The format a run's report is written in (`--format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    /// Human-readable lines.
    Text,
    /// One JSON document.
    Json,
    /// SARIF 2.1.0 for code scanning.
    Sarif,
}
