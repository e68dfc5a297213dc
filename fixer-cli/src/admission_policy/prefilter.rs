//! The match conditions that skip requests with nothing to do.
//!
//! A MutatingAdmissionPolicy that matches re-encodes the object even when its
//! patch is empty; the webhook leaves such an object alone. Skipping up front
//! keeps the stored objects the same (a Job without labels of its own keeps
//! sharing its template's labels, which the API server then extends) and
//! saves the round trip for pods that are already compliant. The warnings
//! policy likewise skips pods with nothing to warn about.
//!
//! Each condition is a cheap superset of "something to do". Match conditions
//! cannot read `variables`, so the pod's spec, metadata and annotations are
//! bound with one-element comprehensions.

use seccomp_core::{CONTAINER_ANNOTATION_PREFIX, POD_ANNOTATION};

use super::cel::{lit, Knobs};
use super::rules::Scope;
use super::variables::{site_objects, skipped, Leaf, KIND_EXPRESSION, LISTS};

/// `body` (over `spec`, a map, `meta` and `a`, the annotations or `{}`) for a
/// pod that is not skipped; false when there is no pod spec.
fn for_the_pod(scope: &Scope, knobs: &Knobs, body: &str) -> String {
    let spec = site_objects(&scope.sites, KIND_EXPRESSION, Leaf::Spec);
    let meta = site_objects(&scope.sites, KIND_EXPRESSION, Leaf::Metadata);
    format!(
        "[dyn(({spec}).orValue(null))].exists(spec, type(spec) == map &&\n\
         [dyn(({meta}).orValue(null))].exists(meta,\n\
         \x20 [dyn(type(meta) == map && type(meta.?annotations.orValue(null)) == map ? meta.annotations : {{}})].exists(a,\n\
         \x20   !({skipped}) &&\n\
         \x20   ({body}))))",
        skipped = skipped(knobs, "spec", "meta"),
    )
}

/// Some legacy annotation is present.
fn legacy_annotation() -> String {
    format!(
        "a.exists(k, k == {} || k.startsWith({}))",
        lit(POD_ANNOTATION),
        lit(CONTAINER_ANNOTATION_PREFIX)
    )
}

/// A level (a map) whose `securityContext` may be anything is `Unconfined`.
fn unconfined_at(level: &str) -> String {
    format!(
        "type({level}.?securityContext.orValue(null)) == map && \
         type({level}.securityContext.?seccompProfile.orValue(null)) == map && \
         {level}.securityContext.seccompProfile.?type.orValue(\"\") == \"Unconfined\""
    )
}

/// `test` holds for some container (a map) of the three lists.
fn any_container(test: &str) -> String {
    format!(
        "{LISTS}.exists(l, type(spec[?l].orValue(null)) == list &&\n\
         \x20       spec[l].exists(c, type(c) == map && ({test})))"
    )
}

/// The mutating policy's condition: the pod-level field is missing, a legacy
/// annotation is present, or (under `harden`) some level is `Unconfined`.
pub fn maybe_changes(scope: &Scope, knobs: &Knobs) -> String {
    let harden = if knobs.harden {
        format!(
            " ||\n\x20     {} ||\n\x20     {}",
            unconfined_at("spec"),
            any_container(&unconfined_at("c")),
        )
    } else {
        String::new()
    };
    let body = format!(
        "type(spec.?securityContext.orValue(null)) != map ||\n\
         \x20     spec.securityContext.?seccompProfile.orValue(null) == null ||\n\
         \x20     {legacy}{harden}",
        legacy = legacy_annotation(),
    );
    for_the_pod(scope, knobs, &body)
}

/// The warnings policy's condition: a privileged container, an `Unconfined`
/// level, or a legacy annotation (which may be one that cannot be migrated).
pub fn maybe_warns(scope: &Scope, knobs: &Knobs) -> String {
    let privileged = "type(c.?securityContext.orValue(null)) == map && \
                      c.securityContext.?privileged.orValue(false) == true";
    let body = format!(
        "{legacy} ||\n\x20     {pod} ||\n\x20     {containers}",
        legacy = legacy_annotation(),
        pod = unconfined_at("spec"),
        containers = any_container(&format!("{privileged} || {}", unconfined_at("c"))),
    );
    for_the_pod(scope, knobs, &body)
}
