//! Where the pods of an object live (§2).

use jsonptr::PointerBuf;
use serde_json::Value;

use crate::policy::Policy;
use crate::value::{at, child};

/// One Kubernetes object inside the input (the input itself, or a `List` item).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectSite {
    /// Pointer to the object within the input (`""` for the input itself).
    pub object: PointerBuf,
    /// The object's `apiVersion` (inherited from a typed `*List` when missing).
    pub api_version: String,
    /// The object's `kind` (inferred from a typed `*List` when missing).
    pub kind: String,
    /// Where its pod lives, if the kind carries one.
    pub pod: Option<PodSite>,
    /// A `List` nested deeper than [`MAX_LIST_DEPTH`]: its items were not
    /// looked at (the planner reports it).
    pub too_deep: bool,
}

/// The pod of an object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodSite {
    /// Pointer to the pod spec (may not exist in a partial manifest).
    pub spec: PointerBuf,
    /// Pointer to the pod's metadata (the template's `metadata`, or the Pod's own).
    pub metadata: PointerBuf,
}

impl PodSite {
    /// Pointer to the pod's annotations.
    pub fn annotations(&self) -> PointerBuf {
        child(&self.metadata, &["annotations"])
    }
}

/// Every object of `input`, recursing into `List` and `*List` items, each with
/// the location of its pod if its kind has one.
pub fn locate(input: &Value, policy: &Policy) -> Vec<ObjectSite> {
    let mut out = Vec::new();
    walk(input, PointerBuf::new(), None, policy, &mut out);
    out
}

/// Lists nest rarely; this bound keeps hostile input from exhausting the
/// stack. A List at this depth is returned as a site of its own with
/// `too_deep` set, not descended into.
pub const MAX_LIST_DEPTH: usize = 16;

fn walk(
    input: &Value,
    here: PointerBuf,
    inherited: Option<(&str, &str)>,
    policy: &Policy,
    out: &mut Vec<ObjectSite>,
) {
    let Some(object) = at(input, &here) else {
        return;
    };
    let own = |key: &str| object.get(key).and_then(Value::as_str);
    let (api_version, kind) = match (own("apiVersion"), own("kind"), inherited) {
        (Some(a), Some(k), _) => (a, k),
        (a, None, Some((list_api, item_kind))) => (a.unwrap_or(list_api), item_kind),
        (a, Some(k), Some((list_api, _))) => (a.unwrap_or(list_api), k),
        (a, k, None) => (a.unwrap_or(""), k.unwrap_or("")),
    };
    let items = object.get("items").and_then(Value::as_array);
    if let (true, Some(items)) = (kind.ends_with("List"), items) {
        if here.count() / 2 >= MAX_LIST_DEPTH {
            out.push(ObjectSite {
                object: here,
                api_version: api_version.to_owned(),
                kind: kind.to_owned(),
                pod: None,
                too_deep: true,
            });
            return;
        }
        let item_kind = kind.strip_suffix("List").filter(|k| !k.is_empty());
        for index in 0..items.len() {
            let item = child(&here, &["items", &index.to_string()]);
            let inherit = item_kind.map(|k| (api_version, k));
            walk(input, item, inherit, policy, out);
        }
        return;
    }
    let pod = pod_location(&here, api_version, kind, policy)
        .map(|(spec, metadata)| PodSite { spec, metadata });
    out.push(ObjectSite {
        object: here,
        api_version: api_version.to_owned(),
        kind: kind.to_owned(),
        pod,
        too_deep: false,
    });
}

fn concat(base: &PointerBuf, rest: &PointerBuf) -> PointerBuf {
    let mut out = base.clone();
    out.append(rest);
    out
}

/// A kind of §2 that carries a pod template, in one API group (`""` for
/// core; old groups such as `extensions` have their own rows). Every version of
/// the group is handled alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BuiltinPodKind {
    /// API group, `""` for the core group.
    pub group: &'static str,
    /// The kind, e.g. `Deployment`.
    pub kind: &'static str,
    /// Object keys leading to the pod template (its `metadata` and `spec`
    /// beside each other); empty for `Pod`, whose template is the object itself.
    pub template: &'static [&'static str],
}

const fn row(
    group: &'static str,
    kind: &'static str,
    template: &'static [&'static str],
) -> BuiltinPodKind {
    BuiltinPodKind {
        group,
        kind,
        template,
    }
}

const SPEC_TEMPLATE: &[&str] = &["spec", "template"];

/// The built-in kinds of §2 and where their pod template sits: the one
/// table `locate`, `has_pod` and the front ends read.
pub const BUILTIN_POD_KINDS: &[BuiltinPodKind] = &[
    row("", "Pod", &[]),
    row("", "PodTemplate", &["template"]),
    row("", "ReplicationController", SPEC_TEMPLATE),
    row("apps", "Deployment", SPEC_TEMPLATE),
    row("apps", "ReplicaSet", SPEC_TEMPLATE),
    row("apps", "StatefulSet", SPEC_TEMPLATE),
    row("apps", "DaemonSet", SPEC_TEMPLATE),
    row("extensions", "Deployment", SPEC_TEMPLATE),
    row("extensions", "ReplicaSet", SPEC_TEMPLATE),
    row("extensions", "StatefulSet", SPEC_TEMPLATE),
    row("extensions", "DaemonSet", SPEC_TEMPLATE),
    row("batch", "Job", SPEC_TEMPLATE),
    row(
        "batch",
        "CronJob",
        &["spec", "jobTemplate", "spec", "template"],
    ),
];

/// Whether objects of `kind` in API `group` (`""` for core, any version,
/// old groups such as `extensions` included) carry a pod by §2.
pub fn builtin_pod_kind(group: &str, kind: &str) -> bool {
    builtin_template(group, kind).is_some()
}

/// Whether objects of this `apiVersion` and `kind` carry a pod, built-in or
/// configured as a custom kind (what `plan` would look into).
pub fn has_pod(api_version: &str, kind: &str, policy: &Policy) -> bool {
    let group = api_version.rsplit_once('/').map_or("", |(group, _)| group);
    builtin_pod_kind(group, kind) || custom_kind(api_version, group, kind, policy).is_some()
}

/// Where the pod template sits (the pod spec is its `spec`), for §2's kinds.
fn builtin_template(group: &str, kind: &str) -> Option<&'static [&'static str]> {
    BUILTIN_POD_KINDS
        .iter()
        .find(|row| row.kind == kind && row.group == group)
        .map(|row| row.template)
}

fn custom_kind<'p>(
    api_version: &str,
    group: &str,
    kind: &str,
    policy: &'p Policy,
) -> Option<&'p crate::policy::CustomKind> {
    policy
        .custom_kinds
        .iter()
        .find(|c| c.kind == kind && (c.api_version == api_version || c.api_version == group))
}

/// (pod spec, pod metadata) pointers relative to the object, for its kind.
/// (pod spec, pod metadata) pointers of the object at `here`, for its kind.
fn pod_location(
    here: &PointerBuf,
    api_version: &str,
    kind: &str,
    policy: &Policy,
) -> Option<(PointerBuf, PointerBuf)> {
    let group = api_version.rsplit_once('/').map_or("", |(group, _)| group);
    if let Some(base) = builtin_template(group, kind) {
        // One allocation per pointer.
        let under = |last| {
            let mut tokens = [""; 8];
            match tokens.get_mut(..base.len()) {
                Some(head) if base.len() < 8 => {
                    head.copy_from_slice(base);
                    tokens[base.len()] = last;
                    child(here, &tokens[..=base.len()])
                }
                _ => child(&child(here, base), &[last]),
            }
        };
        return Some((under("spec"), under("metadata")));
    }
    let custom = custom_kind(api_version, group, kind, policy)?;
    let spec = PointerBuf::parse(custom.pod_spec_pointer.clone()).ok()?;
    let mut meta = spec.parent().map(|p| p.to_buf()).unwrap_or_default();
    meta.push_back("metadata");
    Some((concat(here, &spec), concat(here, &meta)))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::policy::CustomKind;
    use serde_json::json;

    fn sites(v: Value, policy: &Policy) -> Vec<(String, String, Option<String>)> {
        locate(&v, policy)
            .into_iter()
            .map(|s| {
                (
                    s.object.to_string(),
                    s.kind,
                    s.pod.map(|p| p.spec.to_string()),
                )
            })
            .collect()
    }

    #[test]
    fn builtin_kinds_and_old_api_versions() {
        let p = Policy::default();
        let cases = [
            ("v1", "Pod", Some("/spec")),
            ("v1", "PodTemplate", Some("/template/spec")),
            ("v1", "ReplicationController", Some("/spec/template/spec")),
            ("apps/v1", "Deployment", Some("/spec/template/spec")),
            ("apps/v1beta1", "Deployment", Some("/spec/template/spec")),
            ("apps/v1beta2", "DaemonSet", Some("/spec/template/spec")),
            (
                "extensions/v1beta1",
                "Deployment",
                Some("/spec/template/spec"),
            ),
            (
                "extensions/v1beta1",
                "ReplicaSet",
                Some("/spec/template/spec"),
            ),
            ("apps/v1", "StatefulSet", Some("/spec/template/spec")),
            ("batch/v1", "Job", Some("/spec/template/spec")),
            (
                "batch/v1",
                "CronJob",
                Some("/spec/jobTemplate/spec/template/spec"),
            ),
            (
                "batch/v1beta1",
                "CronJob",
                Some("/spec/jobTemplate/spec/template/spec"),
            ),
            ("v1", "ConfigMap", None),
            ("apps/v1", "Pod", None),
            ("example.com/v1", "Deployment", None),
        ];
        for (api, kind, spec) in cases {
            let got = sites(json!({"apiVersion": api, "kind": kind}), &p);
            assert_eq!(got[0].2.as_deref(), spec, "{api} {kind}");
        }
    }

    #[test]
    fn lists_recurse_and_typed_lists_lend_their_kind() {
        let p = Policy::default();
        let v = json!({"apiVersion": "v1", "kind": "List", "items": [
            {"apiVersion": "v1", "kind": "Pod"},
            {"apiVersion": "v1", "kind": "List", "items": [{"apiVersion": "batch/v1", "kind": "Job"}]},
            {"apiVersion": "apps/v1", "kind": "DeploymentList", "items": [{"metadata": {}}]},
        ]});
        let got = sites(v, &p);
        assert_eq!(
            got[0],
            (
                "/items/0".into(),
                "Pod".into(),
                Some("/items/0/spec".into())
            )
        );
        assert_eq!(
            got[1].2.as_deref(),
            Some("/items/1/items/0/spec/template/spec")
        );
        assert_eq!(got[2].1, "Deployment");
        assert_eq!(
            got[2].2.as_deref(),
            Some("/items/2/items/0/spec/template/spec")
        );
    }

    #[test]
    fn custom_kinds_by_version_or_group() {
        let mut p = Policy::default();
        p.custom_kinds.push(CustomKind {
            api_version: "argoproj.io".into(),
            kind: "Rollout".into(),
            pod_spec_pointer: "/spec/template/spec".into(),
            resource: None,
        });
        let v = json!({"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout"});
        let site = locate(&v, &p).remove(0).pod.unwrap();
        assert_eq!(site.spec.as_str(), "/spec/template/spec");
        assert_eq!(
            site.annotations().as_str(),
            "/spec/template/metadata/annotations"
        );
    }

    #[test]
    fn has_pod_agrees_with_locate_for_builtin_and_custom_kinds() {
        let mut p = Policy::default();
        p.custom_kinds.push(CustomKind {
            api_version: "apps.kruise.io/v1alpha1".into(),
            kind: "CloneSet".into(),
            pod_spec_pointer: "/spec/template/spec".into(),
            resource: None,
        });
        for (api, kind) in [
            ("v1", "Pod"),
            ("extensions/v1beta1", "DaemonSet"),
            ("batch/v1beta1", "CronJob"),
            ("apps.kruise.io/v1alpha1", "CloneSet"),
            ("apps.kruise.io/v1beta1", "CloneSet"),
            ("v1", "ConfigMap"),
            ("apps/v1", "Pod"),
        ] {
            let located = locate(&json!({"apiVersion": api, "kind": kind}), &p)[0]
                .pod
                .is_some();
            assert_eq!(has_pod(api, kind, &p), located, "{api} {kind}");
        }
        assert!(builtin_pod_kind("", "ReplicationController"));
        assert!(!builtin_pod_kind("apps", "CloneSet"));
    }

    #[test]
    fn deeply_nested_lists_stop_without_overflow_and_say_so() {
        let mut v = json!({"apiVersion": "v1", "kind": "Pod"});
        for _ in 0..200 {
            v = json!({"kind": "List", "items": [v]});
        }
        let sites = locate(&v, &Policy::default());
        assert_eq!(sites.len(), 1);
        assert!(sites[0].too_deep);
        assert_eq!(sites[0].object.count(), 2 * MAX_LIST_DEPTH);
    }
}
