//! The two "is this a Windows pod?" tests. They differ on purpose and are
//! named apart so that no reader picks the wrong one:
//!
//! - [`is_windows_per_pod_security`]: Pod Security Admission (v1.25+) exempts
//!   a pod from the `restricted` seccomp control only when `spec.os.name` is
//!   exactly `windows`.
//! - [`is_windows_per_skip_rule`]: the defaulting skip (§4 rule 1 in
//!   `docs/contract.md`) also honours the `kubernetes.io/os: windows` nodeSelector, in any
//!   letter case, because the API server refuses seccomp fields on such pods
//!   too and a manifest may say "Windows" only through its nodeSelector.

use jsonptr::PointerBuf;
use serde_json::Value;

use crate::value::child;

/// Whether Pod Security Admission treats the pod spec as a Windows pod:
/// `spec.os.name` is `windows` (exactly, as the API's `corev1.Windows`).
///
/// ```
/// use seccomp_core::is_windows_per_pod_security;
/// use serde_json::json;
/// assert!(is_windows_per_pod_security(&json!({"os": {"name": "windows"}})));
/// assert!(!is_windows_per_pod_security(&json!({"nodeSelector": {"kubernetes.io/os": "windows"}})));
/// ```
pub fn is_windows_per_pod_security(spec: &Value) -> bool {
    spec.get("os")
        .and_then(|os| os.get("name"))
        .and_then(Value::as_str)
        == Some("windows")
}

/// Whether the core skips the pod spec as a Windows pod: `spec.os.name` or
/// the `kubernetes.io/os` nodeSelector says `windows`, in any letter case.
///
/// ```
/// use seccomp_core::is_windows_per_skip_rule;
/// use serde_json::json;
/// assert!(is_windows_per_skip_rule(&json!({"os": {"name": "Windows"}})));
/// assert!(is_windows_per_skip_rule(&json!({"nodeSelector": {"kubernetes.io/os": "windows"}})));
/// assert!(!is_windows_per_skip_rule(&json!({"os": {"name": "linux"}})));
/// ```
pub fn is_windows_per_skip_rule(spec: &Value) -> bool {
    skip_marker(spec).is_some()
}

/// Where [`is_windows_per_skip_rule`] found the mark, below `spec_at`.
pub(crate) fn windows_skip_marker(spec: &Value, spec_at: &PointerBuf) -> Option<PointerBuf> {
    skip_marker(spec).map(|tokens| child(spec_at, &tokens))
}

/// The tokens, below the pod spec, of the field marking it as Windows.
fn skip_marker(spec: &Value) -> Option<[&'static str; 2]> {
    let says_windows = |value: Option<&Value>| {
        value
            .and_then(Value::as_str)
            .is_some_and(|os| os.eq_ignore_ascii_case("windows"))
    };
    if says_windows(spec.get("os").and_then(|os| os.get("name"))) {
        return Some(["os", "name"]);
    }
    let selector = spec
        .get("nodeSelector")
        .and_then(|s| s.get("kubernetes.io/os"));
    says_windows(selector).then_some(["nodeSelector", "kubernetes.io/os"])
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// One test per case: `case!(name, spec, per Pod Security, per skip rule)`.
    /// The cases where the two disagree are why there are two.
    macro_rules! case {
        ($name:ident, $spec:tt, $pod_security:expr, $skip:expr) => {
            #[test]
            fn $name() {
                let spec = json!($spec);
                assert_eq!(is_windows_per_pod_security(&spec), $pod_security, "{spec}");
                assert_eq!(is_windows_per_skip_rule(&spec), $skip, "{spec}");
            }
        };
    }

    case!(os_name_windows, {"os": {"name": "windows"}}, true, true);
    case!(os_name_capitalised, {"os": {"name": "Windows"}}, false, true);
    case!(node_selector_windows, {"nodeSelector": {"kubernetes.io/os": "windows"}}, false, true);
    case!(node_selector_upper_case, {"nodeSelector": {"kubernetes.io/os": "WINDOWS"}}, false, true);
    case!(os_name_linux, {"os": {"name": "linux"}}, false, false);
    case!(node_selector_linux, {"nodeSelector": {"kubernetes.io/os": "linux"}}, false, false);
    case!(os_name_not_a_string, {"os": {"name": true}}, false, false);
    case!(nothing_said, {}, false, false);

    #[test]
    fn the_skip_marker_points_at_the_field_that_says_windows() {
        let at = PointerBuf::parse("/spec/template/spec").ok();
        let at = at.as_ref().map_or_else(PointerBuf::new, Clone::clone);
        let marker = |spec: Value| windows_skip_marker(&spec, &at).map(|p| p.to_string());
        assert_eq!(
            marker(
                json!({"os": {"name": "windows"}, "nodeSelector": {"kubernetes.io/os": "windows"}})
            ),
            Some("/spec/template/spec/os/name".to_owned())
        );
        assert_eq!(
            marker(json!({"nodeSelector": {"kubernetes.io/os": "windows"}})),
            Some("/spec/template/spec/nodeSelector/kubernetes.io~1os".to_owned())
        );
        assert_eq!(marker(json!({"os": {"name": "linux"}})), None);
    }
}
