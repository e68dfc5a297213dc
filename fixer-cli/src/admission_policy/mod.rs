//! `seccomp-fix admission-policy`: the core's decision as a
//! MutatingAdmissionPolicy (CEL, `admissionregistration.k8s.io/v1`, Kubernetes
//! 1.36+) with its binding, plus a companion ValidatingAdmissionPolicy bound
//! with `Warn` and `Audit` for the warnings (§9).
//!
//! The interface is narrow: [`generate`] takes the core's [`Policy`] and the
//! [`Options`] that are not policy (names, selectors, failure policy) and
//! returns the four objects. How the CEL reproduces the core, and where it
//! differs from the webhook: `docs/admission-policy.md`.

mod cel;
mod command;
mod mutating;
mod prefilter;
mod rules;
mod validating;
mod variables;

#[cfg(test)]
mod tests;

use seccomp_core::{CoreError, Policy};
use serde_json::{json, Value};

pub use command::{run, AdmissionPolicyArgs};

/// apiVersion of the generated objects.
pub const API_VERSION: &str = "admissionregistration.k8s.io/v1";
/// Annotation holding the policy (§7) the objects were generated from,
/// as JSON with sorted keys (the chart compares it with its values).
pub const POLICY_ANNOTATION: &str = "seccomp-defaulter.io/policy";
/// Annotation saying whether only Pods are matched (`"true"` / `"false"`).
pub const PODS_ONLY_ANNOTATION: &str = "seccomp-defaulter.io/pods-only";

/// The chart's default opt-out label (`webhook.optOutLabel`).
pub const DEFAULT_OPT_OUT_LABEL: &str = "seccomp-defaulter.io/skip";

/// What the API server does when the policy cannot be evaluated (a CEL
/// error, the cost budget exceeded).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
#[value(rename_all = "PascalCase")]
pub enum FailurePolicy {
    /// Reject the request.
    #[default]
    Fail,
    /// Admit it unchanged.
    Ignore,
}

impl FailurePolicy {
    fn as_str(self) -> &'static str {
        match self {
            FailurePolicy::Fail => "Fail",
            FailurePolicy::Ignore => "Ignore",
        }
    }
}

/// Everything about the generated objects that is not the policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// Name of the mutating policy and binding; the validating ones get `-warnings`.
    pub name: String,
    /// Match Pods only, never workload templates.
    pub pods_only: bool,
    /// Namespaces never matched besides kube-system.
    pub exclude_namespaces: Vec<String>,
    /// Label that opts a namespace or an object out when `"true"`.
    pub opt_out_label: String,
    /// The mutating policy's `failurePolicy`.
    pub failure_policy: FailurePolicy,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            name: "seccomp-defaulter".to_owned(),
            pods_only: false,
            exclude_namespaces: Vec::new(),
            opt_out_label: DEFAULT_OPT_OUT_LABEL.to_owned(),
            failure_policy: FailurePolicy::Fail,
        }
    }
}

/// Why the objects cannot be generated.
#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    /// The policy is invalid.
    #[error(transparent)]
    Policy(#[from] CoreError),
    /// A custom kind lacks the plural resource name `matchConstraints` needs.
    #[error(
        "customKinds[{index}] ({kind}): needs `resource`, its plural resource name \
         (e.g. rollouts), for the policy's matchConstraints"
    )]
    NoResource {
        /// Position in `customKinds`.
        index: usize,
        /// The kind.
        kind: String,
    },
    /// A custom kind's pod spec pointer cannot be followed in CEL.
    #[error("podSpecPointer {0:?}: {1}")]
    Pointer(String, String),
    /// A served kind missing from the core's §2 table (a bug).
    #[error("kind {0} is not in the core's pod kind table")]
    NotInCore(String),
}

/// The MutatingAdmissionPolicy, its binding, the ValidatingAdmissionPolicy and
/// its binding, for `policy`.
pub fn generate(policy: &Policy, options: &Options) -> Result<Vec<Value>, GenerateError> {
    policy.validate()?;
    let knobs = cel::Knobs::of(policy)?;
    let scope = rules::scope(policy, options.pods_only)?;
    let annotations = json!({
        POLICY_ANNOTATION: canonical_policy(policy),
        PODS_ONLY_ANNOTATION: options.pods_only.to_string(),
    });
    let input = Input {
        scope: &scope,
        knobs: &knobs,
        options,
        annotations: &annotations,
    };
    let [map, map_binding] = mutating::documents(&input);
    let [vap, vap_binding] = validating::documents(&input);
    Ok(vec![map, map_binding, vap, vap_binding])
}

/// What both policies are built from.
#[derive(Clone, Copy)]
struct Input<'a> {
    scope: &'a rules::Scope,
    knobs: &'a cel::Knobs,
    options: &'a Options,
    /// The policies' metadata annotations.
    annotations: &'a Value,
}

/// Skips an UPDATE of an object being deleted, as the webhook does.
const NOT_BEING_DELETED: &str =
    "request.operation != \"UPDATE\" || !has(object.metadata.deletionTimestamp)";

fn match_conditions() -> Value {
    json!([{"name": "not-being-deleted", "expression": NOT_BEING_DELETED}])
}

/// The bindings' selectors: the chart's webhook exclusions (kube-system, the
/// listed namespaces, namespaces and objects labelled opt-out).
fn binding_selectors(options: &Options) -> Value {
    let mut excluded = vec!["kube-system".to_owned()];
    for ns in &options.exclude_namespaces {
        if !excluded.contains(ns) {
            excluded.push(ns.clone());
        }
    }
    let opt_out = json!({"key": options.opt_out_label, "operator": "NotIn", "values": ["true"]});
    json!({
        "namespaceSelector": {"matchExpressions": [
            {"key": "kubernetes.io/metadata.name", "operator": "NotIn", "values": excluded},
            opt_out,
        ]},
        "objectSelector": {"matchExpressions": [opt_out]},
    })
}

/// The policy as compact JSON with sorted keys.
fn canonical_policy(policy: &Policy) -> String {
    fn sorted(value: Value) -> Value {
        match value {
            Value::Object(map) => {
                let mut entries: Vec<(String, Value)> = map.into_iter().collect();
                entries.sort_by(|a, b| a.0.cmp(&b.0));
                Value::Object(entries.into_iter().map(|(k, v)| (k, sorted(v))).collect())
            }
            Value::Array(items) => Value::Array(items.into_iter().map(sorted).collect()),
            other => other,
        }
    }
    // A Policy is plain data: serialising it cannot fail.
    sorted(serde_json::to_value(policy).unwrap_or(Value::Null)).to_string()
}
