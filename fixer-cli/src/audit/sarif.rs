//! The audit as SARIF: one result per core record of each reported object,
//! plus one `restricted-seccomp` result per object failing the rule.
use serde_json::{json, Map};

use crate::sarif::{Finding, Level, Location, SarifLog};

use super::report::{ObjectReport, Report};

/// Rule id of the Pod Security Standards `restricted` seccomp check (CIS 5.3.3).
pub const RESTRICTED_RULE: &str = "restricted-seccomp";

/// Builds the SARIF log of `report`.
pub fn render(report: &Report) -> SarifLog {
    let mut log = SarifLog::with_core_rules();
    log.add_rule(
        RESTRICTED_RULE,
        "Pod Security Standards restricted: seccomp profile must be RuntimeDefault or Localhost (CIS 5.3.3)",
        Level::Warning,
    );
    for object in &report.objects {
        let name = format!("{}/{}/{}", object.namespace, object.kind, object.name);
        if !object.passes_restricted {
            log.push(Finding {
                rule_id: RESTRICTED_RULE.to_owned(),
                level: Level::Warning,
                message: format!("{} {name} fails the restricted seccomp rule", object.kind),
                location: location(&name),
                properties: properties(object, None),
            });
        }
        for record in &object.records {
            log.push(Finding {
                rule_id: record.code.as_str().to_owned(),
                level: record.severity.into(),
                message: format!("{name}: {}", record.message),
                location: location(&name),
                properties: properties(object, Some(&record.pointer)),
            });
        }
    }
    log
}

fn location(name: &str) -> Location {
    Location::Logical {
        name: name.to_owned(),
        kind: "resource",
    }
}

fn properties(object: &ObjectReport, pointer: Option<&str>) -> Map<String, serde_json::Value> {
    let mut map = Map::new();
    map.insert("apiVersion".to_owned(), json!(object.api_version));
    map.insert("outcome".to_owned(), json!(object.outcome.as_str()));
    if let Some(pointer) = pointer {
        map.insert("pointer".to_owned(), json!(pointer));
    }
    map
}
