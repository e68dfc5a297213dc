//! Errors of the core: only policy loading and patch application can fail.

/// What can go wrong in the core.
#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    /// The policy file is not valid YAML/JSON or has an unknown or mistyped key.
    #[error("invalid policy: {0}")]
    PolicyParse(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// The policy parsed but one of its values is not allowed.
    #[error("invalid policy: {field}: {reason}")]
    PolicyValue {
        /// The offending key, e.g. `defaultProfile.localhostProfile`.
        field: &'static str,
        /// Why the value is refused.
        reason: String,
    },
    /// A patch could not be applied to the object it was planned for.
    #[error("patch does not apply: {0}")]
    Apply(#[source] json_patch::PatchError),
}
