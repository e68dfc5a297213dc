//! The containers of a pod spec and the seccomp profile each one runs with.
//!
//! One order for every reader: `containers`, then `initContainers`, then
//! `ephemeralContainers`. The planner reads them in this order (so its records
//! come in it) and the audit lists them in it.

use serde::Serialize;
use serde_json::Value;

/// Which list of the pod spec a container is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ContainerKind {
    /// `spec.containers`.
    Regular,
    /// `spec.initContainers`.
    Init,
    /// `spec.ephemeralContainers`.
    Ephemeral,
}

impl ContainerKind {
    /// Every list, in the order the core reads them.
    pub const ALL: [ContainerKind; 3] = [
        ContainerKind::Regular,
        ContainerKind::Init,
        ContainerKind::Ephemeral,
    ];

    /// The pod spec key of the list (`containers`, `initContainers`, `ephemeralContainers`).
    pub const fn list(self) -> &'static str {
        match self {
            ContainerKind::Regular => "containers",
            ContainerKind::Init => "initContainers",
            ContainerKind::Ephemeral => "ephemeralContainers",
        }
    }
}

/// The pod spec keys of [`ContainerKind::ALL`], for readers that need only the keys.
pub(crate) const CONTAINER_LISTS: [&str; 3] = [
    ContainerKind::ALL[0].list(),
    ContainerKind::ALL[1].list(),
    ContainerKind::ALL[2].list(),
];

/// Where a container's effective profile comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ProfileSource {
    /// The container's own `securityContext.seccompProfile`.
    Container,
    /// Inherited from the pod's `securityContext.seccompProfile`.
    Pod,
    /// Neither is set: the container runs `Unconfined` unless the kubelet's
    /// `--seccomp-default` is on.
    Unset,
}

/// The seccomp profile one container runs with, as the API object says it.
///
/// The profile type is kept as written (even one the API server would
/// refuse), so that a report shows what is there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EffectiveProfile {
    /// Container name (empty when missing).
    pub name: String,
    /// Which list it is in.
    pub kind: ContainerKind,
    /// Profile type (`RuntimeDefault`, `Localhost`, `Unconfined`), absent when unset.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// `localhostProfile` of a `Localhost` profile.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub localhost_profile: Option<String>,
    /// Where the profile comes from.
    pub source: ProfileSource,
    /// `securityContext.privileged: true`: seccomp does not apply to it.
    pub privileged: bool,
}

/// The effective seccomp profile of every container of a pod spec, in the
/// core's container order. The container's own field wins over the pod's;
/// a `null` field counts as unset. Every item of the lists is listed (one
/// that is not a mapping has an empty name and no profile).
///
/// ```
/// use seccomp_core::{effective_profiles, ContainerKind, ProfileSource};
/// let spec = serde_json::json!({
///     "securityContext": {"seccompProfile": {"type": "RuntimeDefault"}},
///     "initContainers": [{"name": "init"}],
///     "containers": [{"name": "app", "securityContext": {"seccompProfile": {"type": "Unconfined"}}}]
/// });
/// let profiles = effective_profiles(&spec);
/// assert_eq!(profiles[0].name, "app");
/// assert_eq!(profiles[0].profile.as_deref(), Some("Unconfined"));
/// assert_eq!(profiles[0].source, ProfileSource::Container);
/// assert_eq!(profiles[1].kind, ContainerKind::Init);
/// assert_eq!(profiles[1].source, ProfileSource::Pod);
/// ```
pub fn effective_profiles(spec: &Value) -> Vec<EffectiveProfile> {
    let pod_profile = seccomp_profile(spec);
    let mut out = Vec::new();
    for kind in ContainerKind::ALL {
        let Some(items) = spec.get(kind.list()).and_then(Value::as_array) else {
            continue;
        };
        for container in items {
            let (profile, source) = match (seccomp_profile(container), pod_profile) {
                (Some(own), _) => (Some(own), ProfileSource::Container),
                (None, Some(pod)) => (Some(pod), ProfileSource::Pod),
                (None, None) => (None, ProfileSource::Unset),
            };
            let text = |key: &str| {
                profile
                    .and_then(|p| p.get(key))
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            };
            out.push(EffectiveProfile {
                name: container
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
                kind,
                profile: text("type"),
                localhost_profile: text("localhostProfile"),
                source,
                privileged: is_privileged(container),
            });
        }
    }
    out
}

/// The `securityContext.seccompProfile` of a pod spec or a container, when set
/// (a `null` field is unset).
pub(crate) fn seccomp_profile(holder: &Value) -> Option<&Value> {
    holder
        .get("securityContext")
        .and_then(|context| context.get("seccompProfile"))
        .filter(|profile| !profile.is_null())
}

/// Whether a container sets `securityContext.privileged: true` (seccomp does
/// not apply to privileged containers).
pub(crate) fn is_privileged(container: &Value) -> bool {
    privileged_context(container.get("securityContext"))
}

/// [`is_privileged`] for a container's `securityContext` already looked up.
pub(crate) fn privileged_context(context: Option<&Value>) -> bool {
    context.and_then(|context| context.get("privileged")) == Some(&Value::Bool(true))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_container_field_wins_over_the_pod_field() {
        let spec = json!({
            "securityContext": {"seccompProfile": {"type": "RuntimeDefault"}},
            "containers": [
                {"name": "app"},
                {"name": "agent", "securityContext": {"privileged": true,
                    "seccompProfile": {"type": "Localhost", "localhostProfile": "profiles/a.json"}}}
            ]
        });
        let profiles = effective_profiles(&spec);
        assert_eq!(profiles[0].source, ProfileSource::Pod);
        assert_eq!(profiles[0].profile.as_deref(), Some("RuntimeDefault"));
        assert!(!profiles[0].privileged);
        assert_eq!(profiles[1].source, ProfileSource::Container);
        assert_eq!(profiles[1].profile.as_deref(), Some("Localhost"));
        assert_eq!(
            profiles[1].localhost_profile.as_deref(),
            Some("profiles/a.json")
        );
        assert!(profiles[1].privileged);
    }

    #[test]
    fn a_null_field_is_unset() {
        let spec = json!({"securityContext": {"seccompProfile": null},
            "containers": [{"name": "app", "securityContext": {"seccompProfile": null}}]});
        let profiles = effective_profiles(&spec);
        assert_eq!(profiles[0].source, ProfileSource::Unset);
        assert_eq!(profiles[0].profile, None);
    }

    /// Regression: the audit listed init containers first while the planner
    /// reads `containers` first; there is one order now.
    #[test]
    fn containers_come_in_the_planners_order() {
        let spec = json!({
            "ephemeralContainers": [{"name": "debug"}],
            "initContainers": [{"name": "init"}],
            "containers": [{"name": "app"}, {"name": "sidecar"}]
        });
        let order: Vec<(String, ContainerKind)> = effective_profiles(&spec)
            .into_iter()
            .map(|p| (p.name, p.kind))
            .collect();
        let want = [
            ("app", ContainerKind::Regular),
            ("sidecar", ContainerKind::Regular),
            ("init", ContainerKind::Init),
            ("debug", ContainerKind::Ephemeral),
        ];
        let want: Vec<(String, ContainerKind)> =
            want.iter().map(|(n, k)| ((*n).to_owned(), *k)).collect();
        assert_eq!(order, want);
        assert_eq!(
            CONTAINER_LISTS,
            ["containers", "initContainers", "ephemeralContainers"]
        );
    }

    #[test]
    fn kinds_and_sources_serialise_in_camel_case() {
        let profile = EffectiveProfile {
            name: "a".to_owned(),
            kind: ContainerKind::Init,
            profile: None,
            localhost_profile: None,
            source: ProfileSource::Unset,
            privileged: false,
        };
        assert_eq!(
            serde_json::to_value(&profile).ok(),
            Some(json!({"name": "a", "kind": "init", "source": "unset", "privileged": false}))
        );
    }
}
