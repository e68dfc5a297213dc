//! The match condition that skips requests with nothing to change.
//!
//! A MutatingAdmissionPolicy that matches re-encodes the object even when its
//! patch is empty; the webhook leaves such an object alone. Skipping up front
//! keeps the stored objects the same (a Job without labels of its own keeps
//! sharing its template's labels, which the API server then extends) and
//! saves the round trip for pods that are already compliant.
//!
//! The condition is a cheap superset of "the patch is not empty": not
//! skipped (Windows, opt-out) and either the pod-level field is missing, a
//! legacy annotation is present, or (under `unconfined: harden`) some level
//! is `Unconfined`. Match conditions cannot read `variables`, so the pod's
//! spec and annotations are bound with one-element comprehensions.

use seccomp_core::{CONTAINER_ANNOTATION_PREFIX, POD_ANNOTATION};

use super::cel::{lit, Knobs};
use super::rules::Scope;
use super::variables::{site_objects, skipped, Leaf, KIND_EXPRESSION, LISTS};

/// `has Unconfined` for one level (a map) whose `securityContext` may be anything.
fn unconfined_at(level: &str) -> String {
    format!(
        "type({level}.?securityContext.orValue(null)) == map && \
         type({level}.securityContext.?seccompProfile.orValue(null)) == map && \
         {level}.securityContext.seccompProfile.?type.orValue(\"\") == \"Unconfined\""
    )
}

/// The match condition's expression.
pub fn maybe_changes(scope: &Scope, knobs: &Knobs) -> String {
    let spec = site_objects(&scope.sites, KIND_EXPRESSION, Leaf::Spec);
    let meta = site_objects(&scope.sites, KIND_EXPRESSION, Leaf::Metadata);
    let harden = if knobs.harden {
        format!(
            " ||\n\x20     {pod} ||\n\
             \x20     {LISTS}.exists(l, type(spec[?l].orValue(null)) == list &&\n\
             \x20       spec[l].exists(c, type(c) == map && {container}))",
            pod = unconfined_at("spec"),
            container = unconfined_at("c"),
        )
    } else {
        String::new()
    };
    format!(
        "[dyn(({spec}).orValue(null))].exists(spec, type(spec) == map &&\n\
         [dyn(({meta}).orValue(null))].exists(meta,\n\
         \x20 [dyn(type(meta) == map && type(meta.?annotations.orValue(null)) == map ? meta.annotations : {{}})].exists(a,\n\
         \x20   !({skipped}) &&\n\
         \x20   (type(spec.?securityContext.orValue(null)) != map ||\n\
         \x20     spec.securityContext.?seccompProfile.orValue(null) == null ||\n\
         \x20     a.exists(k, k == {pod} || k.startsWith({prefix})){harden}))))",
        skipped = skipped(knobs, "spec", "meta"),
        pod = lit(POD_ANNOTATION),
        prefix = lit(CONTAINER_ANNOTATION_PREFIX),
    )
}
