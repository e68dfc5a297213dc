//! Which requests the policies match (§2 as the API server serves it)
//! and where each matched kind keeps its pod template.

use seccomp_core::{Policy, BUILTIN_POD_KINDS};
use serde_json::{json, Value};

use super::GenerateError;

/// CREATE only: a Pod's spec and a Job's template are immutable after creation.
const CREATE: &[&str] = &["CREATE"];
/// Workload templates are defaulted on CREATE and UPDATE, as the webhook does.
const CREATE_UPDATE: &[&str] = &["CREATE", "UPDATE"];

/// The §2 kinds Kubernetes 1.36+ serves, with their plural resource and the
/// operations the webhook mutates. Only `v1` of each is served (the old
/// `extensions`, `apps/v1beta*` and `batch/v1beta1` versions are gone since
/// 1.16 and 1.25), so `matchPolicy: Equivalent` routes every request here.
const SERVED: &[(&str, &str, &str, &[&str])] = &[
    ("", "Pod", "pods", CREATE),
    (
        "",
        "ReplicationController",
        "replicationcontrollers",
        CREATE_UPDATE,
    ),
    ("", "PodTemplate", "podtemplates", CREATE_UPDATE),
    ("apps", "Deployment", "deployments", CREATE_UPDATE),
    ("apps", "ReplicaSet", "replicasets", CREATE_UPDATE),
    ("apps", "StatefulSet", "statefulsets", CREATE_UPDATE),
    ("apps", "DaemonSet", "daemonsets", CREATE_UPDATE),
    ("batch", "Job", "jobs", CREATE),
    ("batch", "CronJob", "cronjobs", CREATE_UPDATE),
];

/// API groups of §2 the API server no longer serves.
#[cfg(test)]
pub const UNSERVED_GROUPS: &[&str] = &["extensions"];

/// How a matched kind is recognised in CEL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KindMatch {
    /// `group/kind`, the value of the `kind` variable (`/Pod` for core kinds).
    pub group_kind: String,
    /// A configured custom kind's version, when its apiVersion names one.
    pub version: Option<String>,
    /// A configured custom kind (its objects are not typed by the API server).
    pub custom: bool,
}

/// Kinds whose pod template sits at the same place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Site {
    /// The kinds, in match order.
    pub kinds: Vec<KindMatch>,
    /// Object keys (decoded) to the object holding the pod's `metadata` and spec.
    pub template: Vec<String>,
    /// The key of the pod spec inside it (`spec` for every built-in kind).
    pub spec_key: String,
    /// Holds a configured custom kind, whose objects are not typed.
    pub custom: bool,
}

/// What the generated policies match: resource rules and pod sites.
#[derive(Debug, Clone, PartialEq)]
pub struct Scope {
    /// `matchConstraints.resourceRules`.
    pub rules: Vec<Value>,
    /// Where the pods are, built-in kinds first (the core's precedence).
    pub sites: Vec<Site>,
}

/// The rules and sites for `policy`; `pods_only` keeps Pods alone.
pub fn scope(policy: &Policy, pods_only: bool) -> Result<Scope, GenerateError> {
    let served: Vec<_> = SERVED
        .iter()
        .filter(|(group, kind, ..)| !pods_only || (group.is_empty() && *kind == "Pod"))
        .collect();
    let mut rules: Vec<Value> = Vec::new();
    let mut grouped: Vec<(&str, &[&str], Vec<&str>)> = Vec::new();
    for (group, _, plural, ops) in &served {
        match grouped.iter_mut().find(|(g, o, _)| g == group && o == ops) {
            Some((_, _, plurals)) => plurals.push(plural),
            None => grouped.push((group, ops, vec![plural])),
        }
    }
    for (group, ops, plurals) in grouped {
        rules.push(json!({
            "apiGroups": [group], "apiVersions": ["v1"], "operations": ops,
            "resources": plurals, "scope": "Namespaced",
        }));
    }
    let mut sites: Vec<Site> = Vec::new();
    for (group, kind, ..) in &served {
        let template = BUILTIN_POD_KINDS
            .iter()
            .find(|row| row.group == *group && row.kind == *kind)
            .map(|row| row.template.iter().map(|t| (*t).to_owned()).collect())
            .ok_or_else(|| GenerateError::NotInCore(format!("{group}/{kind}")))?;
        let matched = KindMatch {
            group_kind: format!("{group}/{kind}"),
            version: None,
            custom: false,
        };
        add_site(&mut sites, matched, template, "spec".to_owned(), false);
    }
    if !pods_only {
        for (index, custom) in policy.custom_kinds.iter().enumerate() {
            let (group, version) = match custom.api_version.split_once('/') {
                Some((group, version)) => (group, Some(version.to_owned())),
                None => (custom.api_version.as_str(), None),
            };
            let resource = custom
                .resource
                .as_deref()
                .ok_or_else(|| GenerateError::NoResource {
                    index,
                    kind: custom.kind.clone(),
                })?;
            let (template, spec_key) = split_pointer(&custom.pod_spec_pointer)?;
            rules.push(json!({
                "apiGroups": [group], "apiVersions": [version.as_deref().unwrap_or("*")],
                "operations": CREATE_UPDATE, "resources": [resource], "scope": "*",
            }));
            let matched = KindMatch {
                group_kind: format!("{group}/{}", custom.kind),
                version,
                custom: true,
            };
            add_site(&mut sites, matched, template, spec_key, true);
        }
    }
    Ok(Scope { rules, sites })
}

fn add_site(
    sites: &mut Vec<Site>,
    matched: KindMatch,
    template: Vec<String>,
    spec_key: String,
    custom: bool,
) {
    match sites
        .iter_mut()
        .find(|s| s.template == template && s.spec_key == spec_key)
    {
        Some(site) => {
            site.kinds.push(matched);
            site.custom |= custom;
        }
        None => sites.push(Site {
            kinds: vec![matched],
            template,
            spec_key,
            custom,
        }),
    }
}

/// A custom kind's pod spec pointer as (template keys, spec key), decoded.
fn split_pointer(pointer: &str) -> Result<(Vec<String>, String), GenerateError> {
    let parsed = jsonptr::PointerBuf::parse(pointer.to_owned())
        .map_err(|e| GenerateError::Pointer(pointer.to_owned(), e.to_string()))?;
    let mut keys: Vec<String> = parsed.tokens().map(|t| t.decoded().into_owned()).collect();
    if let Some(index) = keys
        .iter()
        .find(|k| !k.is_empty() && k.bytes().all(|b| b.is_ascii_digit()))
    {
        let reason = format!("segment {index} may be a list index, which CEL cannot follow");
        return Err(GenerateError::Pointer(pointer.to_owned(), reason));
    }
    let spec_key = keys
        .pop()
        .ok_or_else(|| GenerateError::Pointer(pointer.to_owned(), "empty pointer".into()))?;
    Ok((keys, spec_key))
}
