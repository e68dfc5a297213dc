//! `seccomp-fix krm`: a KRM function for kustomize and kpt.
//!
//! Reads a `config.kubernetes.io/v1` `ResourceList` on stdin, fixes its
//! `items` with the core and writes the `ResourceList` to stdout with a
//! `results` entry per change and finding. The ResourceList text is edited
//! with the same splicing editor as `fix` (comments in items survive) and
//! verified the same way; if an edit does not verify, the items go out
//! unchanged with an error result.
//!
//! The policy comes from the flags, or from the `functionConfig`: its `spec`
//! (any kind) or a ConfigMap's `data.policy` holding the policy YAML.
//!
//! `kubectl kustomize` cannot run exec KRM functions (it has no
//! `--enable-exec`), but with `--enable-alpha-plugins` it runs legacy exec
//! plugins: the resources as a plain YAML stream on stdin and the plugin's
//! config file as the first argument. When stdin is not a ResourceList, this
//! command speaks that protocol: it fixes the stream like `fix -` and takes
//! the policy from the config file's `spec`. See docs/fixer.md.

use std::io::{Read, Write};
use std::process::ExitCode;

use anyhow::{bail, Context};
use json_patch::{Patch, PatchOperation};
use seccomp_core::{plan, Policy};
use serde_json::{json, Value};

use crate::pipeline::{edit_object, HEAD_KEYS, KIND};
use crate::policy_args::PolicyArgs;
use legacy::legacy_stream;
use lossless_yaml::edit::{self, layout, splice};
use lossless_yaml::limits::Limits;
use lossless_yaml::tree;
use lossless_yaml::value::to_value;
use lossless_yaml::verify::{verify as verify_documents, Expected};
use results::{error_result, result};

mod legacy;
mod results;
#[cfg(test)]
mod tests;

/// Arguments of `seccomp-fix krm`.
#[derive(Debug, clap::Args)]
pub struct KrmArgs {
    /// Legacy kustomize exec plugin: the plugin's config file (its `spec` is the policy).
    #[arg(value_name = "PLUGIN_CONFIG")]
    pub plugin_config: Option<std::path::PathBuf>,
    /// Policy file (replaces the functionConfig's) and knobs (applied on top).
    #[command(flatten)]
    pub policy: PolicyArgs,
}

/// Runs the subcommand.
pub fn run(args: KrmArgs) -> anyhow::Result<ExitCode> {
    let mut input = String::new();
    std::io::stdin()
        .read_to_string(&mut input)
        .context("reading the ResourceList from stdin")?;
    let output = if is_resource_list(&input) {
        transform(&input, &args.policy).unwrap_or_else(|err| refused(&err))
    } else {
        Transformed {
            text: legacy_stream(&input, &args)?,
            errors: 0,
        }
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    out.write_all(output.text.as_bytes())
        .context("writing to stdout")?;
    out.flush().context("writing to stdout")?;
    // Like kyaml's function framework: error results fail the function.
    Ok(if output.errors > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// The output of the function, and how many of its results are errors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transformed {
    /// The ResourceList text to write.
    pub text: String,
    /// Results of severity `error` among those added.
    pub errors: usize,
}

/// Input refused (does not parse, is not one ResourceList, `items` is not a
/// list, the functionConfig policy is invalid): a ResourceList with only an
/// error result, as the KRM function spec asks, since there are no items
/// that could be passed on safely. The run exits non-zero.
fn refused(err: &anyhow::Error) -> Transformed {
    eprintln!("seccomp-fix: error: {err:#}");
    let list = json!({
        "apiVersion": "config.kubernetes.io/v1",
        "kind": "ResourceList",
        "results": [{
            "message": format!("seccomp-fix: invalid input, nothing changed: {err:#}"),
            "severity": "error",
        }],
    });
    Transformed {
        text: format!("{list:#}\n"),
        errors: 1,
    }
}

/// Whether the text is a `ResourceList`, decided on its top-level `kind` by
/// the event pre-scan (no tree is built: the chosen path parses it anyway).
/// A text that does not parse but has a `kind: ResourceList` line is one
/// too, so that it is refused with an error result.
fn is_resource_list(text: &str) -> bool {
    let (_, body) = lossless_yaml::strip_bom(text);
    match lossless_yaml::scan(body, &HEAD_KEYS) {
        Ok(scan) => scan.docs.first().and_then(|d| d.get(KIND)) == Some("ResourceList"),
        Err(_) => body.lines().any(|line| {
            let line = line.trim_end();
            line.strip_prefix("kind:")
                .is_some_and(|kind| matches!(kind.trim(), "ResourceList" | "\"ResourceList\""))
        }),
    }
}

/// The policy: `--config` if given, else the functionConfig's, else the
/// defaults; the knob flags are applied on top of whichever it is.
fn policy_for(args: &PolicyArgs, function_config: Option<&Value>) -> anyhow::Result<Policy> {
    if args.config.is_some() {
        return args.policy();
    }
    let base = match function_config {
        Some(fc) => match (fc.get("spec"), fc.pointer("/data/policy")) {
            (Some(spec), _) => Policy::from_value(spec.clone()),
            (None, Some(Value::String(text))) => crate::policy_args::policy_from_yaml(text),
            _ => Ok(Policy::default()),
        }
        .context("functionConfig policy")?,
        None => Policy::default(),
    };
    args.apply_to(base)
}

/// Fixes a ResourceList text; returns the output text, or why the input is
/// refused.
pub fn transform(input: &str, args: &PolicyArgs) -> anyhow::Result<Transformed> {
    let (_, body) = lossless_yaml::strip_bom(input);
    let docs = tree::parse(body).map_err(|e| anyhow::anyhow!("stdin:{e}"))?;
    let [doc] = docs.as_slice() else {
        bail!(
            "expected one ResourceList document on stdin, got {}",
            docs.len()
        );
    };
    let list = to_value(doc).context("reading the ResourceList")?;
    let items = match list.get("items") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items.clone(),
        Some(_) => bail!("the ResourceList's items is not a list"),
    };
    if list.get("kind").and_then(Value::as_str) != Some("ResourceList") {
        bail!(
            "stdin is not a ResourceList (kind: ResourceList, apiVersion: config.kubernetes.io/v1)"
        );
    }
    let policy = policy_for(args, list.get("functionConfig"))?;
    let layout = layout::detect(body, &docs, false);

    let mut expected = list.clone();
    let mut results = Vec::new();
    let mut splices = Vec::new();
    for (index, item) in items.iter().enumerate() {
        let planned = plan(item, &policy);
        let item_results: Vec<Value> = planned.reportable().map(|r| result(item, r)).collect();
        if planned.is_noop() {
            results.extend(item_results);
            continue;
        }
        let prefixed = Patch(planned.patch.0.iter().map(|op| prefix(op, index)).collect());
        match edit_object(body, &doc.root, &prefixed, &planned, item, layout) {
            Ok((edits, fixed)) => {
                splices.extend(edits);
                expected["items"][index] = fixed;
                results.extend(item_results);
            }
            Err(not_edited) => {
                // Left unchanged: the findings stay, the change records go.
                let findings = planned.reportable().filter(|r| !r.is_change());
                results.extend(findings.map(|r| result(item, r)));
                let message = format!("not fixed: {}", not_edited.message);
                results.push(error_result(item, &message));
            }
        }
    }
    let errors = results
        .iter()
        .filter(|r| r.get("severity").and_then(Value::as_str) == Some("error"))
        .count();
    // Results of earlier functions stay; ours are appended.
    let add = |path: jsonptr::PointerBuf, value: Value| {
        PatchOperation::Add(json_patch::AddOperation { path, value })
    };
    let add_results = match expected.get_mut("results").and_then(Value::as_array_mut) {
        Some(earlier) => {
            earlier.extend(results.iter().cloned());
            let path = || jsonptr::PointerBuf::from_tokens(["results", "-"]);
            Patch(results.into_iter().map(|r| add(path(), r)).collect())
        }
        None => {
            let results = Value::Array(results);
            expected["results"] = results.clone();
            Patch(vec![add(
                jsonptr::PointerBuf::from_tokens(["results"]),
                results,
            )])
        }
    };
    let edited = edit::edit(body, &doc.root, &add_results, layout)
        .map_err(|e| e.to_string())
        .and_then(|edits| {
            splices.extend(edits);
            splice::apply(body, splices).map_err(|e| e.to_string())
        })
        .and_then(|text| {
            verify_documents(
                &docs,
                &text,
                &[Expected::Value(expected)],
                &Limits::default(),
            )
            .map(|()| text)
            .map_err(|e| e.to_string())
        });
    match edited {
        Ok(text) => Ok(Transformed { text, errors }),
        Err(message) => {
            // Never lose the input: the items unchanged, an error result, as JSON.
            let mut fallback = list;
            let mut results = fallback
                .get("results")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            results.push(json!({
                "message": format!("seccomp-fix: internal error, items left unchanged: {message}"),
                "severity": "error",
            }));
            fallback["results"] = Value::Array(results);
            Ok(Transformed {
                text: format!("{fallback:#}\n"),
                errors: errors + 1,
            })
        }
    }
}

fn prefix(op: &PatchOperation, index: usize) -> PatchOperation {
    let base = jsonptr::PointerBuf::from_tokens(["items".to_owned(), index.to_string()]);
    let join = |path: &jsonptr::Pointer| base.concat(path);
    match op {
        PatchOperation::Add(add) => PatchOperation::Add(json_patch::AddOperation {
            path: join(&add.path),
            value: add.value.clone(),
        }),
        PatchOperation::Remove(rm) => PatchOperation::Remove(json_patch::RemoveOperation {
            path: join(&rm.path),
        }),
        PatchOperation::Replace(rep) => PatchOperation::Replace(json_patch::ReplaceOperation {
            path: join(&rep.path),
            value: rep.value.clone(),
        }),
        other => other.clone(),
    }
}
