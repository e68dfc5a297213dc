//! A Helm chart as one input of `seccomp-fix fix`: fixed by `crate::chart`,
//! shown as the diff of its files, or written as a whole.

use std::path::{Path, PathBuf};

use seccomp_core::Policy;

use super::{unified_diff, write, Handled, Mode};
use crate::chart::{self, Change, Helm};
use crate::report::FileStatus;

/// Fixes the chart at `root` (its walked `files`).
pub(super) fn handle(
    root: &Path,
    files: &[PathBuf],
    policy: &Policy,
    mode: Mode,
    helm: &Helm,
) -> Handled {
    let outcome = chart::fix(root, files, policy, helm);
    let mut reports = outcome.reports;
    let mut stdout = None;
    if !outcome.changes.is_empty() {
        if mode.shows_diff() {
            let diff: String = outcome
                .changes
                .iter()
                .map(|c| unified_diff(&c.path.display().to_string(), &c.old, &c.new))
                .collect();
            stdout = Some(diff);
        } else if mode.writes() {
            if let Err(err) = write_all(&outcome.changes) {
                for report in &mut reports {
                    if report.status == FileStatus::Changed {
                        report.status = FileStatus::Error;
                        report.error = Some(format!("cannot write, chart left untouched: {err}"));
                    }
                    for object in &mut report.objects {
                        object.keep_only_findings();
                    }
                }
            }
        }
    }
    Handled {
        reports,
        stdout,
        unproven: outcome.unproven,
    }
}

/// Writes every changed file or none: all temp files first, then the
/// renames; a rename that fails puts the files already renamed back.
fn write_all(changes: &[Change]) -> std::io::Result<()> {
    let prepared = changes
        .iter()
        .map(|c| write::prepare(&c.path, c.new.as_bytes()))
        .collect::<std::io::Result<Vec<_>>>()?;
    for (done, file) in prepared.into_iter().enumerate() {
        if let Err(err) = file.commit() {
            for change in &changes[..done] {
                let _ = write::write_atomic(&change.path, change.old.as_bytes());
            }
            return Err(err);
        }
    }
    Ok(())
}
