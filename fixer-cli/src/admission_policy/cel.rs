//! CEL fragments of the core's decision (§3, §4), as text.
//!
//! A profile is carried through the CEL as its *annotation spelling*, so that
//! the API server's annotation/field match rule is a string comparison:
//! `"runtime/default"`, `"unconfined"`, `"localhost/<path>"`; `""` means no
//! field and `"!"` a present but invalid field (left alone, like the core's
//! `FieldState::Invalid`). The policy's knobs are constants folded into the
//! text at generation time.

use seccomp_core::{CoreError, Policy, Profile, UnconfinedMode, CONTAINER_ANNOTATION_PREFIX};

/// The policy knobs the CEL folds in, read once from a validated policy.
#[derive(Debug, Clone)]
pub struct Knobs {
    /// The default profile, spelled, as a CEL literal.
    pub default: String,
    /// `unconfined: harden`.
    pub harden: bool,
    /// `migrateAnnotations`.
    pub migrate: bool,
    /// `keepAnnotations`.
    pub keep: bool,
    /// The opt-out annotation key, as a CEL literal.
    pub skip_annotation: String,
}

impl Knobs {
    /// The knobs of `policy`; fails only for an invalid default profile.
    pub fn of(policy: &Policy) -> Result<Knobs, CoreError> {
        Ok(Knobs {
            default: lit(&spelling(&policy.default_profile()?)),
            harden: policy.unconfined == UnconfinedMode::Harden,
            migrate: policy.migrate_annotations,
            keep: policy.keep_annotations,
            skip_annotation: lit(&policy.skip_annotation),
        })
    }
}

/// Spelling of a level without a field.
pub const ABSENT: &str = "";
/// Spelling of a level whose field is present but not a valid profile.
pub const INVALID: &str = "!";

/// A CEL string literal (JSON string escapes are valid CEL escapes).
pub fn lit(text: &str) -> String {
    serde_json::Value::from(text).to_string()
}

/// The annotation spelling of a profile.
pub fn spelling(profile: &Profile) -> String {
    match profile {
        Profile::RuntimeDefault => "runtime/default".to_owned(),
        Profile::Unconfined => "unconfined".to_owned(),
        Profile::Localhost(path) => format!("localhost/{path}"),
    }
}

/// `localhost/` is 10 characters: the path starts there.
const LOCALHOST_PREFIX_LEN: usize = "localhost/".len();

/// A localhost profile path the API server accepts (non-empty, relative, no
/// `..` segment); `path` must be a string expression.
fn valid_path(path: &str) -> String {
    format!(
        r#"({path} != "" && !{path}.startsWith("/") && !{path}.split("/").exists(s, s == ".."))"#
    )
}

/// Classifies a `seccompProfile` value (`field`: any value, `null` when
/// missing) into its spelling, `ABSENT` or `INVALID` (`Profile::read_field`).
pub fn classify(field: &str) -> String {
    let kind = format!("{field}.?type.orValue(\"\")");
    let path = format!("{field}.?localhostProfile.orValue(null)");
    format!(
        "{field} == null ? {absent} :\n\
         type({field}) != map ? {invalid} :\n\
         {kind} == \"RuntimeDefault\" && {path} == null ? \"runtime/default\" :\n\
         {kind} == \"Unconfined\" && {path} == null ? \"unconfined\" :\n\
         {kind} == \"Localhost\" && type({path}) == string &&\n\
         \x20 {valid} ? \"localhost/\" + {field}.localhostProfile :\n\
         {invalid}",
        absent = lit(ABSENT),
        invalid = lit(INVALID),
        valid = valid_path(&format!("{field}.localhostProfile")),
    )
}

/// Whether an annotation value (a string expression) maps to a field (§3).
pub fn migratable(value: &str) -> String {
    let path = format!("{value}.substring({LOCALHOST_PREFIX_LEN})");
    format!(
        r#"({value} in ["runtime/default", "docker/default", "unconfined"] || {value}.startsWith("localhost/") && {valid})"#,
        valid = valid_path(&path),
    )
}

/// The spelling a migratable annotation value sets, hardened under policy
/// `unconfined: harden`.
pub fn migrated(value: &str, knobs: &Knobs) -> String {
    let harden = if knobs.harden {
        format!(" : {value} == \"unconfined\" ? {}", knobs.default)
    } else {
        String::new()
    };
    format!("({value} == \"docker/default\" ? \"runtime/default\"{harden} : {value})")
}

/// What a level's field becomes (rules 3–6): `current` is the level's
/// classified field, `annotation` its legacy annotation value or `null`,
/// `defaulted` whether an absent field gets the default (the pod level).
pub fn effective(current: &str, annotation: &str, defaulted: bool, knobs: &Knobs) -> String {
    let harden = if knobs.harden {
        format!("{current} == \"unconfined\" ? {} :\n", knobs.default)
    } else {
        String::new()
    };
    let otherwise = if defaulted {
        knobs.default.clone()
    } else {
        lit(ABSENT)
    };
    // With migration on, a non-migratable annotation leaves the level absent
    // (semantics.md rule 3), even at the pod level.
    let absent = if knobs.migrate {
        format!(
            "{annotation} == null ? {otherwise} :\ntype({annotation}) == string && {migratable} ? {migrated} :\n{none}",
            migratable = migratable(annotation),
            migrated = migrated(annotation, knobs),
            none = lit(ABSENT),
        )
    } else {
        otherwise
    };
    format!(
        "{current} == {invalid} ? {invalid} :\n{harden}{current} != {none} ? {current} :\n{absent}",
        invalid = lit(INVALID),
        none = lit(ABSENT),
    )
}

/// The `seccompProfile` value of a spelling (a valid one).
pub fn field_value(spelled: &str) -> String {
    format!(
        r#"({spelled} == "runtime/default" ? {{"type": "RuntimeDefault"}} : {spelled} == "unconfined" ? {{"type": "Unconfined"}} : {{"type": "Localhost", "localhostProfile": {spelled}.substring({LOCALHOST_PREFIX_LEN})}})"#
    )
}

/// Whether an annotation (`value`) beside a level whose field ends up as
/// `effective` is removed (rule 7; orphans are decided by the caller).
pub fn annotation_goes(effective: &str, value: &str, knobs: &Knobs) -> String {
    let settled = format!(
        "{effective} != {none} && {effective} != {invalid}",
        none = lit(ABSENT),
        invalid = lit(INVALID)
    );
    if knobs.keep {
        // Kept only when it agrees with the field (the API server's match rule).
        format!(
            r#"({settled} && !({effective} == "runtime/default" ? {value} in ["runtime/default", "docker/default"] : {value} == {effective}))"#
        )
    } else {
        format!("({settled})")
    }
}

/// A legacy annotation's value in `annotations` (a map): `null` when absent,
/// `false` when present but null, so that a present non-string value is not
/// mistaken for a missing annotation (the core reads it as not migratable).
pub fn annotation_value(annotations: &str, key: &str) -> String {
    format!("({key} in {annotations} ? ({annotations}[{key}] == null ? false : {annotations}[{key}]) : null)")
}

/// The container annotation key of a container name (a string expression).
pub fn container_key(name: &str) -> String {
    format!("{} + {name}", lit(CONTAINER_ANNOTATION_PREFIX))
}

/// Length of the container annotation prefix (the name follows).
pub const CONTAINER_PREFIX_LEN: usize = CONTAINER_ANNOTATION_PREFIX.len();
