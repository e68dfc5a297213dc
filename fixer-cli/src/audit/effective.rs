//! The effective seccomp profile of each container of a pod spec, and the Pod
//! Security Standards `restricted` seccomp rule.
//!
//! The container field wins over the pod field; with neither, the container
//! runs `Unconfined` unless the kubelet's `--seccomp-default` is on.
use serde::Serialize;
use serde_json::Value;

/// The three container lists of a pod spec, with the names reports use.
const CONTAINER_LISTS: [(&str, ContainerKind); 3] = [
    ("initContainers", ContainerKind::Init),
    ("containers", ContainerKind::Regular),
    ("ephemeralContainers", ContainerKind::Ephemeral),
];

/// Profile types the `restricted` standard accepts.
const RESTRICTED_TYPES: [&str; 2] = ["RuntimeDefault", "Localhost"];

/// Which list a container is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ContainerKind {
    /// `spec.initContainers`.
    Init,
    /// `spec.containers`.
    Regular,
    /// `spec.ephemeralContainers`.
    Ephemeral,
}

/// Where a container's profile comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Source {
    /// The container's own `securityContext.seccompProfile`.
    Container,
    /// Inherited from the pod's `securityContext.seccompProfile`.
    Pod,
    /// Neither is set.
    Unset,
}

/// The effective profile of one container.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ContainerView {
    /// Container name.
    pub name: String,
    /// Which list it is in.
    pub kind: ContainerKind,
    /// Profile type (`RuntimeDefault`, `Localhost`, `Unconfined`), absent when unset.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// `localhostProfile` for `Localhost`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub localhost_profile: Option<String>,
    /// Where the profile comes from.
    pub source: Source,
    /// `securityContext.privileged: true`: seccomp does not apply.
    pub privileged: bool,
}

impl ContainerView {
    /// One-line description for the table.
    pub fn describe(&self) -> String {
        let profile = match (&self.profile, &self.localhost_profile) {
            (None, _) => {
                return "unset (Unconfined at runtime unless the kubelet's --seccomp-default is on)"
                    .to_owned()
            }
            (Some(kind), Some(path)) => format!("{kind} {path}"),
            (Some(kind), None) => kind.clone(),
        };
        let source = match self.source {
            Source::Container => "container level",
            Source::Pod | Source::Unset => "pod level",
        };
        format!("{profile} ({source})")
    }
}

/// The effective profile of every container of `spec`, init containers first.
pub fn containers(spec: &Value) -> Vec<ContainerView> {
    let pod_profile = profile_of(spec);
    let mut out = Vec::new();
    for (list, kind) in CONTAINER_LISTS {
        let Some(items) = spec.get(list).and_then(Value::as_array) else {
            continue;
        };
        for container in items {
            let own = profile_of(container);
            let (profile, source) = match (own, pod_profile) {
                (Some(p), _) => (Some(p), Source::Container),
                (None, Some(p)) => (Some(p), Source::Pod),
                (None, None) => (None, Source::Unset),
            };
            out.push(ContainerView {
                name: str_at(container, "/name").unwrap_or_default().to_owned(),
                kind,
                profile: profile.and_then(|p| str_at(p, "/type")).map(str::to_owned),
                localhost_profile: profile
                    .and_then(|p| str_at(p, "/localhostProfile"))
                    .map(str::to_owned),
                source,
                privileged: container.pointer("/securityContext/privileged")
                    == Some(&Value::Bool(true)),
            });
        }
    }
    out
}

/// Whether `spec` passes the Pod Security Standards `restricted` seccomp rule:
/// the pod-level type, when set, is `RuntimeDefault` or `Localhost`; every
/// container's own type, when set, is too; a container without one needs the
/// pod level set. Pods with `spec.os.name: windows` are exempt.
pub fn passes_restricted(spec: &Value) -> bool {
    if str_at(spec, "/os/name") == Some("windows") {
        return true;
    }
    let allowed =
        |profile: &Value| str_at(profile, "/type").is_some_and(|t| RESTRICTED_TYPES.contains(&t));
    let pod = profile_of(spec);
    if pod.is_some_and(|p| !allowed(p)) {
        return false;
    }
    CONTAINER_LISTS
        .iter()
        .filter_map(|(list, _)| spec.get(*list).and_then(Value::as_array))
        .flatten()
        .all(|c| match profile_of(c) {
            Some(own) => allowed(own),
            None => pod.is_some(),
        })
}

/// The `securityContext.seccompProfile` of a pod spec or container, if set (not null).
fn profile_of(holder: &Value) -> Option<&Value> {
    holder
        .pointer("/securityContext/seccompProfile")
        .filter(|p| !p.is_null())
}

fn str_at<'a>(value: &'a Value, pointer: &str) -> Option<&'a str> {
    value.pointer(pointer).and_then(Value::as_str)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    #[test]
    fn container_level_wins_over_pod_level() {
        let spec = json!({
            "securityContext": {"seccompProfile": {"type": "RuntimeDefault"}},
            "initContainers": [{"name": "init"}],
            "containers": [
                {"name": "app"},
                {"name": "agent", "securityContext": {"privileged": true,
                    "seccompProfile": {"type": "Localhost", "localhostProfile": "profiles/a.json"}}}
            ]
        });
        let views = containers(&spec);
        let names: Vec<_> = views.iter().map(|v| v.name.as_str()).collect();
        assert_eq!(names, ["init", "app", "agent"]);
        assert_eq!(views[0].kind, ContainerKind::Init);
        assert_eq!(views[1].source, Source::Pod);
        assert_eq!(views[1].describe(), "RuntimeDefault (pod level)");
        assert_eq!(views[2].source, Source::Container);
        assert!(views[2].privileged);
        assert_eq!(
            views[2].describe(),
            "Localhost profiles/a.json (container level)"
        );
    }

    #[test]
    fn no_profile_anywhere_is_unset_and_fails_restricted() {
        let spec =
            json!({"securityContext": {"seccompProfile": null}, "containers": [{"name": "app"}]});
        let views = containers(&spec);
        assert_eq!(views[0].source, Source::Unset);
        assert!(views[0]
            .describe()
            .starts_with("unset (Unconfined at runtime"));
        assert!(!passes_restricted(&spec));
    }

    #[test]
    fn restricted_rule_follows_pod_security_admission() {
        let pod_rd = json!({"securityContext": {"seccompProfile": {"type": "RuntimeDefault"}},
            "containers": [{"name": "a"}]});
        assert!(passes_restricted(&pod_rd));
        let all_containers = json!({"containers": [
            {"name": "a", "securityContext": {"seccompProfile": {"type": "Localhost", "localhostProfile": "x"}}}],
            "ephemeralContainers": [{"name": "dbg", "securityContext": {"seccompProfile": {"type": "RuntimeDefault"}}}]});
        assert!(passes_restricted(&all_containers));
        let one_missing = json!({"containers": [
            {"name": "a", "securityContext": {"seccompProfile": {"type": "RuntimeDefault"}}}, {"name": "b"}]});
        assert!(!passes_restricted(&one_missing));
        let container_unconfined = json!({"securityContext": {"seccompProfile": {"type": "RuntimeDefault"}},
            "containers": [{"name": "a", "securityContext": {"seccompProfile": {"type": "Unconfined"}}}]});
        assert!(!passes_restricted(&container_unconfined));
        let pod_unconfined = json!({"securityContext": {"seccompProfile": {"type": "Unconfined"}},
            "containers": [{"name": "a", "securityContext": {"seccompProfile": {"type": "RuntimeDefault"}}}]});
        assert!(!passes_restricted(&pod_unconfined));
        let windows = json!({"os": {"name": "windows"}, "containers": [{"name": "iis"}]});
        assert!(passes_restricted(&windows));
    }
}
