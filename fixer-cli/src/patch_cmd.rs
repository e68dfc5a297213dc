//! `seccomp-fix patch FILE|-`: prints the RFC 6902 patch of every object.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;
use seccomp_core::plan;
use serde_json::{json, Value};

use crate::pipeline::input::{parse_documents, read_text};
use crate::policy_args::PolicyArgs;

/// Arguments of `seccomp-fix patch`.
#[derive(Debug, clap::Args)]
pub struct PatchArgs {
    /// Manifest file (YAML stream or JSON), or `-` for stdin.
    pub file: String,
    /// Policy file and knobs.
    #[command(flatten)]
    pub policy: PolicyArgs,
}

/// Prints one JSON line per document:
/// `{"document": N, "kind": K, "name": NAME, "patch": [...], "findings": [...]}`,
/// `document` counting from 0 as kustomize's `config.kubernetes.io/index` does.
/// Empty documents print nothing.
pub fn run(args: PatchArgs) -> anyhow::Result<ExitCode> {
    let policy = args.policy.policy()?;
    let text = read_text(&args.file)?;
    let documents = parse_documents(&args.file, &text)?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for (index, document) in documents.iter().enumerate() {
        if document.is_null() {
            continue;
        }
        let plan = plan(document, &policy);
        let line = json!({
            "document": index,
            "kind": document.get("kind").cloned().unwrap_or(Value::Null),
            "name": document.pointer("/metadata/name").cloned().unwrap_or(Value::Null),
            "patch": plan.patch,
            "findings": plan.records,
        });
        writeln!(out, "{line}").context("writing to stdout")?;
    }
    Ok(ExitCode::SUCCESS)
}
