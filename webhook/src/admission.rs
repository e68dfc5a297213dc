//! The thin adapter between an admission request and the pure core: which
//! requests are mutated at all, then `seccomp_core::plan` → patch, warnings and
//! the audit annotation. No I/O here.

use std::panic::{catch_unwind, AssertUnwindSafe};

use seccomp_core::{Cap, Code, Exceeded, Plan, Policy, Record, RelevantKeys};
use serde_json::{json, Value};

use crate::review::{self, Answer, Request, ReviewError};

/// A request body read, decided and answered.
#[derive(Debug)]
pub struct Reviewed {
    pub request: Request,
    pub decision: Decision,
    /// The response AdmissionReview, serialised.
    pub response: Vec<u8>,
}

/// The whole of `POST /mutate` between the body and the response bytes: the
/// AdmissionReview parse ([`review::parse`], keeping `keys`), [`admit`] and
/// [`review::respond`]. An error is a body that is not an answerable review (400).
pub fn review_body(
    body: &[u8],
    policy: &Policy,
    keys: &RelevantKeys,
    kinds: MutatedKinds,
) -> Result<Reviewed, ReviewError> {
    let request = review::parse(body, keys)?;
    let decision = admit(&request, policy, kinds);
    let response = review::respond(&request.uid, &decision.answer);
    Ok(Reviewed {
        request,
        decision,
        response,
    })
}

/// Prefix of every admission warning.
pub const WARNING_PREFIX: &str = "seccomp-defaulter: ";
/// The API server asks warnings to stay within 120 characters.
pub const MAX_WARNING_CHARS: usize = 120;
/// Warnings beyond this many are summarised in one last warning.
pub const MAX_WARNINGS: usize = 16;
/// Audit annotation key (the API server prefixes it with the webhook's name).
pub const AUDIT_KEY: &str = "seccomp-changes";

/// How the request was decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// A non-empty patch was returned.
    Mutated,
    /// Planned; nothing to change.
    Unchanged,
    /// Not planned (sub-resource, operation, kind, pods-only, object being deleted...).
    Skipped(&'static str),
    /// Routed to the core, which found no pod in it (or panicked): allowed unchanged, warned.
    Uninterpretable,
    /// Larger than a cap of the per-request limits: not planned, allowed unchanged, warned.
    OverLimit(Cap),
}

impl Verdict {
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Mutated => "mutated",
            Verdict::Unchanged => "unchanged",
            Verdict::Skipped(_) => "skipped",
            Verdict::Uninterpretable => "uninterpretable",
            Verdict::OverLimit(_) => "over_limit",
        }
    }
}

/// How one request was decided: the answer plus what metrics and the request log need.
#[derive(Debug)]
pub struct Decision {
    pub answer: Answer,
    pub verdict: Verdict,
    /// Kind label with bounded cardinality: a known or configured kind, else `other`.
    pub kind_label: String,
    /// Number of JSON Patch operations.
    pub ops: usize,
    /// Codes of the change records (one per change).
    pub changes: Vec<&'static str>,
    /// The core panicked on this object (caught; the request was allowed unchanged).
    pub panicked: bool,
}

/// Which kinds are mutated at all (`--pods-only`); the others are allowed unchanged.
#[derive(Debug, Clone, Copy, Default)]
pub struct MutatedKinds {
    /// Only Pods are mutated.
    pub pods_only: bool,
}

/// Decides one admission request. Never panics; always allows.
pub fn admit(request: &Request, policy: &Policy, kinds: MutatedKinds) -> Decision {
    let kind = &request.kind;
    let is_pod = kind.group.is_empty() && kind.kind == "Pod";
    let workload = !is_pod && seccomp_core::builtin_pod_kind(&kind.group, &kind.kind);
    let kind_label = if is_pod || workload {
        kind.kind.clone()
    } else {
        "other".to_owned()
    };
    let skip = |reason| Decision {
        answer: Answer::default(),
        verdict: Verdict::Skipped(reason),
        kind_label: kind_label.clone(),
        ops: 0,
        changes: Vec::new(),
        panicked: false,
    };

    if request
        .sub_resource
        .as_deref()
        .is_some_and(|s| !s.is_empty())
    {
        return skip("subresource");
    }
    let Some(object) = &request.object else {
        return skip("no object");
    };
    match request.operation.as_str() {
        "CREATE" => {}
        // The pod spec of a Pod and the template of a Job are immutable after creation.
        "UPDATE" if is_pod || (kind.group == "batch" && kind.kind == "Job") => {
            return skip("immutable after create")
        }
        "UPDATE" if object.pointer("/metadata/deletionTimestamp").is_some() => {
            return skip("being deleted")
        }
        "UPDATE" => {}
        _ => return skip("operation"),
    }
    if kinds.pods_only && !is_pod {
        return skip("pods only");
    }
    if let Some(exceeded) = &request.exceeded {
        let custom = seccomp_core::has_pod(&api_version(request), &kind.kind, policy);
        if !(is_pod || workload || custom) {
            return skip("kind");
        }
        let kind_label = if custom {
            kind.kind.clone()
        } else {
            kind_label
        };
        return over_limit(kind_label, exceeded);
    }

    let filled;
    let object = match with_type_meta(object, request) {
        Some(v) => {
            filled = v;
            &filled
        }
        None => object,
    };
    let plan = match catch_unwind(AssertUnwindSafe(|| seccomp_core::plan(object, policy))) {
        Ok(plan) => plan,
        Err(_) => {
            let mut decision = uninterpretable(kind_label, "internal error while planning", &[]);
            decision.panicked = true;
            return decision;
        }
    };
    if plan.pods == 0 {
        if is_pod || workload {
            return uninterpretable(kind_label, "no pod spec found", &plan.records);
        }
        // Not a kind the core knows (nor a configured custom kind): not applicable.
        return skip("kind");
    }
    let broken = |code| plan.records.iter().any(|r| r.code == code);
    if plan.patch.0.is_empty() {
        if broken(Code::MalformedObject) {
            return uninterpretable(kind_label, "malformed object", &plan.records);
        }
        if broken(Code::NoPodSpec) {
            return uninterpretable(kind_label, "no pod spec found", &plan.records);
        }
    }
    // A configured custom kind: its name is a bounded label too.
    let kind_label = if is_pod || workload {
        kind_label
    } else {
        kind.kind.clone()
    };
    planned(plan, kind_label)
}

fn planned(plan: Plan, kind_label: String) -> Decision {
    let changes: Vec<&'static str> = plan
        .records
        .iter()
        .filter(|r| r.code.is_change())
        .map(|r| r.code.as_str())
        .collect();
    let warnings = warnings(plan.records.iter().map(|r| r.message.as_str()));
    let ops = plan.patch.0.len();
    if ops == 0 {
        return Decision {
            answer: Answer {
                patch: None,
                warnings,
                audit_annotations: Vec::new(),
            },
            verdict: Verdict::Unchanged,
            kind_label,
            ops,
            changes,
            panicked: false,
        };
    }
    let summary = json!({
        "operations": ops,
        "changes": plan.records.iter().filter(|r| r.code.is_change())
            .map(|r| json!({"code": r.code.as_str(), "pointer": r.pointer}))
            .collect::<Vec<_>>(),
    });
    Decision {
        answer: Answer {
            // Serialising a Patch (plain data) cannot fail.
            patch: serde_json::to_vec(&plan.patch).ok(),
            warnings,
            audit_annotations: vec![(AUDIT_KEY.to_owned(), summary.to_string())],
        },
        verdict: Verdict::Mutated,
        kind_label,
        ops,
        changes,
        panicked: false,
    }
}

/// Allowed unchanged, with a warning saying so, then the core's own findings.
fn uninterpretable(kind_label: String, why: &str, records: &[Record]) -> Decision {
    let first = format!("{kind_label} left unchanged: {why}");
    let findings = records.iter().filter(|r| r.is_reportable());
    Decision {
        answer: Answer {
            warnings: warnings(
                std::iter::once(first.as_str()).chain(findings.map(|r| r.message.as_str())),
            ),
            ..Answer::default()
        },
        verdict: Verdict::Uninterpretable,
        kind_label,
        ops: 0,
        changes: Vec::new(),
        panicked: false,
    }
}

/// Too large to check within the per-request limits: allowed unchanged, with a
/// warning naming the cap (never an error: that would trip `failurePolicy`).
fn over_limit(kind_label: String, exceeded: &Exceeded) -> Decision {
    let first = format!("{kind_label} left unchanged: too large to check ({exceeded})");
    Decision {
        answer: Answer {
            warnings: warnings([first.as_str()]),
            ..Answer::default()
        },
        verdict: Verdict::OverLimit(exceeded.cap),
        kind_label,
        ops: 0,
        changes: Vec::new(),
        panicked: false,
    }
}

/// `group/version` of the request's kind (`version` for the core group).
fn api_version(request: &Request) -> String {
    let gvk = &request.kind;
    if gvk.group.is_empty() {
        gvk.version.clone()
    } else {
        format!("{}/{}", gvk.group, gvk.version)
    }
}

/// The API server always sends `apiVersion`/`kind` in the object; if a client did not,
/// they are taken from the request so the core can locate the pod.
fn with_type_meta(object: &Value, request: &Request) -> Option<Value> {
    let map = object.as_object()?;
    if map.contains_key("apiVersion") && map.contains_key("kind") {
        return None;
    }
    let mut map = map.clone();
    map.entry("apiVersion")
        .or_insert(Value::from(api_version(request)));
    map.entry("kind")
        .or_insert(Value::from(request.kind.kind.as_str()));
    Some(Value::Object(map))
}

/// Prefixed, length-capped admission warnings.
fn warnings<'a>(messages: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let messages: Vec<&str> = messages.into_iter().collect();
    let mut out: Vec<String> = messages
        .iter()
        .take(MAX_WARNINGS)
        .map(|m| warning(m))
        .collect();
    if messages.len() > MAX_WARNINGS {
        out.pop();
        out.push(warning(&format!(
            "{} more findings",
            messages.len() - MAX_WARNINGS + 1
        )));
    }
    out
}

fn warning(message: &str) -> String {
    seccomp_core::clip_line(format!("{WARNING_PREFIX}{message}"), MAX_WARNING_CHARS)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn request(kind: (&str, &str), operation: &str, sub: Option<&str>, object: Value) -> Request {
        let body = json!({
            "apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
            "request": {"uid": "u", "kind": {"group": kind.0, "version": "v1", "kind": kind.1},
                        "subResource": sub, "operation": operation, "object": object}
        });
        crate::review::parse(
            body.to_string().as_bytes(),
            &crate::review::relevant_keys(&Policy::default()),
        )
        .unwrap()
    }

    fn pod() -> Value {
        json!({"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},
               "spec":{"containers":[{"name":"c","image":"nginx"}]}})
    }

    #[test]
    fn pod_create_is_mutated() {
        let out = admit(
            &request(("", "Pod"), "CREATE", None, pod()),
            &Policy::default(),
            MutatedKinds::default(),
        );
        assert_eq!(out.verdict, Verdict::Mutated);
        assert!(out.ops > 0);
        assert!(out.answer.patch.is_some());
        assert!(!out.changes.is_empty());
        assert_eq!(out.answer.audit_annotations[0].0, AUDIT_KEY);
        assert!(out
            .answer
            .warnings
            .iter()
            .all(|w| w.starts_with(WARNING_PREFIX)));
    }

    #[test]
    fn pod_update_subresource_and_delete_are_skipped() {
        let p = Policy::default();
        let s = MutatedKinds::default();
        let cases = [
            (
                request(("", "Pod"), "UPDATE", None, pod()),
                "immutable after create",
            ),
            (
                request(("", "Pod"), "UPDATE", Some("ephemeralcontainers"), pod()),
                "subresource",
            ),
            (request(("", "Pod"), "DELETE", None, pod()), "operation"),
        ];
        for (req, reason) in cases {
            let out = admit(&req, &p, s);
            assert_eq!(out.verdict, Verdict::Skipped(reason));
            assert!(out.answer.patch.is_none());
        }
    }

    #[test]
    fn pods_only_skips_workloads() {
        let dep = json!({"apiVersion":"apps/v1","kind":"Deployment","spec":{"template":{"spec":{"containers":[]}}}});
        let req = request(("apps", "Deployment"), "CREATE", None, dep);
        let out = admit(&req, &Policy::default(), MutatedKinds { pods_only: true });
        assert_eq!(out.verdict, Verdict::Skipped("pods only"));
        let out = admit(&req, &Policy::default(), MutatedKinds::default());
        assert_eq!(out.verdict, Verdict::Mutated);
    }

    #[test]
    fn workload_without_pod_spec_is_allowed_with_a_warning() {
        let req = request(
            ("apps", "Deployment"),
            "CREATE",
            None,
            json!("not an object"),
        );
        let out = admit(&req, &Policy::default(), MutatedKinds::default());
        assert_eq!(out.verdict, Verdict::Uninterpretable);
        assert!(out.answer.patch.is_none());
        assert!(
            out.answer.warnings[0].contains("Deployment left unchanged"),
            "{:?}",
            out.answer.warnings
        );

        let bad = json!({"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":"x"}});
        let out = admit(
            &request(("", "Pod"), "CREATE", None, bad),
            &Policy::default(),
            MutatedKinds::default(),
        );
        assert_eq!(out.verdict, Verdict::Uninterpretable, "{out:?}");
        assert!(out.answer.patch.is_none());
        assert!(out.answer.warnings.len() >= 2, "{:?}", out.answer.warnings);
    }

    #[test]
    fn unknown_kind_is_not_applicable() {
        let req = request(
            ("", "ConfigMap"),
            "CREATE",
            None,
            json!({"apiVersion":"v1","kind":"ConfigMap"}),
        );
        let out = admit(&req, &Policy::default(), MutatedKinds::default());
        assert_eq!(out.verdict, Verdict::Skipped("kind"));
        assert_eq!(out.kind_label, "other");
        assert!(out.answer.warnings.is_empty());
    }

    #[test]
    fn missing_type_meta_is_taken_from_the_request() {
        let mut p = pod();
        p.as_object_mut().unwrap().remove("kind");
        let out = admit(
            &request(("", "Pod"), "CREATE", None, p),
            &Policy::default(),
            MutatedKinds::default(),
        );
        assert_eq!(out.verdict, Verdict::Mutated);
    }

    #[test]
    fn warnings_are_prefixed_capped_and_counted() {
        let long = "x".repeat(300);
        let w = warnings([long.as_str()]);
        assert_eq!(w[0].chars().count(), MAX_WARNING_CHARS);
        assert!(w[0].starts_with(WARNING_PREFIX) && w[0].ends_with('…'));
        let many: Vec<String> = (0..20).map(|i| format!("m{i}")).collect();
        let w = warnings(many.iter().map(String::as_str));
        assert_eq!(w.len(), MAX_WARNINGS);
        assert_eq!(
            w[MAX_WARNINGS - 1],
            format!("{WARNING_PREFIX}5 more findings")
        );
        assert_eq!(warnings(["a\nb"]), vec![format!("{WARNING_PREFIX}a b")]);
    }

    #[test]
    fn an_object_over_a_cap_is_allowed_unchanged_with_a_warning() {
        let containers: Vec<Value> = (0..1_001)
            .map(|i| json!({"name": format!("c{i}")}))
            .collect();
        let pod = json!({"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},
                         "spec":{"containers": containers}});
        let out = admit(
            &request(("", "Pod"), "CREATE", None, pod.clone()),
            &Policy::default(),
            MutatedKinds::default(),
        );
        assert_eq!(out.verdict, Verdict::OverLimit(Cap::ListItems), "{out:?}");
        assert!(out.answer.patch.is_none());
        assert_eq!(
            out.answer.warnings,
            vec![format!(
                "{WARNING_PREFIX}Pod left unchanged: too large to check (containers has more than 1000 items)"
            )]
        );
        // Not a pod-bearing kind: nothing to warn about.
        let req = request(("", "ConfigMap"), "CREATE", None, pod);
        let out = admit(&req, &Policy::default(), MutatedKinds::default());
        assert_eq!(out.verdict, Verdict::Skipped("kind"));
    }
}
