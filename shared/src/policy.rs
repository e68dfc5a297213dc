//! The policy (§7): one YAML/JSON file shared by the webhook and the CLI.

use serde::{Deserialize, Serialize};

use crate::error::CoreError;
use crate::profile::{is_valid_localhost_path, Profile};

/// The opt-out annotation key used when the policy names none.
pub const DEFAULT_SKIP_ANNOTATION: &str = "seccomp-defaulter.io/skip";

/// How the defaulter behaves. Every field has a default; unknown keys are refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Policy {
    /// Profile set where a pod has none (default `RuntimeDefault`).
    #[serde(default)]
    pub default_profile: DefaultProfile,
    /// Set fields from the legacy annotations (default true).
    #[serde(default = "yes")]
    pub migrate_annotations: bool,
    /// Keep legacy annotations that agree with the field (default false: remove them).
    #[serde(default)]
    pub keep_annotations: bool,
    /// What to do with an explicit `Unconfined` (default `keep`).
    #[serde(default)]
    pub unconfined: UnconfinedMode,
    /// Annotation that opts an object out when set to `"true"`.
    #[serde(default = "default_skip_annotation")]
    pub skip_annotation: String,
    /// Extra kinds carrying a pod template (e.g. Argo Rollouts `Rollout`).
    #[serde(default)]
    pub custom_kinds: Vec<CustomKind>,
}

/// The default profile's kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum DefaultProfileType {
    /// The container runtime's default profile.
    #[default]
    RuntimeDefault,
    /// A profile file on the node.
    Localhost,
}

/// `defaultProfile`: `{type: RuntimeDefault}` or `{type: Localhost, localhostProfile: p}`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct DefaultProfile {
    /// `RuntimeDefault` or `Localhost`.
    #[serde(rename = "type")]
    pub kind: DefaultProfileType,
    /// Relative path, required with `Localhost`, forbidden otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub localhost_profile: Option<String>,
}

/// `unconfined`: keep an explicit `Unconfined`, or harden it to the default profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UnconfinedMode {
    /// An explicit choice is respected (and reported).
    #[default]
    Keep,
    /// Replaced by the default profile.
    Harden,
}

/// A custom kind whose pod spec sits at a configured JSON pointer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CustomKind {
    /// `group/version` to match exactly, or just `group` to match every version.
    pub api_version: String,
    /// The kind, e.g. `Rollout`.
    pub kind: String,
    /// RFC 6901 pointer to the pod spec, e.g. `/spec/template/spec`; the pod
    /// metadata is its sibling `metadata`.
    pub pod_spec_pointer: String,
    /// The kind's plural resource name (e.g. `rollouts`), which admission
    /// rules match on; the core ignores it, `seccomp-fix admission-policy`
    /// and the chart's webhook rules need it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
}

/// A resource name as the API server serves it: a DNS label (lowercase
/// letters, digits and `-`, at most 63 characters).
fn is_resource_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    (1..=63).contains(&bytes.len())
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
        && bytes.first() != Some(&b'-')
        && bytes.last() != Some(&b'-')
}

fn yes() -> bool {
    true
}

fn default_skip_annotation() -> String {
    DEFAULT_SKIP_ANNOTATION.to_owned()
}

impl Default for Policy {
    fn default() -> Policy {
        Policy {
            default_profile: DefaultProfile::default(),
            migrate_annotations: true,
            keep_annotations: false,
            unconfined: UnconfinedMode::Keep,
            skip_annotation: default_skip_annotation(),
            custom_kinds: Vec::new(),
        }
    }
}

impl Policy {
    /// Parses and validates a policy from YAML (or JSON, which is YAML). An
    /// empty document is the default policy.
    pub fn from_yaml(text: &str) -> Result<Policy, CoreError> {
        let is_blank = text
            .lines()
            .all(|l| l.trim().is_empty() || l.trim_start().starts_with('#') || l.trim() == "---");
        let policy: Policy = if is_blank {
            Policy::default()
        } else {
            yaml_serde::from_str(text).map_err(|e| CoreError::PolicyParse(e.to_string()))?
        };
        policy.validate()?;
        Ok(policy)
    }

    /// Checks the values serde cannot check.
    pub fn validate(&self) -> Result<(), CoreError> {
        self.default_profile()?;
        if self.skip_annotation.trim().is_empty() {
            return Err(CoreError::PolicyValue {
                field: "skipAnnotation",
                reason: "must not be empty".into(),
            });
        }
        for kind in &self.custom_kinds {
            let reason = if kind.kind.is_empty() || kind.api_version.is_empty() {
                Some("apiVersion and kind must not be empty".to_owned())
            } else if let Some(bad) = kind.resource.as_deref().filter(|r| !is_resource_name(r)) {
                Some(format!(
                    "resource {bad:?} of {}: expected a lowercase plural such as rollouts",
                    kind.kind
                ))
            } else if !kind.pod_spec_pointer.starts_with('/') {
                Some(format!(
                    "podSpecPointer {:?} must start with /",
                    kind.pod_spec_pointer
                ))
            } else {
                jsonptr::PointerBuf::parse(kind.pod_spec_pointer.clone())
                    .err()
                    .map(|e| format!("podSpecPointer {:?}: {e}", kind.pod_spec_pointer))
            };
            if let Some(reason) = reason {
                return Err(CoreError::PolicyValue {
                    field: "customKinds",
                    reason,
                });
            }
        }
        Ok(())
    }

    /// The profile to set where none is present.
    pub fn default_profile(&self) -> Result<Profile, CoreError> {
        let path = self.default_profile.localhost_profile.as_deref();
        match (self.default_profile.kind, path) {
            (DefaultProfileType::RuntimeDefault, None) => Ok(Profile::RuntimeDefault),
            (DefaultProfileType::RuntimeDefault, Some(_)) => Err(CoreError::PolicyValue {
                field: "defaultProfile.localhostProfile",
                reason: "only allowed with type Localhost".into(),
            }),
            (DefaultProfileType::Localhost, Some(p)) if is_valid_localhost_path(p) => {
                Ok(Profile::Localhost(p.to_owned()))
            }
            (DefaultProfileType::Localhost, _) => Err(CoreError::PolicyValue {
                field: "defaultProfile.localhostProfile",
                reason: "Localhost needs a non-empty relative path without .. segments".into(),
            }),
        }
    }

    /// The default profile, falling back to `RuntimeDefault` for an invalid
    /// policy built in code (a loaded policy is always valid).
    pub(crate) fn profile_or_runtime_default(&self) -> Profile {
        self.default_profile().unwrap_or(Profile::RuntimeDefault)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn empty_file_is_the_default_policy() {
        assert_eq!(Policy::from_yaml("").unwrap(), Policy::default());
        assert_eq!(
            Policy::from_yaml("# nothing\n---\n").unwrap(),
            Policy::default()
        );
    }

    #[test]
    fn full_policy_parses() {
        let p = Policy::from_yaml(
            "defaultProfile: {type: Localhost, localhostProfile: profiles/a.json}\n\
             migrateAnnotations: false\nkeepAnnotations: true\nunconfined: harden\n\
             skipAnnotation: example.com/no-seccomp\n\
             customKinds:\n- {apiVersion: argoproj.io/v1alpha1, kind: Rollout, resource: rollouts, podSpecPointer: /spec/template/spec}\n",
        )
        .unwrap();
        assert_eq!(
            p.default_profile().unwrap(),
            Profile::Localhost("profiles/a.json".into())
        );
        assert!(!p.migrate_annotations && p.keep_annotations);
        assert_eq!(p.unconfined, UnconfinedMode::Harden);
        assert_eq!(p.custom_kinds[0].kind, "Rollout");
        assert_eq!(p.custom_kinds[0].resource.as_deref(), Some("rollouts"));
    }

    #[test]
    fn unknown_keys_are_refused_by_name() {
        let err = Policy::from_yaml("migrateAnnotation: true\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("migrateAnnotation"), "{err}");
        let err = Policy::from_yaml("defaultProfile: {type: RuntimeDefault, path: x}\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("path"), "{err}");
    }

    #[test]
    fn bad_values_are_refused() {
        for text in [
            "defaultProfile: {type: Localhost}",
            "defaultProfile: {type: Localhost, localhostProfile: /abs}",
            "defaultProfile: {type: Localhost, localhostProfile: a/../../b}",
            "defaultProfile: {type: RuntimeDefault, localhostProfile: a}",
            "defaultProfile: {type: Unconfined}",
            "unconfined: allow",
            "skipAnnotation: ''",
            "customKinds: [{apiVersion: a/v1, kind: X, podSpecPointer: spec}]",
            "customKinds: [{apiVersion: a/v1, kind: X, resource: Xs, podSpecPointer: /spec}]",
            "customKinds: [{apiVersion: a/v1, kind: X, resource: '', podSpecPointer: /spec}]",
            "customKinds: [{apiVersion: a/v1, kind: X, resource: x/y, podSpecPointer: /spec}]",
        ] {
            assert!(Policy::from_yaml(text).is_err(), "{text}");
        }
    }
}
