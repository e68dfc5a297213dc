//! The audit as SARIF 2.1.0, built with the core's SARIF pieces (envelope,
//! rule declarations for every record code, levels), as the fixer's log is;
//! it adds the `restricted-seccomp` rule, one result per core record of each
//! reported object and one per object failing the rule. Live objects have no file: results carry a
//! logical location `namespace/Kind/name` and the record's JSON pointer.
use seccomp_core::{sarif, Severity};
use serde_json::{json, Value};

use crate::report::{Report, WorkloadReport};

/// Rule id of the Pod Security Standards `restricted` seccomp check (CIS 5.3.3).
pub const RESTRICTED_RULE: &str = "restricted-seccomp";

/// Builds the SARIF log of `report`.
pub fn render(report: &Report) -> Value {
    let mut rules = sarif::code_rules();
    rules.push(sarif::rule(
        RESTRICTED_RULE,
        "Pod Security Standards restricted: the seccomp profile must be \
         RuntimeDefault or Localhost for every container (CIS 5.3.3)",
        Severity::Warning,
    ));
    let rule_ids: Vec<String> = rules
        .iter()
        .filter_map(|r| r["id"].as_str().map(str::to_owned))
        .collect();
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
            let level = sarif::level(record.severity);
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
    sarif::log("seccomp-fix", env!("CARGO_PKG_VERSION"), rules, results)
}

fn result(
    rule_ids: &[String],
    rule_id: &str,
    level: &str,
    message: &str,
    name: &str,
    object: &WorkloadReport,
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
