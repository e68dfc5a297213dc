//! The CEL variables both policies share: where the pod is, whether it is
//! read at all (shape, Windows, opt-out) and what each level holds.
//!
//! Every pass over containers or annotations is one comprehension, and
//! lookups by container name go through a map, so the cost is linear in the
//! pod's size.

use seccomp_core::POD_ANNOTATION;

use super::cel::{annotation_value, classify, container_key, lit, Knobs};
use super::rules::{KindMatch, Scope, Site};

/// A named CEL expression (`spec.variables[]`).
pub type Variable = (&'static str, String);

/// `spec.variables` of a policy.
pub fn to_json(vars: Vec<Variable>) -> Vec<serde_json::Value> {
    vars.into_iter()
        .map(|(name, expression)| serde_json::json!({"name": name, "expression": expression}))
        .collect()
}

/// The container lists of a pod spec, in the core's planning order.
pub const LISTS: &str = r#"["containers", "initContainers", "ephemeralContainers"]"#;

/// Where the pod is and how it reads: every policy's first variables.
pub fn pod(scope: &Scope, knobs: &Knobs) -> Vec<Variable> {
    vec![
        ("kind", KIND_EXPRESSION.to_owned()),
        ("site", site_paths(&scope.sites)),
        ("template", site_objects(&scope.sites, KIND, Leaf::Template)),
        (
            "spec",
            "dyn(type(variables.template.orValue(null)) == map ? \
             variables.template.value()[?variables.site.key].orValue(null) : null)"
                .to_owned(),
        ),
        (
            "meta",
            "dyn(type(variables.template.orValue(null)) == map ? \
             variables.template.value().?metadata.orValue(null) : null)"
                .to_owned(),
        ),
        ("typed", typed(&scope.sites)),
        ("wellFormed", well_formed()),
        (
            "skipped",
            skipped(knobs, "variables.spec", "variables.meta"),
        ),
        (
            "annotations",
            "dyn(variables.meta != null && variables.meta.?annotations.orValue(null) != null ? \
             variables.meta.annotations : {})"
                .to_owned(),
        ),
        ("containers", containers()),
        (
            "sortedNames",
            "variables.containers.filter(r, r.named).map(r, r.name).sort()".to_owned(),
        ),
        (
            "duplicateNames",
            "variables.sortedNames.exists(i, n, i > 0 && variables.sortedNames[i - 1] == n)"
                .to_owned(),
        ),
        (
            "podProfile",
            format!("dyn({})", profile_of("variables.spec")),
        ),
        ("podField", classify("variables.podProfile")),
        (
            "podAnnotation",
            format!(
                "dyn({})",
                annotation_value("variables.annotations", &lit(POD_ANNOTATION))
            ),
        ),
        (
            "currents",
            format!("variables.containers.map(r, {})", classify("r.field")),
        ),
    ]
}

/// The `kind` variable.
const KIND: &str = "variables.kind";

/// `group/kind` of the request, as the `kind` variable holds it.
pub const KIND_EXPRESSION: &str = r#"request.kind.group + "/" + request.kind.kind"#;

/// A CEL condition true for the kinds of `site`; `kind` is the request's
/// `group/kind`.
fn matches(site: &Site, kind: &str) -> String {
    let plain: Vec<&KindMatch> = site.kinds.iter().filter(|k| k.version.is_none()).collect();
    let mut terms = Vec::new();
    match plain.as_slice() {
        [] => {}
        [one] => terms.push(format!("{kind} == {}", lit(&one.group_kind))),
        many => {
            let names: Vec<String> = many.iter().map(|k| lit(&k.group_kind)).collect();
            terms.push(format!("{kind} in [{}]", names.join(", ")));
        }
    }
    for matched in &site.kinds {
        if let Some(version) = &matched.version {
            terms.push(format!(
                "({kind} == {} && request.kind.version == {})",
                lit(&matched.group_kind),
                lit(version)
            ));
        }
    }
    terms.join(" || ")
}

/// RFC 6901 pointer of decoded keys.
fn pointer(keys: &[String]) -> String {
    keys.iter()
        .map(|k| format!("/{}", k.replace('~', "~0").replace('/', "~1")))
        .collect()
}

/// `site`: the template's pointer (`at`), the pod spec's pointer (`spec`)
/// and the spec's key in the template (`key`), per kind.
fn site_paths(sites: &[Site]) -> String {
    let mut out = String::new();
    for site in sites {
        let at = pointer(&site.template);
        let spec = format!("{at}{}", pointer(std::slice::from_ref(&site.spec_key)));
        out.push_str(&format!(
            "{} ? {{\"at\": {}, \"spec\": {}, \"key\": {}}} :\n",
            matches(site, KIND),
            lit(&at),
            lit(&spec),
            lit(&site.spec_key)
        ));
    }
    out.push_str(r#"{"at": "", "spec": "", "key": ""}"#);
    out
}

/// What [`site_objects`] selects.
#[derive(Clone, Copy)]
pub enum Leaf {
    /// The object holding the pod's metadata and spec.
    Template,
    /// The pod spec.
    Spec,
    /// The pod's metadata.
    Metadata,
}

/// An optional of the pod's template, spec or metadata, per kind (`kind` is
/// the request's `group/kind`).
pub fn site_objects(sites: &[Site], kind: &str, leaf: Leaf) -> String {
    let mut out = String::new();
    for site in sites {
        let mut keys: Vec<&str> = site.template.iter().map(String::as_str).collect();
        match leaf {
            Leaf::Template => {}
            Leaf::Spec => keys.push(&site.spec_key),
            Leaf::Metadata => keys.push("metadata"),
        }
        let object = navigate(&keys, site.custom);
        out.push_str(&format!("{} ? {object} :\n", matches(site, kind)));
    }
    out.push_str("optional.none()");
    out
}

/// CEL keywords that cannot follow a `.`.
const RESERVED: &[&str] = &[
    "as",
    "break",
    "const",
    "continue",
    "else",
    "false",
    "for",
    "function",
    "if",
    "import",
    "in",
    "let",
    "loop",
    "namespace",
    "null",
    "package",
    "return",
    "true",
    "var",
    "void",
    "while",
];

/// Selection of one key: `.key` (`.?key` when `optional`), or `["key"]`
/// (`[?"key"]`) when the key is not a plain CEL identifier.
fn select(key: &str, optional: bool) -> String {
    let plain = key
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !RESERVED.contains(&key);
    let mark = if optional { "?" } else { "" };
    if plain {
        format!(".{mark}{key}")
    } else {
        format!("[{mark}{}]", lit(key))
    }
}

/// An optional of the value at `keys` below `object`. Built-in kinds are
/// typed, so their path holds mappings (`object.?spec.?template`); a custom
/// kind's object may hold anything, and CEL fails to select from a list, so
/// each step is checked to be a mapping first (the core finds no pod there).
fn navigate(keys: &[&str], guarded: bool) -> String {
    if keys.is_empty() {
        return "optional.of(object)".to_owned();
    }
    if !guarded {
        let path: String = keys.iter().map(|k| select(k, true)).collect();
        return format!("object{path}");
    }
    let mut checks = Vec::new();
    let mut parent = "object".to_owned();
    for key in &keys[..keys.len() - 1] {
        checks.push(format!(
            "type({parent}{}.orValue(null)) == map",
            select(key, true)
        ));
        parent.push_str(&select(key, false));
    }
    let last = select(keys[keys.len() - 1], true);
    if checks.is_empty() {
        format!("object{last}")
    } else {
        format!(
            "({} ? {parent}{last} : optional.none())",
            checks.join(" && ")
        )
    }
}

/// `seccompProfile` of a level whose `securityContext` is a mapping or null.
fn profile_of(level: &str) -> String {
    format!(
        "{level}.?securityContext.orValue(null) == null ? null : \
         {level}.securityContext.?seccompProfile.orValue(null)"
    )
}

/// Whether the request is for a built-in kind, whose object the API server
/// has decoded into its type: its pod spec has the shape the core expects.
fn typed(sites: &[Site]) -> String {
    let builtin: Vec<String> = sites
        .iter()
        .flat_map(|s| &s.kinds)
        .filter(|k| !k.custom)
        .map(|k| lit(&k.group_kind))
        .collect();
    format!("{KIND} in [{}]", builtin.join(", "))
}

/// The core's shape check (`shape.rs`): a pod it cannot read is left alone.
/// Only a custom kind's object can fail it.
fn well_formed() -> String {
    format!(
        "type(variables.spec) == map && (variables.typed ||\n\
         (variables.spec.?securityContext.orValue(null) == null || type(variables.spec.securityContext) == map) &&\n\
         {LISTS}.all(l, variables.spec[?l].orValue(null) == null ||\n\
         \x20 type(variables.spec[l]) == list && variables.spec[l].all(c, type(c) == map &&\n\
         \x20   (c.?securityContext.orValue(null) == null || type(c.securityContext) == map))) &&\n\
         (variables.meta == null || type(variables.meta) == map &&\n\
         \x20 (variables.meta.?annotations.orValue(null) == null || type(variables.meta.annotations) == map)))"
    )
}

/// Rules 1 and 2: Windows pods and the opt-out annotation (on the object or
/// its pod template) skip the pod; `spec` is a map, `meta` a map or null.
pub fn skipped(knobs: &Knobs, spec: &str, meta: &str) -> String {
    let skip = &knobs.skip_annotation;
    format!(
        "(type({spec}.?os.orValue(null)) == map && type({spec}.os.?name.orValue(null)) == string &&\n\
         \x20 {spec}.os.name.lowerAscii() == \"windows\") ||\n\
         (type({spec}.?nodeSelector.orValue(null)) == map &&\n\
         \x20 type({spec}.nodeSelector[?\"kubernetes.io/os\"].orValue(null)) == string &&\n\
         \x20 {spec}.nodeSelector[\"kubernetes.io/os\"].lowerAscii() == \"windows\") ||\n\
         [object.?metadata.orValue(null), {meta}].exists(m, type(m) == map &&\n\
         \x20 type(m.?annotations.orValue(null)) == map &&\n\
         \x20 (dyn(m.annotations[?{skip}].orValue(\"\")) == \"true\" || dyn(m.annotations[?{skip}].orValue(\"\")) == true))"
    )
}

/// One record per container of the three lists: its pointer, name, field,
/// whether it has a `securityContext`, is privileged, and its annotation.
fn containers() -> String {
    let named = "type(c.?name.orValue(null)) == string";
    format!(
        "{LISTS}.map(l, variables.spec[?l].orValue(null) == null ? [] :\n\
         \x20 variables.spec[l].transformList(i, c, {{\n\
         \x20   \"at\": dyn(variables.site.spec + \"/\" + l + \"/\" + string(i)),\n\
         \x20   \"named\": dyn({named}),\n\
         \x20   \"name\": dyn({named} ? c.name : \"\"),\n\
         \x20   \"context\": dyn(c.?securityContext.orValue(null) != null),\n\
         \x20   \"field\": dyn({field}),\n\
         \x20   \"privileged\": dyn(c.?securityContext.orValue(null) != null && c.securityContext.?privileged.orValue(false) == true),\n\
         \x20   \"annotation\": dyn({named} ? {value} : null)\n\
         \x20 }})).flatten()",
        field = profile_of("c"),
        value = annotation_value("variables.annotations", &container_key("c.name")),
    )
}
