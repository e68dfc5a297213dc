//! The MutatingAdmissionPolicy: the core's decision (§4) as one JSON Patch,
//! in the core's order (pod level, containers, annotations).

use seccomp_core::POD_ANNOTATION;
use serde_json::{json, Value};

use super::cel::{annotation_goes, effective, field_value, lit, Knobs, CONTAINER_PREFIX_LEN};
use super::prefilter;
use super::variables::{self, Variable};
use super::{binding_selectors, match_conditions, Input, API_VERSION};

/// One patch operation with a value, as a map (`JSONPatch` is declared only
/// in mutation expressions, not in variables).
fn op(kind: &str, path: &str, value: &str) -> String {
    format!("{{\"op\": dyn(\"{kind}\"), \"path\": dyn({path}), \"value\": dyn({value})}}")
}

/// The variables only the mutation needs, after the shared ones.
fn decision(knobs: &Knobs) -> Vec<Variable> {
    let default_value = field_value(&knobs.default);
    let pod_field_at = r#"variables.site.spec + "/securityContext/seccompProfile""#;
    let harden_pod = if knobs.harden {
        format!(
            "variables.podField == \"unconfined\" ? [{}] :\n",
            op("replace", pod_field_at, &default_value)
        )
    } else {
        String::new()
    };
    let pod_value = field_value("variables.podEffective");
    let pod_ops = format!(
        "{harden_pod}variables.podField == \"\" && variables.podEffective != \"\" ? [\n\
         \x20 variables.spec.?securityContext.orValue(null) != null ?\n\
         \x20   {with_context} :\n\
         \x20   {without_context}\n\
         ] : []",
        with_context = op("add", pod_field_at, &pod_value),
        without_context = op(
            "add",
            r#"variables.site.spec + "/securityContext""#,
            &format!("{{\"seccompProfile\": {pod_value}}}")
        ),
    );
    let container_field_at = r#"r.at + "/securityContext/seccompProfile""#;
    let (harden_filter, harden_op) = if knobs.harden {
        (
            " ||\n\x20 variables.currents[i] == \"unconfined\"".to_owned(),
            format!(
                "\x20 variables.currents[i] == \"unconfined\" ?\n\x20   {} :\n",
                op("replace", container_field_at, &default_value)
            ),
        )
    } else {
        (String::new(), String::new())
    };
    let container_value = field_value("variables.effectives[i]");
    let container_ops = format!(
        "variables.containers.transformList(i, r,\n\
         \x20 variables.currents[i] == \"\" && variables.effectives[i] != \"\"{harden_filter},\n\
         {harden_op}\
         \x20 r.context ?\n\
         \x20   {with_context} :\n\
         \x20   {without_context})",
        with_context = op("add", container_field_at, &container_value),
        without_context = op(
            "add",
            r#"r.at + "/securityContext""#,
            &format!("{{\"seccompProfile\": {container_value}}}")
        ),
    );
    let name = format!("k.substring({CONTAINER_PREFIX_LEN})");
    let removed = format!(
        "variables.annotations.transformList(k, v,\n\
         \x20 k == {pod} ? {pod_goes} :\n\
         \x20 k.startsWith({prefix}) &&\n\
         \x20   (!({name} in variables.effectiveByName) || {container_goes}),\n\
         \x20 k)",
        pod = lit(POD_ANNOTATION),
        pod_goes = annotation_goes("variables.podEffective", "v", knobs),
        prefix = lit(seccomp_core::CONTAINER_ANNOTATION_PREFIX),
        container_goes = annotation_goes(&format!("variables.effectiveByName[{name}]"), "v", knobs),
    );
    // An emptied map goes too, or a pod template's metadata it emptied
    // (semantics.md, "The patch"); "" when removed one by one.
    let emptied = "variables.removedAnnotations.size() == 0 ||\n\
         variables.removedAnnotations.size() != variables.annotations.size() ? \"\" :\n\
         variables.site.at != \"\" && variables.meta.size() == 1 ?\n\
         \x20 variables.site.at + \"/metadata\" : variables.site.at + \"/metadata/annotations\""
        .to_owned();
    let per_container = if knobs.harden {
        "true".to_owned()
    } else {
        format!(
            "variables.annotations.exists(k, k.startsWith({}))",
            lit(seccomp_core::CONTAINER_ANNOTATION_PREFIX)
        )
    };
    vec![
        ("perContainer", per_container),
        (
            "podEffective",
            effective("variables.podField", "variables.podAnnotation", true, knobs),
        ),
        (
            "effectives",
            format!(
                "variables.containers.transformList(i, r, {})",
                effective("variables.currents[i]", "r.annotation", false, knobs)
            ),
        ),
        (
            "effectiveByName",
            "variables.containers.transformMapEntry(i, r, r.named, {r.name: variables.effectives[i]})"
                .to_owned(),
        ),
        ("removedAnnotations", removed),
        ("podOps", pod_ops),
        ("containerOps", container_ops),
        ("emptied", emptied),
    ]
}

/// The patch: nothing for a pod the core would not plan (no spec,
/// malformed, Windows, opted out). Containers are only read when one can
/// change: with a container annotation or under `harden` (`perContainer`);
/// then repeated container names leave the pod alone.
const MUTATION: &str = "!variables.wellFormed || variables.skipped ? [] :\n\
     variables.perContainer && variables.duplicateNames ? [] :\n\
     (variables.podOps + (variables.perContainer ? variables.containerOps : []))\n\
     \x20 .map(o, JSONPatch{op: o.op, path: o.path, value: o.value}) +\n\
     (variables.emptied != \"\" ? [JSONPatch{op: \"remove\", path: variables.emptied}] :\n\
     \x20 variables.removedAnnotations.map(k, JSONPatch{op: \"remove\",\n\
     \x20   path: variables.site.at + \"/metadata/annotations/\" + jsonpatch.escapeKey(k)}))";

/// The MutatingAdmissionPolicy and its binding.
pub fn documents(input: &Input<'_>) -> [Value; 2] {
    let mut vars = variables::pod(input.scope, input.knobs);
    vars.extend(decision(input.knobs));
    let mut conditions = match_conditions();
    if let Some(list) = conditions.as_array_mut() {
        list.push(
            json!({"name": "may-change", "expression": prefilter::maybe_changes(input.scope, input.knobs)}),
        );
    }
    let policy = json!({
        "apiVersion": API_VERSION,
        "kind": "MutatingAdmissionPolicy",
        "metadata": {"name": input.options.name, "annotations": input.annotations},
        "spec": {
            "failurePolicy": input.options.failure_policy.as_str(),
            "reinvocationPolicy": "IfNeeded",
            "matchConstraints": {
                "matchPolicy": "Equivalent",
                "resourceRules": input.scope.rules,
            },
            "matchConditions": conditions,
            "variables": variables::to_json(vars),
            "mutations": [{
                "patchType": "JSONPatch",
                "jsonPatch": {"expression": MUTATION},
            }],
        },
    });
    let binding = json!({
        "apiVersion": API_VERSION,
        "kind": "MutatingAdmissionPolicyBinding",
        "metadata": {"name": input.options.name},
        "spec": {
            "policyName": input.options.name,
            "matchResources": binding_selectors(input.options),
        },
    });
    [policy, binding]
}
