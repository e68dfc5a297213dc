//! The legacy kustomize exec-plugin protocol (what `kubectl kustomize
//! --enable-alpha-plugins` runs): a plain YAML stream on stdin, the plugin's
//! config file as first argument, the fixed stream on stdout.

use std::io::Write;

use anyhow::{bail, Context};

use super::{policy_for, KrmArgs};
use crate::pipeline::input::read_regular_file;
use crate::pipeline::{process, FileError};
use crate::report::FileStatus;
use lossless_yaml::tree;
use lossless_yaml::value::to_value;

/// The legacy exec-plugin protocol: a YAML stream in, the fixed stream out,
/// findings on stderr.
pub(super) fn legacy_stream(input: &str, args: &KrmArgs) -> anyhow::Result<String> {
    let config = match &args.plugin_config {
        Some(path) => {
            let bytes = read_regular_file(path)
                .with_context(|| format!("reading plugin config {}", path.display()))?;
            let text = String::from_utf8(bytes)
                .with_context(|| format!("plugin config {}: not UTF-8", path.display()))?;
            let docs = tree::parse(&text).map_err(|e| anyhow::anyhow!("{}:{e}", path.display()))?;
            docs.first()
                .map(to_value)
                .transpose()
                .context("plugin config")?
        }
        None => None,
    };
    let policy = policy_for(&args.policy, config.as_ref())?;
    let processed = process(input, &policy, false);
    let mut err = std::io::stderr().lock();
    for object in &processed.objects {
        for f in object.findings.iter().filter(|f| !f.change) {
            let _ = writeln!(
                err,
                "seccomp-fix: {} {}/{}: {}: {}",
                f.severity.as_str(),
                object.kind,
                object.name,
                f.code,
                f.message
            );
        }
    }
    match (processed.status, processed.error) {
        (_, Some(FileError::Invalid(e))) => bail!("stdin:{e}"),
        // kustomize sends the resources it built, never a template: text
        // that only parses as one is not a resource stream.
        (FileStatus::SkippedTemplate, _) => {
            bail!("stdin: not a YAML resource stream (looks like a Go template)")
        }
        (_, Some(internal)) => {
            let _ = writeln!(
                err,
                "seccomp-fix: internal error, resources left unchanged: {internal}"
            );
            Ok(input.to_owned())
        }
        _ => Ok(processed.new_text.unwrap_or_else(|| input.to_owned())),
    }
}
