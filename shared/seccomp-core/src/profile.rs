//! Seccomp profiles: the field's value, the legacy annotation mapping (§3) and
//! the API server's annotation/field match rule.

use serde_json::{Map, Value};

/// A valid seccomp profile as the `seccompProfile` field expresses it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Profile {
    /// `{type: RuntimeDefault}`.
    RuntimeDefault,
    /// `{type: Unconfined}`.
    Unconfined,
    /// `{type: Localhost, localhostProfile: <path>}`, path relative to the kubelet's seccomp root.
    Localhost(String),
}

/// What the `seccompProfile` field of an object holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldState {
    /// Missing or `null`.
    Absent,
    /// A valid profile.
    Valid(Profile),
    /// An object that is not a valid profile (unknown type, bad localhost path…).
    Invalid(String),
}

impl Profile {
    /// Maps a legacy annotation value to the field (§3); `None` if not migratable.
    pub fn from_annotation(value: &str) -> Option<Profile> {
        match value {
            "runtime/default" | "docker/default" => Some(Profile::RuntimeDefault),
            "unconfined" => Some(Profile::Unconfined),
            _ => {
                let path = value.strip_prefix("localhost/")?;
                is_valid_localhost_path(path).then(|| Profile::Localhost(path.to_owned()))
            }
        }
    }

    /// Whether the API server accepts `annotation` beside this field
    /// (`validateSeccompAnnotationsAndFieldsMatch`).
    pub fn matches_annotation(&self, annotation: &str) -> bool {
        match self {
            Profile::RuntimeDefault => {
                annotation == "runtime/default" || annotation == "docker/default"
            }
            Profile::Unconfined => annotation == "unconfined",
            Profile::Localhost(path) => annotation.strip_prefix("localhost/") == Some(path),
        }
    }

    /// The field's JSON value.
    pub fn to_value(&self) -> Value {
        // Built by hand: `json!` serialises every value through serde.
        let mut map = Map::with_capacity(2);
        let kind = match self {
            Profile::RuntimeDefault => "RuntimeDefault",
            Profile::Unconfined => "Unconfined",
            Profile::Localhost(_) => "Localhost",
        };
        map.insert("type".to_owned(), Value::String(kind.to_owned()));
        if let Profile::Localhost(path) = self {
            map.insert("localhostProfile".to_owned(), Value::String(path.clone()));
        }
        Value::Object(map)
    }

    /// Reads a `seccompProfile` field value.
    pub(crate) fn read_field(value: Option<&Value>) -> FieldState {
        let Some(value) = value.filter(|v| !v.is_null()) else {
            return FieldState::Absent;
        };
        let Some(map) = value.as_object() else {
            return FieldState::Invalid("seccompProfile is not a mapping".into());
        };
        let localhost = map.get("localhostProfile").filter(|v| !v.is_null());
        match (map.get("type").and_then(Value::as_str), localhost) {
            (Some("RuntimeDefault"), None) => FieldState::Valid(Profile::RuntimeDefault),
            (Some("Unconfined"), None) => FieldState::Valid(Profile::Unconfined),
            (Some("Localhost"), Some(Value::String(p))) if is_valid_localhost_path(p) => {
                FieldState::Valid(Profile::Localhost(p.clone()))
            }
            (Some("Localhost"), _) => {
                FieldState::Invalid("Localhost needs a relative localhostProfile without ..".into())
            }
            (Some("RuntimeDefault" | "Unconfined"), Some(_)) => {
                FieldState::Invalid("localhostProfile is only allowed with type Localhost".into())
            }
            (Some(other), _) => FieldState::Invalid(format!("unknown type {other:?}")),
            (None, _) => FieldState::Invalid("seccompProfile has no string type".into()),
        }
    }
}

impl std::fmt::Display for Profile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Profile::RuntimeDefault => f.write_str("RuntimeDefault"),
            Profile::Unconfined => f.write_str("Unconfined"),
            Profile::Localhost(path) => write!(f, "Localhost {path}"),
        }
    }
}

/// A localhost profile path the API server accepts: non-empty, relative, no `..` segment.
pub(crate) fn is_valid_localhost_path(path: &str) -> bool {
    !path.is_empty() && !path.starts_with('/') && !path.split('/').any(|seg| seg == "..")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn annotation_table_of_spec_section_3() {
        let cases: &[(&str, Option<Profile>)] = &[
            ("runtime/default", Some(Profile::RuntimeDefault)),
            ("docker/default", Some(Profile::RuntimeDefault)),
            ("unconfined", Some(Profile::Unconfined)),
            (
                "localhost/a.json",
                Some(Profile::Localhost("a.json".into())),
            ),
            (
                "localhost/p/a.json",
                Some(Profile::Localhost("p/a.json".into())),
            ),
            (
                "localhost/a..b/c",
                Some(Profile::Localhost("a..b/c".into())),
            ),
            ("localhost/", None),
            ("localhost//etc/x", None),
            ("localhost/../x", None),
            ("localhost/p/../../x", None),
            ("Unconfined", None),
            ("RuntimeDefault", None),
            ("", None),
            ("localhost", None),
        ];
        for (value, want) in cases {
            assert_eq!(&Profile::from_annotation(value), want, "{value:?}");
        }
    }

    #[test]
    fn match_rule_follows_the_api_server() {
        assert!(Profile::RuntimeDefault.matches_annotation("docker/default"));
        assert!(Profile::RuntimeDefault.matches_annotation("runtime/default"));
        assert!(!Profile::RuntimeDefault.matches_annotation("unconfined"));
        assert!(Profile::Unconfined.matches_annotation("unconfined"));
        assert!(Profile::Localhost("a".into()).matches_annotation("localhost/a"));
        assert!(!Profile::Localhost("a".into()).matches_annotation("localhost/b"));
        assert!(!Profile::Localhost("a".into()).matches_annotation("runtime/default"));
    }

    #[test]
    fn field_reading_flags_invalid_shapes() {
        let read = |v: Value| Profile::read_field(Some(&v));
        assert_eq!(read(Value::Null), FieldState::Absent);
        assert_eq!(Profile::read_field(None), FieldState::Absent);
        assert_eq!(
            read(json!({"type": "RuntimeDefault"})),
            FieldState::Valid(Profile::RuntimeDefault)
        );
        assert!(matches!(
            read(json!({"type": "Localhost"})),
            FieldState::Invalid(_)
        ));
        assert!(matches!(
            read(json!({"type": "Localhost", "localhostProfile": "/abs"})),
            FieldState::Invalid(_)
        ));
        assert!(matches!(
            read(json!({"type": "Weird"})),
            FieldState::Invalid(_)
        ));
        assert!(matches!(
            read(json!("RuntimeDefault")),
            FieldState::Invalid(_)
        ));
        assert!(matches!(
            read(json!({"type": "Unconfined", "localhostProfile": "x"})),
            FieldState::Invalid(_)
        ));
    }
}
