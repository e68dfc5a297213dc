//! SARIF 2.1.0 pieces for the core's records, shared by every SARIF writer
//! (`seccomp-fix fix --format sarif` and the audit): the level of a severity,
//! a rule declaration, one rule per record [`Code`], and the log envelope.
//! Results stay with each writer: a file finding and a live object are
//! located differently.
//!
//! ```
//! use seccomp_core::{sarif, Severity};
//! let mut rules = sarif::code_rules();
//! rules.push(sarif::rule("my-rule", "What it checks", Severity::Warning));
//! let log = sarif::log("my-tool", "1.0.0", rules, Vec::new());
//! assert_eq!(log["version"], "2.1.0");
//! assert_eq!(log["runs"][0]["tool"]["driver"]["rules"][0]["id"], "pod-profile-defaulted");
//! ```

use serde_json::{json, Value};

use crate::record::{Code, Severity};

/// Where a log's tool points for more information: the project's home.
const INFORMATION_URI: &str = "https://example.invalid/seccomp-defaulter";

/// The SARIF level of a severity (`note`, `warning`, `error`).
pub fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Info => "note",
        Severity::Warning => "warning",
        Severity::Error => "error",
    }
}

/// A rule declaration: id, short description, default level.
pub fn rule(id: &str, text: &str, severity: Severity) -> Value {
    json!({
        "id": id,
        "shortDescription": {"text": text},
        "defaultConfiguration": {"level": level(severity)},
    })
}

/// One rule per record code, in [`Code::all`] order; the id is the code.
pub fn code_rules() -> Vec<Value> {
    Code::all()
        .iter()
        .map(|c| {
            let text = c.as_str().replace('-', " ");
            rule(c.as_str(), &text, c.severity())
        })
        .collect()
}

/// A SARIF 2.1.0 log with one run of the tool `name` at `version`.
pub fn log(name: &str, version: &str, rules: Vec<Value>, results: Vec<Value>) -> Value {
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": name,
                "version": version,
                "informationUri": INFORMATION_URI,
                "rules": rules,
            }},
            "results": results,
        }],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_a_rule_at_its_severitys_level() {
        let rules = code_rules();
        assert_eq!(rules.len(), Code::all().len());
        for (rule, code) in rules.iter().zip(Code::all()) {
            assert_eq!(rule["id"], code.as_str());
            assert_eq!(
                rule["defaultConfiguration"]["level"],
                level(code.severity())
            );
        }
        assert_eq!(
            rules[0]["shortDescription"]["text"],
            "pod profile defaulted"
        );
    }

    #[test]
    fn levels_are_sarifs_names() {
        assert_eq!(level(Severity::Info), "note");
        assert_eq!(level(Severity::Warning), "warning");
        assert_eq!(level(Severity::Error), "error");
    }
}
