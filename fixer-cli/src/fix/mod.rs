//! `seccomp-fix fix PATH...`: rewrites manifests in place with minimal diffs.
//!
//! Files are processed in parallel (rayon) and reported in a fixed order.
//! Each file is parsed with spans, planned by the core, edited by splicing
//! the original text, re-parsed and compared with the core's patched object
//! before anything is written (see docs/fixer.md).

mod chart_input;
pub mod walk;
mod write;

use std::io::{BufWriter, IsTerminal, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;
use seccomp_core::Policy;

use walk::{collect, Input};

use crate::pipeline::input::read_regular_file;
use crate::pipeline::{process, FileError};
use crate::policy_args::PolicyArgs;
use crate::report::{self, FileReport, FileStatus, ReportFormat, Summary};

/// Arguments of `seccomp-fix fix`.
#[derive(Debug, clap::Args)]
pub struct FixArgs {
    /// Files and directories to fix; `-` reads standard input and writes standard output.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Write nothing; exit 1 if any file would change.
    #[arg(long)]
    pub check: bool,
    /// Print a unified diff of the changes instead of writing.
    #[arg(long, conflicts_with = "stdout")]
    pub diff: bool,
    /// Print the fixed text of every file to standard output instead of writing.
    #[arg(long)]
    pub stdout: bool,
    /// Skip files and directories matching this glob (relative to the walked directory).
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Also walk hidden files and directories (`.deploy/`…); `.git` never.
    #[arg(long)]
    pub hidden: bool,
    /// Report format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: ReportFormat,
    /// Never show a progress bar.
    #[arg(long)]
    pub no_progress: bool,
    /// The helm binary that renders charts (default: `helm` on PATH).
    #[arg(long, value_name = "PATH", env = "SECCOMP_FIX_HELM")]
    pub helm: Option<PathBuf>,
    /// Policy file and knobs.
    #[command(flatten)]
    pub policy: PolicyArgs,
}

/// What to do with a changed file.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Mode {
    write: bool,
    diff: bool,
    stdout: bool,
}

impl Mode {
    /// Whether changed files are written.
    pub(crate) fn writes(self) -> bool {
        self.write
    }

    /// Whether changes are shown as a diff (`--diff`, and `--stdout` for charts).
    pub(crate) fn shows_diff(self) -> bool {
        self.diff || self.stdout
    }
}

/// One processed input: its reports (one per file; a chart has several),
/// what it prints on stdout, and whether it could not be checked at all.
struct Handled {
    reports: Vec<FileReport>,
    stdout: Option<String>,
    unproven: bool,
}

/// Runs the subcommand.
pub fn run(args: FixArgs) -> anyhow::Result<ExitCode> {
    let (inputs, walk_errors) = collect(&args.paths, &args.exclude, args.hidden);
    let policy = args.policy.policy()?;
    let helm = crate::chart::helm_from(args.helm.clone());
    let mode = Mode {
        write: !(args.check || args.diff || args.stdout),
        diff: args.diff,
        stdout: args.stdout,
    };
    let progress = progress_bar(inputs.len(), args.no_progress);
    let dry = !mode.write;
    let stdin_used = inputs.contains(&Input::Stdin);
    let report_on_stdout = !(mode.diff || mode.stdout || stdin_used);
    let mut stdout = BufWriter::new(std::io::stdout());
    let mut stderr = BufWriter::new(std::io::stderr());
    let mut summary = Summary::default();
    let mut unproven = 0usize;
    // Files with something to say, for the JSON and SARIF documents; the text
    // report is streamed, so memory stays flat however large the tree.
    let mut notable = Vec::new();
    let mut emit = |report: FileReport,
                    summary: &mut Summary,
                    stdout: &mut BufWriter<_>,
                    stderr: &mut BufWriter<_>|
     -> anyhow::Result<()> {
        summary.add(&report);
        if args.format == ReportFormat::Text {
            let out: &mut dyn Write = if report_on_stdout { stdout } else { stderr };
            report::text::write_file(out, &report, dry)?;
        } else if report.is_notable() {
            notable.push(report);
        }
        Ok(())
    };
    // Chunks keep memory bounded and the output in input order.
    for chunk in inputs.chunks(CHUNK) {
        let handled: Vec<Handled> = chunk
            .par_iter()
            .map(|input| {
                let handled = match input {
                    Input::Chart { root, files } => {
                        chart_input::handle(root, files, &policy, mode, &helm)
                    }
                    _ => handle(input, &policy, mode),
                };
                progress.inc(1);
                handled
            })
            .collect();
        for item in handled {
            if let Some(text) = &item.stdout {
                stdout
                    .write_all(text.as_bytes())
                    .context("writing to stdout")?;
            }
            unproven += usize::from(item.unproven);
            for report in item.reports {
                emit(report, &mut summary, &mut stdout, &mut stderr)?;
            }
        }
    }
    progress.finish_and_clear();
    for err in walk_errors {
        emit(
            error_report(err.path, err.message, None),
            &mut summary,
            &mut stdout,
            &mut stderr,
        )?;
    }
    let out: &mut dyn Write = if report_on_stdout {
        &mut stdout
    } else {
        &mut stderr
    };
    match args.format {
        ReportFormat::Text => report::text::write_summary(out, &summary, dry)?,
        ReportFormat::Json => writeln!(out, "{:#}", report::json::render(&notable, &summary, dry))?,
        ReportFormat::Sarif => writeln!(out, "{:#}", report::sarif::render(&notable))?,
    }
    stdout.flush().context("writing to stdout")?;
    stderr.flush()?;
    Ok(if summary.errors > 0 {
        ExitCode::from(2)
    } else if args.check && (summary.files_changed > 0 || unproven > 0) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Files processed in parallel before their results are printed.
const CHUNK: usize = 512;

fn progress_bar(len: usize, disabled: bool) -> ProgressBar {
    if disabled || len < 200 || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len as u64);
    if let Ok(style) = ProgressStyle::with_template("{bar:40} {pos}/{len} files {elapsed}") {
        bar.set_style(style);
    }
    bar
}

fn error_report(path: String, message: String, line: Option<usize>) -> FileReport {
    FileReport {
        path,
        status: FileStatus::Error,
        error: Some(message),
        error_line: line,
        objects: Vec::new(),
        object_errors: 0,
    }
}

fn read_input(input: &Input) -> Result<Vec<u8>, String> {
    match input {
        Input::Stdin => {
            let mut bytes = Vec::new();
            std::io::stdin()
                .read_to_end(&mut bytes)
                .map_err(|e| format!("cannot read standard input: {e}"))?;
            Ok(bytes)
        }
        Input::File(path) | Input::Chart { root: path, .. } => {
            read_regular_file(path).map_err(|e| format!("cannot read: {e}"))
        }
    }
}

fn handle(input: &Input, policy: &Policy, mode: Mode) -> Handled {
    let name = input.display();
    let echo = mode.stdout || *input == Input::Stdin;
    let text = match read_input(input)
        .and_then(|b| String::from_utf8(b).map_err(|_| "not UTF-8 text: left untouched".to_owned()))
    {
        Ok(text) => text,
        Err(message) => {
            return Handled {
                reports: vec![error_report(name, message, None)],
                stdout: None,
                unproven: false,
            }
        }
    };
    let json_hint = matches!(input, Input::File(p) if p.extension().is_some_and(|e| e.eq_ignore_ascii_case("json")));
    let processed = process(&text, policy, json_hint);
    let mut report = FileReport {
        path: name.clone(),
        status: processed.status,
        error: None,
        error_line: None,
        objects: processed.objects,
        object_errors: processed.errors,
    };
    match processed.error {
        None => {}
        Some(FileError::Invalid(err)) => {
            report.error_line = Some(err.line);
            report.error = Some(err.to_string());
        }
        Some(internal) => {
            report.error = Some(format!("internal error, file left untouched: {internal}"));
        }
    }
    let mut stdout = None;
    match processed.new_text {
        Some(new_text) => {
            if mode.diff {
                stdout = Some(unified_diff(&name, &text, &new_text));
            } else if echo {
                stdout = Some(new_text);
            } else if mode.write {
                if let Input::File(path) = input {
                    if let Err(err) = write::write_atomic(path, new_text.as_bytes()) {
                        report.status = FileStatus::Error;
                        report.error = Some(format!("cannot write, file left untouched: {err}"));
                        for object in &mut report.objects {
                            object.keep_only_findings();
                        }
                    }
                }
            }
        }
        None if echo => stdout = Some(text),
        None => {}
    }
    Handled {
        reports: vec![report],
        stdout,
        unproven: false,
    }
}

/// A unified diff of one file, `a/` and `b/` prefixed like `git diff`.
pub(crate) fn unified_diff(name: &str, old: &str, new: &str) -> String {
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{name}"), &format!("b/{name}"))
        .to_string()
}
