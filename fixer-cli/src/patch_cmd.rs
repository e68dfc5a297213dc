//! `seccomp-fix patch FILE|-`: prints the RFC 6902 patch of every object.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;
use seccomp_core::{plan, Policy};
use serde_json::{json, Value};

use crate::input::{parse_documents, read_text};

/// Arguments of `seccomp-fix patch`.
#[derive(Debug, clap::Args)]
pub struct PatchArgs {
    /// Manifest file (YAML stream or JSON), or `-` for stdin.
    pub file: String,
    /// Policy file (SPEC §7); the built-in defaults when absent.
    #[arg(long, env = "SECCOMP_FIX_CONFIG")]
    pub config: Option<std::path::PathBuf>,
}

/// Prints one JSON line per document:
/// `{"document": N, "kind": K, "name": NAME, "patch": [...], "findings": [...]}`,
/// `document` counting from 0 as kustomize's `config.kubernetes.io/index` does.
/// Empty documents print nothing.
pub fn run(args: PatchArgs) -> anyhow::Result<ExitCode> {
    let policy = load_policy(args.config.as_deref())?;
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

/// Loads the policy file, or the defaults when none is given.
pub fn load_policy(path: Option<&std::path::Path>) -> anyhow::Result<Policy> {
    let Some(path) = path else {
        return Ok(Policy::default());
    };
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading policy {}", path.display()))?;
    Policy::from_yaml(&text).with_context(|| format!("policy {}", path.display()))
}
