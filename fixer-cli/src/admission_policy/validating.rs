//! The companion ValidatingAdmissionPolicy (bound with `Warn` and `Audit`):
//! the core's warnings that a mutation cannot carry. It sees the object after
//! every mutation, so it repeats the findings still visible there, not the
//! webhook's summary of what changed.

use seccomp_core::POD_ANNOTATION;
use serde_json::{json, Value};

use super::cel::{lit, migratable, CONTAINER_PREFIX_LEN};
use super::prefilter;
use super::variables::{self, Variable};
use super::{binding_selectors, match_conditions, Input, API_VERSION};

/// The findings, each a list of what the message names.
fn findings() -> Vec<Variable> {
    let name = format!("k.substring({CONTAINER_PREFIX_LEN})");
    vec![
        (
            "currentByName",
            "variables.containers.transformMapEntry(i, r, r.named, {r.name: variables.currents[i]})"
                .to_owned(),
        ),
        (
            "privileged",
            r#"variables.containers.filter(r, r.privileged).map(r, "\"" + (r.named ? r.name : "?") + "\"")"#
                .to_owned(),
        ),
        (
            "unconfined",
            "(variables.podField == \"unconfined\" ? [\"pod\"] : []) +\n\
             variables.containers.transformList(i, r, variables.currents[i] == \"unconfined\",\n\
             \x20 \"container \\\"\" + (r.named ? r.name : \"?\") + \"\\\"\")"
                .to_owned(),
        ),
        (
            "notMigratable",
            format!(
                "variables.annotations.transformList(k, v,\n\
                 \x20 (k == {pod} ? variables.podField == \"\" :\n\
                 \x20   k.startsWith({prefix}) && {name} in variables.currentByName &&\n\
                 \x20   variables.currentByName[{name}] == \"\") &&\n\
                 \x20 !(type(v) == string && {ok}),\n\
                 \x20 k + \"=\" + (type(v) == string ? v : \"\"))",
                pod = lit(POD_ANNOTATION),
                prefix = lit(seccomp_core::CONTAINER_ANNOTATION_PREFIX),
                ok = migratable("v"),
            ),
        ),
    ]
}

/// Skips what the core would not plan.
const READ: &str = "!variables.wellFormed || variables.skipped";

/// "first (+N more)" of a list variable.
fn first_of(list: &str) -> String {
    format!(
        "variables.{list}[0] + (variables.{list}.size() > 1 ? \" (+\" + string(variables.{list}.size() - 1) + \" more)\" : \"\")"
    )
}

fn validations() -> Value {
    json!([
        {
            "expression": format!("{READ} || variables.privileged.size() == 0"),
            "messageExpression": format!(
                "\"seccomp-defaulter: container \" + {} + \" is privileged: seccomp does not apply to it\"",
                first_of("privileged")
            ),
            "reason": "Invalid",
        },
        {
            "expression": format!("{READ} || variables.unconfined.size() == 0"),
            "messageExpression": format!(
                "\"seccomp-defaulter: \" + {} + \" explicitly chose Unconfined: kept, fails the restricted policy\"",
                first_of("unconfined")
            ),
            "reason": "Invalid",
        },
        {
            "expression": format!("{READ} || variables.duplicateNames || variables.notMigratable.size() == 0"),
            "messageExpression": format!(
                "\"seccomp-defaulter: \" + {} + \" is not a valid profile: fix it by hand\"",
                first_of("notMigratable")
            ),
            "reason": "Invalid",
        },
    ])
}

/// The ValidatingAdmissionPolicy and its binding (`Warn`, `Audit`).
pub fn documents(input: &Input<'_>) -> [Value; 2] {
    let name = format!("{}-warnings", input.options.name);
    let mut vars = variables::pod(input.scope, input.knobs);
    vars.extend(findings());
    let mut conditions = match_conditions();
    if let Some(list) = conditions.as_array_mut() {
        list.push(json!({"name": "may-warn", "expression": prefilter::maybe_warns(input.scope, input.knobs)}));
    }
    let policy = json!({
        "apiVersion": API_VERSION,
        "kind": "ValidatingAdmissionPolicy",
        "metadata": {"name": name, "annotations": input.annotations},
        "spec": {
            // Warnings never block a request.
            "failurePolicy": "Ignore",
            "matchConstraints": {
                "matchPolicy": "Equivalent",
                "resourceRules": input.scope.rules,
            },
            "matchConditions": conditions,
            "variables": variables::to_json(vars),
            "validations": validations(),
        },
    });
    let binding = json!({
        "apiVersion": API_VERSION,
        "kind": "ValidatingAdmissionPolicyBinding",
        "metadata": {"name": name},
        "spec": {
            "policyName": name,
            "validationActions": ["Warn", "Audit"],
            "matchResources": binding_selectors(input.options),
        },
    });
    [policy, binding]
}
