//! The audit as SARIF 2.1.0. It reuses the fixer's SARIF log (tool, rules:
//! every core code) as the envelope, adds the `restricted-seccomp` rule, and
//! adds one result per core record of each reported object plus one per
//! object failing the rule. Live objects have no file: results carry a
//! logical location `namespace/Kind/name` and the record's JSON pointer.
use seccomp_core::Severity;
use serde_json::{json, Value};

use super::report::{ObjectReport, Report};

/// Rule id of the Pod Security Standards `restricted` seccomp check (CIS 5.3.3).
pub const RESTRICTED_RULE: &str = "restricted-seccomp";

/// Builds the SARIF log of `report`.
pub fn render(report: &Report) -> Value {
    let mut log = crate::report::sarif::render(&[]);
    let run = &mut log["runs"][0];
    if let Some(rules) = run["tool"]["driver"]["rules"].as_array_mut() {
        rules.push(json!({
            "id": RESTRICTED_RULE,
            "shortDescription": {"text": "Pod Security Standards restricted: the seccomp profile must be \
                RuntimeDefault or Localhost for every container (CIS 5.3.3)"},
            "defaultConfiguration": {"level": "warning"},
        }));
    }
    let rule_ids: Vec<String> = run["tool"]["driver"]["rules"]
        .as_array()
        .map(|rules| {
            rules
                .iter()
                .filter_map(|r| r["id"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let mut results = Vec::new();
    for object in &report.objects {
        let name = format!("{}/{}/{}", object.namespace, object.kind, object.name);
        if !object.passes_restricted {
            let message = format!("{} {name} fails the restricted seccomp rule", object.kind);
            results.push(result(
                &rule_ids,
                RESTRICTED_RULE,
                "warning",
                &message,
                &name,
                object,
                None,
            ));
        }
        for record in &object.records {
            let message = format!("{name}: {}", record.message);
            let level = level(record.severity);
            let pointer = Some(record.pointer.as_str());
            results.push(result(
                &rule_ids,
                record.code.as_str(),
                level,
                &message,
                &name,
                object,
                pointer,
            ));
        }
    }
    run["results"] = Value::Array(results);
    log
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Info => "note",
        Severity::Warning => "warning",
        Severity::Error => "error",
    }
}

fn result(
    rule_ids: &[String],
    rule_id: &str,
    level: &str,
    message: &str,
    name: &str,
    object: &ObjectReport,
    pointer: Option<&str>,
) -> Value {
    let mut properties =
        json!({"apiVersion": object.api_version, "outcome": object.outcome.as_str()});
    if let Some(pointer) = pointer {
        properties["pointer"] = json!(pointer);
    }
    let mut result = json!({
        "ruleId": rule_id,
        "level": level,
        "message": {"text": message},
        "locations": [{"logicalLocations": [{"fullyQualifiedName": name, "kind": "resource"}]}],
        "properties": properties,
    });
    if let Some(index) = rule_ids.iter().position(|id| id == rule_id) {
        result["ruleIndex"] = json!(index);
    }
    result
}
