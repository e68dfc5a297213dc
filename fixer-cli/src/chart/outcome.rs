//! What fixing a chart produced: a report per chart file (changes and
//! findings at `file:line`) and the new text of each changed file.

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};

use seccomp_core::{Code, Plan};
use serde_json::Value;

use super::edits::NotFixable;
use super::render::{RenderError, Rendered};
use super::values_edit::ValuesError;
use crate::report::ChartCode;
use crate::report::{FileReport, FileStatus, Finding, ObjectFindings};

/// A chart file to rewrite.
#[derive(Debug, Clone)]
pub struct Change {
    /// The file.
    pub path: PathBuf,
    /// Relative to the chart root.
    pub rel: String,
    /// Its text now.
    pub old: String,
    /// Its text after the fix.
    pub new: String,
}

impl Change {
    pub(super) fn new(root: &Path, rel: &str, old: String, new: String) -> Self {
        Change {
            path: root.join(rel),
            rel: rel.to_owned(),
            old,
            new,
        }
    }
}

/// The result of fixing one chart.
#[derive(Debug)]
pub struct ChartFix {
    /// One report per chart file, sorted by path.
    pub reports: Vec<FileReport>,
    /// Files to rewrite (all verified together).
    pub changes: Vec<Change>,
    /// The chart could not be rendered, so it is not known to be clean.
    pub unproven: bool,
}

/// Reports of a chart's files while it is being fixed.
pub(super) struct Reports {
    root: PathBuf,
    files: BTreeMap<String, FileReport>,
}

fn kind_and_name(value: &Value) -> (String, String) {
    let text = |v: Option<&Value>| v.and_then(Value::as_str).unwrap_or("").to_owned();
    (
        text(value.get("kind")),
        text(value.get("metadata").and_then(|m| m.get("name"))),
    )
}

impl Reports {
    pub(super) fn new(root: &Path, files: &[PathBuf]) -> Self {
        let mut reports = Reports {
            root: root.to_path_buf(),
            files: BTreeMap::new(),
        };
        for file in files {
            let rel = file
                .strip_prefix(root)
                .unwrap_or(file)
                .to_string_lossy()
                .replace('\\', "/");
            reports.file(&rel);
        }
        reports.file("Chart.yaml");
        reports
    }

    fn display(&self, rel: &str) -> String {
        if self.root.as_os_str() == "." || self.root.as_os_str().is_empty() {
            rel.to_owned()
        } else {
            self.root.join(rel).display().to_string()
        }
    }

    fn file(&mut self, rel: &str) -> &mut FileReport {
        let path = self.display(rel);
        self.files
            .entry(rel.to_owned())
            .or_insert_with(|| FileReport {
                path,
                status: FileStatus::Unchanged,
                error: None,
                error_line: None,
                objects: Vec::new(),
                object_errors: 0,
            })
    }

    fn chart_object(&self) -> ObjectFindings {
        let name = std::fs::read_to_string(self.root.join("Chart.yaml"))
            .ok()
            .and_then(|t| {
                t.lines()
                    .find_map(|l| l.strip_prefix("name:"))
                    .map(|n| n.trim().trim_matches(['"', '\'']).to_owned())
            })
            .unwrap_or_default();
        ObjectFindings::new(0, 1, "Chart", name)
    }

    /// An object's records at `line` of `file`.
    pub(super) fn object(
        &mut self,
        file: &str,
        object: &Rendered,
        plan: &Plan,
        line: usize,
        fixed: bool,
    ) {
        let (kind, name) = kind_and_name(&object.value);
        let mut report = ObjectFindings::new(object.ordinal, line, &kind, name);
        for record in plan
            .records
            .iter()
            .filter(|r| r.code != Code::NotApplicable)
        {
            report.push(Finding::from_record(record, line));
        }
        report.fixed = fixed && !plan.is_noop();
        self.file(file).objects.push(report);
    }

    /// An object whose plan cannot be made in the source.
    pub(super) fn not_fixable(&mut self, object: &Rendered, plan: &Plan, why: NotFixable) {
        let (kind, name) = kind_and_name(&object.value);
        let mut report = ObjectFindings::new(object.ordinal, why.line, &kind, name);
        for record in plan
            .records
            .iter()
            .filter(|r| r.code != Code::NotApplicable)
        {
            report.push(Finding::from_record(record, why.line));
        }
        report.keep_only_findings();
        report.push(ChartCode::NotFixable.finding(why.reason, why.line));
        let file = self.file(&object.source);
        file.objects.push(report);
        file.object_errors += 1;
    }

    /// The chart could not be rendered.
    pub(super) fn render_failed(&mut self, err: &RenderError, set: &[String]) {
        let mut object = self.chart_object();
        let with = if set.is_empty() {
            String::new()
        } else {
            format!(" with {}", set.join(", "))
        };
        let finding = match err {
            RenderError::NoHelm(_) => ChartCode::NeedsHelm.finding(
                "helm not found, chart not rendered nor checked (install helm or pass --helm PATH)"
                    .to_owned(),
                1,
            ),
            other => ChartCode::RenderFailed.finding(format!("helm template{with}: {other}"), 1),
        };
        let error = finding.severity == seccomp_core::Severity::Error;
        object.push(finding);
        let file = self.file("Chart.yaml");
        file.objects.push(object);
        if error {
            file.object_errors += 1;
        }
    }

    /// `values.yaml` could not be edited: nothing is written.
    pub(super) fn values_error(&mut self, err: ValuesError) {
        self.drop_changes();
        let mut object = self.chart_object();
        object.line = err.line;
        object.push(ChartCode::NotFixable.finding(err.message, err.line));
        let file = self.file("values.yaml");
        file.objects.push(object);
        file.object_errors += 1;
    }

    /// The edit did not verify (or could not be checked): nothing is written.
    pub(super) fn internal(&mut self, message: String) {
        self.drop_changes();
        let file = self.file("Chart.yaml");
        file.status = FileStatus::Error;
        file.error = Some(format!("internal error, chart left untouched: {message}"));
    }

    fn drop_changes(&mut self) {
        for file in self.files.values_mut() {
            for object in &mut file.objects {
                object.keep_only_findings();
            }
        }
    }

    pub(super) fn finish(mut self, changes: Vec<Change>, unproven: bool) -> ChartFix {
        for change in &changes {
            let file = self.file(&change.rel);
            if file.status != FileStatus::Error {
                file.status = FileStatus::Changed;
            }
        }
        let mut reports: Vec<FileReport> = self.files.into_values().collect();
        reports.sort_by(|a, b| a.path.cmp(&b.path));
        ChartFix {
            reports,
            changes,
            unproven,
        }
    }
}

/// A copy of a chart in a temporary directory, with some files replaced.
pub(super) struct ChartCopy {
    _dir: tempfile::TempDir,
    chart: PathBuf,
}

impl ChartCopy {
    /// The copied chart's root.
    pub(super) fn chart(&self) -> &Path {
        &self.chart
    }
}

/// Copies the chart at `root` and writes the changed files into the copy.
pub(super) fn copy_with(root: &Path, changes: &[Change]) -> io::Result<ChartCopy> {
    let dir = tempfile::Builder::new()
        .prefix("seccomp-fix-chart-")
        .tempdir()?;
    let chart = dir.path().join("chart");
    copy_dir(root, &chart)?;
    for change in changes {
        std::fs::write(chart.join(&change.rel), &change.new)?;
    }
    Ok(ChartCopy { _dir: dir, chart })
}

fn copy_dir(from: &Path, to: &Path) -> io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let name = entry.file_name();
        if name == ".git" {
            continue;
        }
        let kind = entry.file_type()?;
        let target = to.join(&name);
        if kind.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else if kind.is_file() || (kind.is_symlink() && entry.path().is_file()) {
            std::fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}
