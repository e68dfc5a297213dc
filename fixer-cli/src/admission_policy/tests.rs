//! Unit tests of the generator: what is matched, where pods are looked for,
//! how the policy and the options reach the objects. What the CEL does is
//! tested on a real API server (tests/e2e, docs/admission-policy.md).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use seccomp_core::{CustomKind, Policy, BUILTIN_POD_KINDS};
use serde_json::Value;

use super::rules::{scope, UNSERVED_GROUPS};
use super::*;

fn custom(api_version: &str, kind: &str, resource: Option<&str>, pointer: &str) -> CustomKind {
    CustomKind {
        api_version: api_version.into(),
        kind: kind.into(),
        pod_spec_pointer: pointer.into(),
        resource: resource.map(Into::into),
    }
}

fn policy_with(kinds: Vec<CustomKind>) -> Policy {
    Policy {
        custom_kinds: kinds,
        ..Policy::default()
    }
}

fn resources(rules: &[Value]) -> Vec<(String, String, Vec<String>)> {
    rules
        .iter()
        .flat_map(|r| {
            let group = r["apiGroups"][0].as_str().unwrap().to_owned();
            let ops: Vec<String> = r["operations"]
                .as_array()
                .unwrap()
                .iter()
                .map(|o| o.as_str().unwrap().to_owned())
                .collect();
            r["resources"]
                .as_array()
                .unwrap()
                .iter()
                .map(move |res| (group.clone(), res.as_str().unwrap().to_owned(), ops.clone()))
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn every_core_pod_kind_is_matched_at_its_template_unless_its_group_is_gone() {
    let scope = scope(&Policy::default(), false).unwrap();
    for row in BUILTIN_POD_KINDS {
        let group_kind = format!("{}/{}", row.group, row.kind);
        let site = scope
            .sites
            .iter()
            .find(|s| s.kinds.iter().any(|k| k.group_kind == group_kind));
        if UNSERVED_GROUPS.contains(&row.group) {
            assert!(site.is_none(), "{group_kind} is not served, yet matched");
            continue;
        }
        let site = site.unwrap_or_else(|| panic!("{group_kind} has no site"));
        let want: Vec<String> = row.template.iter().map(|s| (*s).to_owned()).collect();
        assert_eq!(site.template, want, "{group_kind}");
        assert_eq!(site.spec_key, "spec");
        let plural = format!("{}s", row.kind.to_lowercase());
        assert!(
            resources(&scope.rules)
                .iter()
                .any(|(g, r, _)| g == row.group && *r == plural),
            "{group_kind}: no rule for {plural}"
        );
    }
}

#[test]
fn operations_follow_the_webhook_pods_and_jobs_on_create_only() {
    let scope = scope(&Policy::default(), false).unwrap();
    for (group, resource, ops) in resources(&scope.rules) {
        let want: &[&str] = if resource == "pods" || resource == "jobs" {
            &["CREATE"]
        } else {
            &["CREATE", "UPDATE"]
        };
        assert_eq!(ops, want, "{group}/{resource}");
    }
}

#[test]
fn pods_only_matches_pods_and_nothing_else() {
    let policy = policy_with(vec![custom(
        "argoproj.io/v1alpha1",
        "Rollout",
        Some("rollouts"),
        "/spec/template/spec",
    )]);
    let scope = scope(&policy, true).unwrap();
    assert_eq!(
        resources(&scope.rules),
        vec![("".into(), "pods".into(), vec!["CREATE".to_owned()])]
    );
    assert_eq!(scope.sites.len(), 1);
    assert_eq!(scope.sites[0].kinds[0].group_kind, "/Pod");
    assert!(scope.sites[0].template.is_empty());
}

#[test]
fn custom_kinds_get_a_rule_and_a_site_after_the_built_in_ones() {
    let policy = policy_with(vec![
        custom(
            "argoproj.io/v1alpha1",
            "Rollout",
            Some("rollouts"),
            "/spec/template/spec",
        ),
        custom(
            "example.com",
            "Job",
            Some("jobs"),
            "/spec/pod~1template/podSpec",
        ),
    ]);
    let scope = scope(&policy, false).unwrap();
    let custom_rules: Vec<&Value> = scope.rules.iter().filter(|r| r["scope"] == "*").collect();
    assert_eq!(custom_rules.len(), 2);
    assert_eq!(custom_rules[0]["apiGroups"][0], "argoproj.io");
    assert_eq!(custom_rules[0]["apiVersions"][0], "v1alpha1");
    assert_eq!(
        custom_rules[0]["operations"],
        serde_json::json!(["CREATE", "UPDATE"])
    );
    // A group without a version matches every version.
    assert_eq!(custom_rules[1]["apiVersions"][0], "*");
    let rollout = scope
        .sites
        .iter()
        .find(|s| {
            s.kinds
                .iter()
                .any(|k| k.group_kind == "argoproj.io/Rollout")
        })
        .unwrap();
    assert!(rollout
        .kinds
        .iter()
        .any(|k| k.group_kind == "apps/Deployment"));
    let rollout_kind = rollout.kinds.last().unwrap();
    assert_eq!(rollout_kind.version.as_deref(), Some("v1alpha1"));
    // Built-in kinds come first: the core's precedence for a clashing name.
    let last = scope.sites.last().unwrap();
    assert_eq!(last.kinds[0].group_kind, "example.com/Job");
    assert_eq!(last.kinds[0].version, None);
    assert_eq!(
        last.template,
        vec!["spec".to_owned(), "pod/template".to_owned()]
    );
    assert_eq!(last.spec_key, "podSpec");
}

#[test]
fn a_custom_kind_without_its_plural_is_refused_by_name() {
    let policy = policy_with(vec![
        custom("a.io/v1", "A", Some("as"), "/spec"),
        custom(
            "argoproj.io/v1alpha1",
            "Rollout",
            None,
            "/spec/template/spec",
        ),
    ]);
    let err = generate(&policy, &Options::default())
        .unwrap_err()
        .to_string();
    assert!(err.contains("customKinds[1] (Rollout)"), "{err}");
    assert!(err.contains("resource"), "{err}");
    // Pods only needs no custom kind at all.
    let pods_only = Options {
        pods_only: true,
        ..Options::default()
    };
    assert!(generate(&policy, &pods_only).is_ok());
}

#[test]
fn a_pointer_through_a_list_index_is_refused() {
    let policy = policy_with(vec![custom(
        "a.io/v1",
        "A",
        Some("as"),
        "/spec/pods/0/spec",
    )]);
    let err = generate(&policy, &Options::default())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("/spec/pods/0/spec") && err.contains("list index"),
        "{err}"
    );
}

#[test]
fn four_objects_named_after_the_option() {
    let options = Options {
        name: "sd".into(),
        ..Options::default()
    };
    let docs = generate(&Policy::default(), &options).unwrap();
    let kinds: Vec<(&str, &str)> = docs
        .iter()
        .map(|d| {
            (
                d["kind"].as_str().unwrap(),
                d["metadata"]["name"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        vec![
            ("MutatingAdmissionPolicy", "sd"),
            ("MutatingAdmissionPolicyBinding", "sd"),
            ("ValidatingAdmissionPolicy", "sd-warnings"),
            ("ValidatingAdmissionPolicyBinding", "sd-warnings"),
        ]
    );
    assert_eq!(docs[1]["spec"]["policyName"], "sd");
    assert_eq!(docs[3]["spec"]["policyName"], "sd-warnings");
    assert_eq!(
        docs[3]["spec"]["validationActions"],
        serde_json::json!(["Warn", "Audit"])
    );
    assert_eq!(docs[0]["spec"]["failurePolicy"], "Fail");
    assert_eq!(docs[2]["spec"]["failurePolicy"], "Ignore");
}

#[test]
fn the_policy_annotation_reads_back_as_the_policy() {
    let mut policy = policy_with(vec![custom(
        "argoproj.io/v1alpha1",
        "Rollout",
        Some("rollouts"),
        "/spec/template/spec",
    )]);
    policy.keep_annotations = true;
    let docs = generate(&policy, &Options::default()).unwrap();
    let text = docs[0]["metadata"]["annotations"][POLICY_ANNOTATION]
        .as_str()
        .unwrap();
    assert_eq!(crate::policy_args::policy_from_yaml(text).unwrap(), policy);
    // Sorted keys at every level: the chart compares it with its own toJson.
    let value: Value = serde_json::from_str(text).unwrap();
    let keys: Vec<&String> = value.as_object().unwrap().keys().collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
    let kind_keys: Vec<&String> = value["customKinds"][0]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    assert_eq!(
        kind_keys,
        ["apiVersion", "kind", "podSpecPointer", "resource"]
    );
}

#[test]
fn selectors_exclude_kube_system_the_listed_namespaces_and_the_opt_out_label() {
    let options = Options {
        exclude_namespaces: vec!["monitoring".into(), "kube-system".into()],
        opt_out_label: "example.com/no-seccomp".into(),
        ..Options::default()
    };
    let docs = generate(&Policy::default(), &options).unwrap();
    for binding in [&docs[1], &docs[3]] {
        let ns = &binding["spec"]["matchResources"]["namespaceSelector"]["matchExpressions"];
        assert_eq!(
            ns[0]["values"],
            serde_json::json!(["kube-system", "monitoring"])
        );
        assert_eq!(ns[1]["key"], "example.com/no-seccomp");
        let object = &binding["spec"]["matchResources"]["objectSelector"]["matchExpressions"];
        assert_eq!(object[0]["key"], "example.com/no-seccomp");
        assert_eq!(object[0]["values"], serde_json::json!(["true"]));
    }
}

#[test]
fn policy_strings_become_escaped_cel_literals() {
    let policy = Policy {
        skip_annotation: r#"example.com/skip"\me"#.into(),
        ..Policy::default()
    };
    let docs = generate(&policy, &Options::default()).unwrap();
    let skipped = docs[0]["spec"]["variables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == "skipped")
        .unwrap()["expression"]
        .as_str()
        .unwrap();
    assert!(
        skipped.contains(r#"[?"example.com/skip\"\\me"]"#),
        "{skipped}"
    );
}

#[test]
fn every_variable_is_defined_before_it_is_used() {
    let policy = policy_with(vec![custom("a.io/v1", "A", Some("as"), "/spec/x/spec")]);
    for doc in generate(&policy, &Options::default()).unwrap() {
        let Some(vars) = doc["spec"]["variables"].as_array() else {
            continue;
        };
        let names: Vec<&str> = vars.iter().map(|v| v["name"].as_str().unwrap()).collect();
        let mut expressions: Vec<(usize, &str)> = vars
            .iter()
            .enumerate()
            .map(|(i, v)| (i, v["expression"].as_str().unwrap()))
            .collect();
        for m in doc["spec"]["mutations"].as_array().into_iter().flatten() {
            expressions.push((names.len(), m["jsonPatch"]["expression"].as_str().unwrap()));
        }
        for v in doc["spec"]["validations"].as_array().into_iter().flatten() {
            expressions.push((names.len(), v["expression"].as_str().unwrap()));
            expressions.push((names.len(), v["messageExpression"].as_str().unwrap()));
        }
        for (at, expression) in expressions {
            for used in expression.split("variables.").skip(1) {
                let name: String = used
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric())
                    .collect();
                let defined = names.iter().position(|n| *n == name);
                assert!(
                    defined.is_some_and(|d| d < at),
                    "{}: variables.{name} used in {:?} before its definition",
                    doc["kind"],
                    names.get(at)
                );
            }
        }
    }
}
