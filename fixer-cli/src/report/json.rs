//! `--format json`: every notable file (a status other than unchanged or
//! ignored, or findings) and the summary.

use serde_json::{json, Value};

use super::{FileReport, Summary};

/// The JSON report over the notable files.
pub fn render(files: &[FileReport], summary: &Summary, dry: bool) -> Value {
    json!({
        "dryRun": dry,
        "files": files,
        "summary": summary,
    })
}
