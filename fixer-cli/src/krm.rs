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
use seccomp_core::{plan, Code, Policy, Record, Severity};
use serde_json::{json, Map, Value};

use crate::edit::{self, layout, splice};
use crate::fix::process::{process, Status};
use crate::fix::{verify::verify as verify_documents, PolicyArgs};
use crate::yaml::tree;
use crate::yaml::value::to_value;

/// Arguments of `seccomp-fix krm`.
#[derive(Debug, clap::Args)]
pub struct KrmArgs {
    /// Legacy kustomize exec plugin: the plugin's config file (its `spec` is the policy).
    #[arg(value_name = "PLUGIN_CONFIG")]
    pub plugin_config: Option<std::path::PathBuf>,
    /// Policy file and knobs (they win over the functionConfig).
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
        transform(&input, &args.policy)?
    } else {
        legacy_stream(&input, &args)?
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    out.write_all(output.as_bytes())
        .context("writing to stdout")?;
    out.flush().context("writing to stdout")?;
    Ok(ExitCode::SUCCESS)
}

/// Whether the text is a `ResourceList` (decided on its top-level `kind`).
fn is_resource_list(text: &str) -> bool {
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    tree::parse(body).is_ok_and(|docs| {
        docs.first()
            .and_then(|d| d.root.get("kind"))
            .and_then(tree::Node::scalar)
            == Some("ResourceList")
    })
}

/// The legacy exec-plugin protocol: a YAML stream in, the fixed stream out,
/// findings on stderr.
fn legacy_stream(input: &str, args: &KrmArgs) -> anyhow::Result<String> {
    let config = match &args.plugin_config {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading plugin config {}", path.display()))?;
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
    match processed.status {
        Status::Invalid(e) => bail!("stdin:{e}"),
        Status::Internal(message) => {
            let _ = writeln!(
                err,
                "seccomp-fix: internal error, resources left unchanged: {message}"
            );
            Ok(input.to_owned())
        }
        _ => Ok(processed.new_text.unwrap_or_else(|| input.to_owned())),
    }
}

/// The policy: explicit flags/config first, else the functionConfig.
fn policy_for(args: &PolicyArgs, function_config: Option<&Value>) -> anyhow::Result<Policy> {
    let flags_given = args.config.is_some()
        || args.default_profile.is_some()
        || args.keep_annotations
        || args.no_migrate_annotations
        || args.harden_unconfined
        || args.skip_annotation.is_some();
    if flags_given {
        return args.policy();
    }
    let from_config = function_config.and_then(|fc| {
        fc.get("spec").map(Value::to_string).or_else(|| {
            fc.pointer("/data/policy")
                .and_then(Value::as_str)
                .map(str::to_owned)
        })
    });
    match from_config {
        Some(text) => Policy::from_yaml(&text).context("functionConfig policy"),
        None => Ok(Policy::default()),
    }
}

/// Fixes a ResourceList text; returns the output text.
pub fn transform(input: &str, args: &PolicyArgs) -> anyhow::Result<String> {
    let body = input.strip_prefix('\u{feff}').unwrap_or(input);
    let docs = tree::parse(body).map_err(|e| anyhow::anyhow!("stdin:{e}"))?;
    let [doc] = docs.as_slice() else {
        bail!(
            "expected one ResourceList document on stdin, got {}",
            docs.len()
        );
    };
    let list = to_value(doc).context("reading the ResourceList")?;
    if list.get("kind").and_then(Value::as_str) != Some("ResourceList") {
        bail!(
            "stdin is not a ResourceList (kind: ResourceList, apiVersion: config.kubernetes.io/v1)"
        );
    }
    let policy = policy_for(args, list.get("functionConfig"))?;
    let layout = layout::detect(body, &docs, false);
    let items = list
        .get("items")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();

    let mut expected = list.clone();
    let mut results = Vec::new();
    let mut splices = Vec::new();
    for (index, item) in items.iter().enumerate() {
        let planned = plan(item, &policy);
        let reportable = planned
            .records
            .iter()
            .filter(|r| r.code != Code::NotApplicable);
        let item_results: Vec<Value> = reportable.map(|r| result(item, r)).collect();
        if planned.is_noop() {
            results.extend(item_results);
            continue;
        }
        let prefixed = Patch(planned.patch.0.iter().map(|op| prefix(op, index)).collect());
        let fixed = planned.apply(item);
        match (edit::edit(body, &doc.root, &prefixed, layout), fixed) {
            (Ok(edits), Ok(fixed)) => {
                splices.extend(edits);
                expected["items"][index] = fixed;
                results.extend(item_results);
            }
            (Err(err), _) => {
                results.extend(item_results.into_iter().filter(|r| r["severity"] != "info"));
                results.push(error_result(item, &format!("not fixed: {err}")));
            }
            (Ok(_), Err(err)) => results.push(error_result(item, &format!("not fixed: {err}"))),
        }
    }
    let results = Value::Array(results);
    let add_results = Patch(vec![PatchOperation::Add(json_patch::AddOperation {
        path: jsonptr::PointerBuf::from_tokens(["results"]),
        value: results.clone(),
    })]);
    expected["results"] = results;
    let edited = edit::edit(body, &doc.root, &add_results, layout)
        .map_err(|e| e.to_string())
        .and_then(|edits| {
            splices.extend(edits);
            splice::apply(body, splices).map_err(|e| e.to_string())
        })
        .and_then(|text| verify_documents(&docs, &text, &[Some(expected)]).map(|()| text));
    match edited {
        Ok(text) => Ok(text),
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
            Ok(format!("{fallback:#}\n"))
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

fn severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Info => "info",
        Severity::Warning => "warning",
        Severity::Error => "error",
    }
}

/// `resourceRef` and `file` of an item, from its metadata and the
/// annotations kustomize and kpt put on it.
fn locate_item(item: &Value, out: &mut Map<String, Value>) {
    let meta = |key: &str| item.pointer(&format!("/metadata/{key}")).cloned();
    let mut reference = Map::new();
    for (key, value) in [
        ("apiVersion", item.get("apiVersion").cloned()),
        ("kind", item.get("kind").cloned()),
        ("name", meta("name")),
        ("namespace", meta("namespace")),
    ] {
        if let Some(value) = value {
            reference.insert(key.to_owned(), value);
        }
    }
    out.insert("resourceRef".to_owned(), Value::Object(reference));
    let annotation = |key: &str| {
        item.pointer("/metadata/annotations")
            .and_then(|a| a.get(key))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let path = annotation("internal.config.kubernetes.io/path")
        .or_else(|| annotation("config.kubernetes.io/path"));
    if let Some(path) = path {
        let mut file = json!({"path": path});
        let index = annotation("internal.config.kubernetes.io/index")
            .or_else(|| annotation("config.kubernetes.io/index"));
        if let Some(index) = index.and_then(|i| i.parse::<u64>().ok()) {
            file["index"] = json!(index);
        }
        out.insert("file".to_owned(), file);
    }
}

/// A KRM result for a core record.
fn result(item: &Value, record: &Record) -> Value {
    let mut out = Map::new();
    out.insert(
        "message".to_owned(),
        json!(format!("{}: {}", record.code, record.message)),
    );
    out.insert("severity".to_owned(), json!(severity(record.severity)));
    locate_item(item, &mut out);
    out.insert(
        "field".to_owned(),
        json!({"path": field_path(&record.pointer)}),
    );
    Value::Object(out)
}

fn error_result(item: &Value, message: &str) -> Value {
    let mut out = Map::new();
    out.insert("message".to_owned(), json!(message));
    out.insert("severity".to_owned(), json!("error"));
    locate_item(item, &mut out);
    Value::Object(out)
}

/// A JSON pointer as a kpt field path: `spec.containers[0].securityContext`.
fn field_path(pointer: &str) -> String {
    let Ok(ptr) = jsonptr::Pointer::parse(pointer) else {
        return pointer.to_owned();
    };
    let mut out = String::new();
    for token in ptr.tokens() {
        let token = token.decoded();
        if token.parse::<usize>().is_ok() {
            out.push_str(&format!("[{token}]"));
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(&token);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    const LIST: &str = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n# the app\n- apiVersion: v1\n  kind: Pod\n  metadata:\n    name: p\n    annotations:\n      config.kubernetes.io/index: '0'\n      internal.config.kubernetes.io/path: pod.yaml\n  spec:\n    containers:\n    - name: a\n      image: busybox\n- apiVersion: v1\n  kind: Service\n  metadata:\n    name: s\n";

    #[test]
    fn items_are_fixed_and_results_added() {
        let out = transform(LIST, &PolicyArgs::default()).unwrap();
        let docs = tree::parse(&out).unwrap();
        let value = to_value(&docs[0]).unwrap();
        assert_eq!(
            value.pointer("/items/0/spec/securityContext/seccompProfile/type"),
            Some(&json!("RuntimeDefault"))
        );
        assert!(out.contains("# the app\n"), "comments in items survive");
        let results = value["results"].as_array().unwrap();
        assert_eq!(results.len(), 1, "{results:?}");
        assert_eq!(results[0]["severity"], "info");
        assert_eq!(results[0]["resourceRef"]["name"], "p");
        assert_eq!(results[0]["file"], json!({"path": "pod.yaml", "index": 0}));
        assert_eq!(
            results[0]["field"]["path"],
            "spec.securityContext.seccompProfile"
        );
        assert_eq!(
            value["items"][1],
            json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"}})
        );
    }

    #[test]
    fn function_config_spec_is_the_policy() {
        let input = format!(
            "{LIST}functionConfig:\n  apiVersion: seccomp-defaulter.io/v1\n  kind: SeccompPolicy\n  spec:\n    defaultProfile: {{type: Localhost, localhostProfile: p.json}}\n"
        );
        let out = transform(&input, &PolicyArgs::default()).unwrap();
        assert!(out.contains("localhostProfile: p.json"), "{out}");
        let bad = format!("{LIST}functionConfig:\n  kind: X\n  spec:\n    bogus: 1\n");
        assert!(transform(&bad, &PolicyArgs::default()).is_err());
    }

    #[test]
    fn non_resource_lists_are_refused_by_transform() {
        assert!(transform("kind: Pod\n", &PolicyArgs::default()).is_err());
        assert!(transform("kind: [\n", &PolicyArgs::default()).is_err());
        assert!(is_resource_list(LIST));
        assert!(!is_resource_list("kind: Pod\n"));
    }

    #[test]
    fn legacy_streams_are_fixed_with_the_plugin_config_policy() {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("plugin.yaml");
        std::fs::write(&config, "kind: SeccompPolicy\nspec:\n  defaultProfile: {type: Localhost, localhostProfile: a.json}\n").unwrap();
        let args = KrmArgs {
            plugin_config: Some(config),
            policy: PolicyArgs::default(),
        };
        let stream = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers: []\n---\nkind: Service\n";
        let out = legacy_stream(stream, &args).unwrap();
        assert!(
            out.contains(
                "      type: Localhost\n      localhostProfile: a.json\n---\nkind: Service\n"
            ),
            "{out}"
        );
        assert!(legacy_stream("kind: [\n", &args).is_err());
    }

    #[test]
    fn field_paths() {
        assert_eq!(
            field_path("/spec/containers/0/securityContext"),
            "spec.containers[0].securityContext"
        );
        assert_eq!(
            field_path("/metadata/annotations/a~1b"),
            "metadata.annotations.a/b"
        );
    }
}
