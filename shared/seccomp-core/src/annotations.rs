//! The deprecated seccomp annotations of a pod template.

use serde_json::{Map, Value};

/// Pod-level legacy annotation key.
pub const POD_ANNOTATION: &str = "seccomp.security.alpha.kubernetes.io/pod";
/// Prefix of the container-level legacy annotation keys (the container name follows).
pub const CONTAINER_ANNOTATION_PREFIX: &str = "container.seccomp.security.alpha.kubernetes.io/";

/// Whether `key` is a legacy seccomp annotation: the pod key, or a key with
/// the container prefix.
///
/// ```
/// use seccomp_core::is_legacy_annotation;
/// assert!(is_legacy_annotation("seccomp.security.alpha.kubernetes.io/pod"));
/// assert!(is_legacy_annotation("container.seccomp.security.alpha.kubernetes.io/app"));
/// assert!(!is_legacy_annotation("seccomp-defaulter.io/skip"));
/// ```
pub fn is_legacy_annotation(key: &str) -> bool {
    level_of(key).is_some()
}

/// The level the legacy annotation `key` applies to; `None` when it is not one.
fn level_of(key: &str) -> Option<Level<'_>> {
    if key == POD_ANNOTATION {
        Some(Level::Pod)
    } else {
        key.strip_prefix(CONTAINER_ANNOTATION_PREFIX)
            .map(Level::Container)
    }
}

/// Which level a legacy annotation applies to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Level<'a> {
    Pod,
    Container(&'a str),
}

/// One legacy annotation found on a pod template.
#[derive(Debug, Clone)]
pub(crate) struct Legacy<'a> {
    pub key: &'a str,
    pub level: Level<'a>,
    /// The value, if it is a string (annotations must be strings).
    pub value: Option<&'a str>,
}

/// The legacy seccomp annotations of `annotations`, in key order.
pub(crate) fn legacy(annotations: &Map<String, Value>) -> Vec<Legacy<'_>> {
    annotations
        .iter()
        .filter_map(|(key, value)| {
            crate::names::step();
            let level = level_of(key)?;
            Some(Legacy {
                key,
                level,
                value: value.as_str(),
            })
        })
        .collect()
}
