//! The policy (§7): one YAML/JSON file shared by the webhook and the CLI.
//!
//! The core reads no YAML itself: a front end hands it any serde
//! [`Deserializer`] over the file (the webhook and the fixer use `yaml_serde`,
//! the KRM function the functionConfig's JSON value), and
//! [`Policy::from_deserializer`] turns it into a validated policy.

use serde::{Deserialize, Deserializer, Serialize};

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
    /// Reads and validates a policy from any serde deserializer, e.g.
    /// `yaml_serde::Deserializer::from_str(text)` for a policy file. An empty
    /// document (null, or a YAML file of only comments) is the default policy.
    ///
    /// ```
    /// use seccomp_core::{Policy, UnconfinedMode};
    ///
    /// let value = serde_json::json!({"unconfined": "harden"});
    /// let policy = Policy::from_deserializer(value).unwrap();
    /// assert_eq!(policy.unconfined, UnconfinedMode::Harden);
    /// assert!(Policy::from_value(serde_json::json!({"unknownKey": 1})).is_err());
    /// ```
    pub fn from_deserializer<'de, D>(deserializer: D) -> Result<Policy, CoreError>
    where
        D: Deserializer<'de>,
        D::Error: std::error::Error + Send + Sync + 'static,
    {
        let policy = Option::<Policy>::deserialize(deserializer)
            .map_err(|e| CoreError::PolicyParse(Box::new(e)))?
            .unwrap_or_default();
        policy.validate()?;
        Ok(policy)
    }

    /// Reads and validates a policy from a JSON value (a KRM functionConfig's
    /// `spec`, a parsed file); `null` is the default policy.
    pub fn from_value(value: serde_json::Value) -> Result<Policy, CoreError> {
        Policy::from_deserializer(value)
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
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use serde_json::{json, Value};

    #[test]
    fn null_is_the_default_policy() {
        assert_eq!(Policy::from_value(Value::Null).unwrap(), Policy::default());
        assert_eq!(Policy::from_value(json!({})).unwrap(), Policy::default());
    }

    #[test]
    fn a_parse_error_keeps_its_cause() {
        let err = Policy::from_value(json!({"keepAnnotations": "yes"})).unwrap_err();
        let source = std::error::Error::source(&err).expect("the deserializer's error");
        assert!(source.to_string().contains("boolean"), "{source}");
    }

    #[test]
    fn full_policy_parses() {
        let p = Policy::from_value(json!({
            "defaultProfile": {"type": "Localhost", "localhostProfile": "profiles/a.json"},
            "migrateAnnotations": false, "keepAnnotations": true, "unconfined": "harden",
            "skipAnnotation": "example.com/no-seccomp",
            "customKinds": [{"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout",
                             "resource": "rollouts", "podSpecPointer": "/spec/template/spec"}],
        }))
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
        let err = Policy::from_value(json!({"migrateAnnotation": true}))
            .unwrap_err()
            .to_string();
        assert!(err.contains("migrateAnnotation"), "{err}");
        let err =
            Policy::from_value(json!({"defaultProfile": {"type": "RuntimeDefault", "path": "x"}}))
                .unwrap_err()
                .to_string();
        assert!(err.contains("path"), "{err}");
    }

    #[test]
    fn bad_values_are_refused() {
        let kind = |extra: Value| {
            let mut k = json!({"apiVersion": "a/v1", "kind": "X", "podSpecPointer": "/spec"});
            for (key, value) in extra.as_object().unwrap() {
                k[key] = value.clone();
            }
            json!({ "customKinds": [k] })
        };
        for value in [
            json!({"defaultProfile": {"type": "Localhost"}}),
            json!({"defaultProfile": {"type": "Localhost", "localhostProfile": "/abs"}}),
            json!({"defaultProfile": {"type": "Localhost", "localhostProfile": "a/../../b"}}),
            json!({"defaultProfile": {"type": "RuntimeDefault", "localhostProfile": "a"}}),
            json!({"defaultProfile": {"type": "Unconfined"}}),
            json!({"unconfined": "allow"}),
            json!({"skipAnnotation": ""}),
            kind(json!({"podSpecPointer": "spec"})),
            kind(json!({"resource": "Xs"})),
            kind(json!({"resource": ""})),
            kind(json!({"resource": "x/y"})),
        ] {
            assert!(Policy::from_value(value.clone()).is_err(), "{value}");
        }
    }
}
