//! The Pod Security Standards `restricted` profile, seccomp control, as Pod
//! Security Admission (v1.25+) checks it.

use serde_json::Value;

use crate::containers::{seccomp_profile, CONTAINER_LISTS};
use crate::windows::is_windows_per_pod_security;

/// The profile types the `restricted` seccomp control allows.
pub const RESTRICTED_PROFILE_TYPES: [&str; 2] = ["RuntimeDefault", "Localhost"];

/// Whether a pod spec passes the `restricted` seccomp control:
///
/// - the pod-level `securityContext.seccompProfile`, when set, has an allowed
///   type ([`RESTRICTED_PROFILE_TYPES`]);
/// - so does every container's own field (init and ephemeral containers
///   included), when set;
/// - a container without its own field needs the pod level set;
/// - a pod with `spec.os.name: windows` is exempt
///   ([`is_windows_per_pod_security`], not the core's wider skip rule).
///
/// `null` counts as unset. The kubelet's `--seccomp-default` is not
/// considered: it is a node flag the API does not show.
///
/// ```
/// use seccomp_core::passes_restricted_seccomp;
/// use serde_json::json;
/// let pod_level = json!({"securityContext": {"seccompProfile": {"type": "RuntimeDefault"}},
///     "containers": [{"name": "app"}]});
/// assert!(passes_restricted_seccomp(&pod_level));
/// let unset = json!({"containers": [{"name": "app"}]});
/// assert!(!passes_restricted_seccomp(&unset));
/// ```
pub fn passes_restricted_seccomp(spec: &Value) -> bool {
    if is_windows_per_pod_security(spec) {
        return true;
    }
    let allowed = |profile: &Value| {
        profile
            .get("type")
            .and_then(Value::as_str)
            .is_some_and(|t| RESTRICTED_PROFILE_TYPES.contains(&t))
    };
    let pod = seccomp_profile(spec);
    if pod.is_some_and(|p| !allowed(p)) {
        return false;
    }
    CONTAINER_LISTS
        .iter()
        .filter_map(|list| spec.get(*list).and_then(Value::as_array))
        .flatten()
        .all(|container| match seccomp_profile(container) {
            Some(own) => allowed(own),
            None => pod.is_some(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn spec(pod: Option<&str>, containers: &[Option<&str>]) -> Value {
        let level = |t: Option<&str>| match t {
            Some(t) => json!({"seccompProfile": {"type": t}}),
            None => json!({}),
        };
        let items: Vec<Value> = containers
            .iter()
            .map(|t| json!({"name": "c", "securityContext": level(*t)}))
            .collect();
        json!({"securityContext": level(pod), "containers": items})
    }

    /// One test per case: `case!(name, pod type, [container types], passes)`.
    macro_rules! case {
        ($name:ident, $pod:expr, [$($container:expr),*], $want:expr) => {
            #[test]
            fn $name() {
                let spec = spec($pod, &[$($container),*]);
                assert_eq!(passes_restricted_seccomp(&spec), $want, "{spec}");
            }
        };
    }

    case!(
        pod_level_covers_unset_containers,
        Some("RuntimeDefault"),
        [None],
        true
    );
    case!(
        localhost_is_allowed,
        Some("Localhost"),
        [None, Some("RuntimeDefault")],
        true
    );
    case!(
        every_container_set_needs_no_pod_level,
        None,
        [Some("Localhost"), Some("RuntimeDefault")],
        true
    );
    case!(
        one_container_unset_without_pod_level_fails,
        None,
        [Some("RuntimeDefault"), None],
        false
    );
    case!(nothing_set_fails, None, [None], false);
    case!(
        unconfined_container_fails,
        Some("RuntimeDefault"),
        [Some("Unconfined")],
        false
    );
    case!(
        unconfined_pod_level_fails,
        Some("Unconfined"),
        [Some("RuntimeDefault")],
        false
    );
    case!(
        unknown_container_type_fails,
        Some("RuntimeDefault"),
        [Some("Weird")],
        false
    );

    #[test]
    fn init_and_ephemeral_containers_count() {
        let mut ok = spec(None, &[Some("RuntimeDefault")]);
        assert!(passes_restricted_seccomp(&ok));
        ok["ephemeralContainers"] = json!([{"name": "debug"}]);
        assert!(!passes_restricted_seccomp(&ok));
        let mut init = spec(None, &[Some("RuntimeDefault")]);
        init["initContainers"] =
            json!([{"name": "i", "securityContext": {"seccompProfile": {"type": "Unconfined"}}}]);
        assert!(!passes_restricted_seccomp(&init));
    }

    #[test]
    fn a_null_profile_is_unset() {
        let spec =
            json!({"securityContext": {"seccompProfile": null}, "containers": [{"name": "app"}]});
        assert!(!passes_restricted_seccomp(&spec));
    }

    /// Regression guard: only `spec.os.name: windows` exempts; the core's
    /// skip rule (nodeSelector, any letter case) must not leak in here.
    #[test]
    fn only_os_name_windows_is_exempt() {
        let mut by_os = spec(None, &[None]);
        by_os["os"] = json!({"name": "windows"});
        assert!(passes_restricted_seccomp(&by_os));
        let mut by_selector = spec(None, &[None]);
        by_selector["nodeSelector"] = json!({"kubernetes.io/os": "windows"});
        assert!(!passes_restricted_seccomp(&by_selector));
        let mut capitalised = spec(None, &[None]);
        capitalised["os"] = json!({"name": "Windows"});
        assert!(!passes_restricted_seccomp(&capitalised));
    }
}
