//! The deprecated seccomp annotations of a pod template.

use serde_json::{Map, Value};

/// Pod-level legacy annotation key.
pub const POD_ANNOTATION: &str = "seccomp.security.alpha.kubernetes.io/pod";
/// Prefix of the container-level legacy annotation keys (the container name follows).
pub const CONTAINER_ANNOTATION_PREFIX: &str = "container.seccomp.security.alpha.kubernetes.io/";

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
            let level = if key == POD_ANNOTATION {
                Level::Pod
            } else {
                Level::Container(key.strip_prefix(CONTAINER_ANNOTATION_PREFIX)?)
            };
            Some(Legacy {
                key,
                level,
                value: value.as_str(),
            })
        })
        .collect()
}
