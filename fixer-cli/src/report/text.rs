//! Human-readable report: one line per change or finding, `path:line:` first
//! so editors and terminals can jump to it, then a summary line. Streamed
//! file by file.

use std::io::{self, Write};

use super::{FileReport, FileStatus, Summary};

/// Writes the lines of one file. `dry` is true when nothing is written
/// (`--check`, `--diff`, `--stdout`).
pub fn write_file(out: &mut dyn Write, file: &FileReport, dry: bool) -> io::Result<()> {
    match file.status {
        FileStatus::SkippedTemplate => writeln!(
            out,
            "{}: skipped: Go/Helm template ({{{{ ... }}}})",
            file.path
        )?,
        FileStatus::Error => {
            let message = file.error.as_deref().unwrap_or("error");
            if file.error_line.is_some() {
                writeln!(out, "{}:{message}", file.path)?;
            } else {
                writeln!(out, "{}: error: {message}", file.path)?;
            }
        }
        FileStatus::Changed => {
            let n = file.objects.iter().filter(|o| o.fixed).count();
            let verb = if dry { "would fix" } else { "fixed" };
            writeln!(out, "{}: {verb} {n} object{}", file.path, plural(n))?;
        }
        FileStatus::Unchanged | FileStatus::Ignored => {}
    }
    for object in &file.objects {
        let what = if object.name.is_empty() {
            object.kind.clone()
        } else {
            format!("{}/{}", object.kind, object.name)
        };
        for f in &object.findings {
            writeln!(
                out,
                "{}:{}: {} {}: {what}: {}",
                file.path,
                f.line,
                f.severity.as_str(),
                f.code,
                f.message
            )?;
        }
    }
    Ok(())
}

/// Writes the summary line.
pub fn write_summary(out: &mut dyn Write, summary: &Summary, dry: bool) -> io::Result<()> {
    let verb = if dry { "would be fixed" } else { "fixed" };
    writeln!(
        out,
        "{} object{} {verb} in {} file{}; {} skipped, {} error{} ({} file{} scanned)",
        summary.objects_fixed,
        plural(summary.objects_fixed),
        summary.files_changed,
        plural(summary.files_changed),
        summary.skipped,
        summary.errors,
        plural(summary.errors),
        summary.files,
        plural(summary.files),
    )
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}
