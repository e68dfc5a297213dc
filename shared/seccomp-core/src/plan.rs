//! The plan of one object: its patch and its records.

use json_patch::Patch;
use serde_json::Value;

use crate::error::CoreError;
use crate::locate::{locate, MAX_LIST_DEPTH};
use crate::pod::{plan_pod, Draft};
use crate::policy::Policy;
use crate::record::{Code, Record, Severity};

/// What to change in one object, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// RFC 6902 patch against the object as given; empty when nothing changes.
    pub patch: Patch,
    /// Changes and findings, in the order the pods were planned.
    pub records: Vec<Record>,
    /// How many pod specs the object carries (skipped ones included).
    pub pods: usize,
}

impl Plan {
    /// True when the patch is empty.
    pub fn is_noop(&self) -> bool {
        self.patch.0.is_empty()
    }

    /// The object with the patch applied.
    pub fn apply(&self, object: &Value) -> Result<Value, CoreError> {
        let mut fixed = object.clone();
        json_patch::patch(&mut fixed, &self.patch.0).map_err(CoreError::Apply)?;
        Ok(fixed)
    }

    /// Records a report shows ([`Record::is_reportable`]).
    pub fn reportable(&self) -> impl Iterator<Item = &Record> {
        self.records.iter().filter(|r| r.is_reportable())
    }

    /// Records that describe a change.
    pub fn changes(&self) -> impl Iterator<Item = &Record> {
        self.records.iter().filter(|r| r.is_change())
    }

    /// The highest severity among the records that are not changes, if any.
    pub fn worst_finding(&self) -> Option<Severity> {
        self.records
            .iter()
            .filter(|r| !r.is_change())
            .map(|r| r.severity)
            .max()
    }
}

/// Plans `object` (a single object or a `List`) under `policy`. Never fails:
/// objects it cannot interpret produce records and no operations.
pub fn plan(object: &Value, policy: &Policy) -> Plan {
    let mut out = Draft::default();
    let mut pods = 0;
    for site in locate(object, policy) {
        match &site.pod {
            Some(pod) => {
                pods += 1;
                plan_pod(object, &site.object, pod, policy, &mut out);
            }
            None if site.too_deep => {
                let msg =
                    format!("List nested over {MAX_LIST_DEPTH} deep: its items are not checked");
                out.records
                    .push(Record::new(Code::ListTooDeep, site.object.to_string(), msg));
            }
            None => {
                let what = match (site.api_version.as_str(), site.kind.as_str()) {
                    (_, "") => "object without kind".to_owned(),
                    (api, kind) => format!("{api} {kind}"),
                };
                let msg = format!("{what} carries no pod template: not applicable");
                out.records.push(Record::new(
                    Code::NotApplicable,
                    site.object.to_string(),
                    msg,
                ));
            }
        }
    }
    Plan {
        patch: Patch(out.ops),
        records: out.records,
        pods,
    }
}
