//! `--format json`: every file with a status other than unchanged/ignored, or
//! with findings, and the summary.

use serde_json::{json, Value};

use super::{FileReport, FileStatus, Summary};

/// The JSON report.
pub fn render(files: &[FileReport], summary: &Summary, dry: bool) -> Value {
    let listed: Vec<&FileReport> = files
        .iter()
        .filter(|f| {
            !matches!(f.status, FileStatus::Unchanged | FileStatus::Ignored)
                || !f.objects.is_empty()
        })
        .collect();
    json!({
        "dryRun": dry,
        "files": listed,
        "summary": summary,
    })
}
