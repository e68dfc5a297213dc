//! `--format sarif`: SARIF 2.1.0 for code scanning. Rule ids are the finding
//! codes; every finding is a result located at its file and line. The
//! envelope, levels and the core's rules come from `seccomp_core::sarif`.

use seccomp_core::sarif::{code_rules, level, log, rule};
use seccomp_core::Severity;
use serde_json::{json, Value};

use super::ChartCode;
use super::{FileReport, FileStatus, FixerCode};

/// Rule id of YAML syntax errors.
const SYNTAX: &str = "yaml-syntax-error";
/// Rule id of files that could not be read.
const READ: &str = "read-error";
/// Rule id of skipped templates.
const TEMPLATE: &str = "template-skipped";

/// The fixer's rules: the core's codes, its own codes, file-level outcomes.
fn rules() -> Vec<Value> {
    let mut rules = code_rules();
    for code in FixerCode::all() {
        rules.push(rule(code.as_str(), code.description(), Severity::Error));
    }
    for code in ChartCode::all() {
        rules.push(rule(code.as_str(), code.description(), code.severity()));
    }
    rules.push(rule(
        SYNTAX,
        "The file is not valid YAML; left untouched",
        Severity::Error,
    ));
    rules.push(rule(
        READ,
        "The file could not be read or verified; left untouched",
        Severity::Error,
    ));
    rules.push(rule(
        TEMPLATE,
        "A Go/Helm template, not edited",
        Severity::Info,
    ));
    rules
}

fn result(
    rule_id: &str,
    severity: Severity,
    message: &str,
    path: &str,
    line: Option<usize>,
) -> Value {
    let mut location = json!({"artifactLocation": {"uri": path.replace('\\', "/")}});
    if let Some(line) = line {
        location["region"] = json!({"startLine": line.max(1)});
    }
    json!({
        "ruleId": rule_id,
        "level": level(severity),
        "message": {"text": message},
        "locations": [{"physicalLocation": location}],
    })
}

/// The SARIF log.
pub fn render(files: &[FileReport]) -> Value {
    let mut results = Vec::new();
    for file in files {
        match file.status {
            FileStatus::Error => {
                let message = file.error.clone().unwrap_or_default();
                let id = if file.error_line.is_some() {
                    SYNTAX
                } else {
                    READ
                };
                results.push(result(
                    id,
                    Severity::Error,
                    &message,
                    &file.path,
                    file.error_line,
                ));
            }
            FileStatus::SkippedTemplate => results.push(result(
                TEMPLATE,
                Severity::Info,
                "Go/Helm template skipped",
                &file.path,
                None,
            )),
            _ => {}
        }
        for object in &file.objects {
            for f in &object.findings {
                let text = format!("{} {}: {}", object.kind, object.name, f.message);
                results.push(result(
                    f.code,
                    f.severity,
                    text.trim(),
                    &file.path,
                    Some(f.line),
                ));
            }
        }
    }
    log("seccomp-fix", env!("CARGO_PKG_VERSION"), rules(), results)
}
