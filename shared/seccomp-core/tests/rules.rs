//! Table tests: one case per rule of §4 and per row of §3, each checking
//! the fixed object (patch applied with the json-patch crate) and the codes.
//! Every case of a table is its own `#[test]` (`case_tests!`), so one
//! failure hides no other, and a wrong object prints a line diff.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use seccomp_core::{plan, Code, Policy, Severity, UnconfinedMode};
use serde_json::{json, Value};

struct Case {
    name: &'static str,
    input: Value,
    policy: Policy,
    /// The whole expected object after the fix.
    want: Value,
    /// Codes that must be among the records.
    codes: &'static [Code],
}

fn pod(annotations: Value, spec: Value) -> Value {
    let mut meta = json!({"name": "p"});
    if !annotations.is_null() {
        meta["annotations"] = annotations;
    }
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec})
}

fn app() -> Value {
    json!([{"name": "app", "image": "nginx"}])
}

const POD_KEY: &str = "seccomp.security.alpha.kubernetes.io/pod";

/// Pretty JSON of both, as a unified line diff (want → got).
fn json_diff(want: &Value, got: &Value) -> String {
    let want = serde_json::to_string_pretty(want).unwrap();
    let got = serde_json::to_string_pretty(got).unwrap();
    similar::TextDiff::from_lines(&want, &got)
        .unified_diff()
        .header("want", "got")
        .to_string()
}

/// Checks the case of `table` named `name`.
fn check(table: Vec<Case>, name: &str) {
    let names: Vec<&str> = table.iter().map(|c| c.name).collect();
    let case = table
        .into_iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no case named {name:?} in {names:?}"));
    check_case(case);
}

/// One `#[test]` per case of a table function (the test named first, the
/// case's name second), and a test that the list names every case of the
/// table exactly once.
macro_rules! case_tests {
    ($table:ident { $($test:ident: $name:expr,)* }) => {
        mod $table {
            $(
                #[test]
                fn $test() {
                    super::check(super::$table(), $name);
                }
            )*

            #[test]
            fn every_case_has_its_own_test() {
                let mut listed: Vec<&str> = vec![$($name),*];
                let mut cases: Vec<&str> = super::$table().iter().map(|c| c.name).collect();
                listed.sort_unstable();
                cases.sort_unstable();
                assert_eq!(listed, cases);
            }
        }
    };
}

fn run(cases: Vec<Case>) {
    for case in cases {
        check_case(case);
    }
}

fn check_case(case: Case) {
    {
        let plan = plan(&case.input, &case.policy);
        let fixed = plan.apply(&case.input).expect(case.name);
        assert!(
            fixed == case.want,
            "{}: fixed object differs\npatch: {:?}\n{}",
            case.name,
            plan.patch,
            json_diff(&case.want, &fixed)
        );
        let codes: Vec<Code> = plan.records.iter().map(|r| r.code).collect();
        for code in case.codes {
            assert!(
                codes.contains(code),
                "{}: missing {code} in {codes:?}",
                case.name
            );
        }
        let again = seccomp_core::plan(&fixed, &case.policy);
        assert!(
            again.is_noop(),
            "{}: not idempotent: {:?}",
            case.name,
            again.patch
        );
    }
}

fn rd() -> Value {
    json!({"type": "RuntimeDefault"})
}

fn section_3_annotation_rows() -> Vec<Case> {
    let rows: &[(&str, Option<Value>)] = &[
        ("runtime/default", Some(rd())),
        ("docker/default", Some(rd())),
        ("unconfined", Some(json!({"type": "Unconfined"}))),
        (
            "localhost/profiles/audit.json",
            Some(json!({"type": "Localhost", "localhostProfile": "profiles/audit.json"})),
        ),
        ("localhost/", None),
        ("localhost//etc/seccomp/x.json", None),
        ("localhost/../x.json", None),
        ("localhost/a/../../x.json", None),
        ("something-else", None),
    ];
    let mut cases = Vec::new();
    for (value, field) in rows {
        let input = pod(json!({ POD_KEY: value }), json!({"containers": app()}));
        let (want, codes): (Value, &'static [Code]) = match field {
            Some(field) => (
                pod(
                    json!({}),
                    json!({"containers": app(), "securityContext": {"seccompProfile": field}}),
                )
                .as_object()
                .map(|o| {
                    let mut o = o.clone();
                    o["metadata"] = json!({"name": "p"});
                    Value::Object(o)
                })
                .unwrap(),
                &[Code::PodProfileMigrated, Code::AnnotationRemoved],
            ),
            // Not migratable: annotation left, pod level left for a human.
            None => (input.clone(), &[Code::AnnotationNotMigratable]),
        };
        cases.push(Case {
            name: value,
            input,
            policy: Policy::default(),
            want,
            codes,
        });
    }
    cases
}

fn section_4_rules() -> Vec<Case> {
    let harden = Policy {
        unconfined: UnconfinedMode::Harden,
        ..Policy::default()
    };
    let keep_annotations = Policy {
        keep_annotations: true,
        ..Policy::default()
    };
    let c_key = "container.seccomp.security.alpha.kubernetes.io/app";
    vec![
        Case {
            name: "rule 1: windows via os.name",
            input: pod(
                json!(null),
                json!({"os": {"name": "windows"}, "containers": app()}),
            ),
            policy: Policy::default(),
            want: pod(
                json!(null),
                json!({"os": {"name": "windows"}, "containers": app()}),
            ),
            codes: &[Code::SkippedWindows],
        },
        Case {
            name: "rule 1: windows via nodeSelector, annotations untouched",
            input: pod(
                json!({POD_KEY: "runtime/default"}),
                json!({"nodeSelector": {"kubernetes.io/os": "windows"}, "containers": app()}),
            ),
            policy: Policy::default(),
            want: pod(
                json!({POD_KEY: "runtime/default"}),
                json!({"nodeSelector": {"kubernetes.io/os": "windows"}, "containers": app()}),
            ),
            codes: &[Code::SkippedWindows],
        },
        Case {
            name: "rule 2: opt-out on the object",
            input: pod(
                json!({"seccomp-defaulter.io/skip": "true"}),
                json!({"containers": app()}),
            ),
            policy: Policy::default(),
            want: pod(
                json!({"seccomp-defaulter.io/skip": "true"}),
                json!({"containers": app()}),
            ),
            codes: &[Code::SkippedOptOut],
        },
        Case {
            name: "rule 2: opt-out on the pod template",
            input: json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
                "spec": {"template": {"metadata": {"annotations": {"seccomp-defaulter.io/skip": "true"}},
                "spec": {"containers": app()}}}}),
            policy: Policy::default(),
            want: json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
                "spec": {"template": {"metadata": {"annotations": {"seccomp-defaulter.io/skip": "true"}},
                "spec": {"containers": app()}}}}),
            codes: &[Code::SkippedOptOut],
        },
        Case {
            name: "rule 3: default when absent",
            input: pod(json!(null), json!({"containers": app()})),
            policy: Policy::default(),
            want: pod(
                json!(null),
                json!({"containers": app(), "securityContext": {"seccompProfile": rd()}}),
            ),
            codes: &[Code::PodProfileDefaulted],
        },
        Case {
            name: "rule 3: null securityContext",
            input: pod(
                json!(null),
                json!({"containers": app(), "securityContext": null}),
            ),
            policy: Policy::default(),
            want: pod(
                json!(null),
                json!({"containers": app(), "securityContext": {"seccompProfile": rd()}}),
            ),
            codes: &[Code::PodProfileDefaulted],
        },
        Case {
            name: "rule 3: null seccompProfile beside other settings",
            input: pod(
                json!(null),
                json!({"containers": app(), "securityContext": {"runAsNonRoot": true, "seccompProfile": null}}),
            ),
            policy: Policy::default(),
            want: pod(
                json!(null),
                json!({"containers": app(), "securityContext": {"runAsNonRoot": true, "seccompProfile": rd()}}),
            ),
            codes: &[Code::PodProfileDefaulted],
        },
        Case {
            name: "rule 3: unconfined annotation hardened",
            input: pod(json!({POD_KEY: "unconfined"}), json!({"containers": app()})),
            policy: harden.clone(),
            want: pod(
                json!(null),
                json!({"containers": app(), "securityContext": {"seccompProfile": rd()}}),
            ),
            codes: &[Code::PodProfileMigrated, Code::AnnotationRemoved],
        },
        Case {
            name: "rule 4: present field never overwritten",
            input: pod(
                json!(null),
                json!({"containers": app(), "securityContext": {"seccompProfile": {"type": "Localhost", "localhostProfile": "x.json"}}}),
            ),
            policy: Policy::default(),
            want: pod(
                json!(null),
                json!({"containers": app(), "securityContext": {"seccompProfile": {"type": "Localhost", "localhostProfile": "x.json"}}}),
            ),
            codes: &[],
        },
        Case {
            name: "rule 4: explicit Unconfined kept and reported",
            input: pod(
                json!(null),
                json!({"containers": app(), "securityContext": {"seccompProfile": {"type": "Unconfined"}}}),
            ),
            policy: Policy::default(),
            want: pod(
                json!(null),
                json!({"containers": app(), "securityContext": {"seccompProfile": {"type": "Unconfined"}}}),
            ),
            codes: &[Code::UnconfinedExplicit],
        },
        Case {
            name: "rule 4: explicit Unconfined hardened",
            input: pod(
                json!(null),
                json!({"containers": app(), "securityContext": {"seccompProfile": {"type": "Unconfined"}}}),
            ),
            policy: harden.clone(),
            want: pod(
                json!(null),
                json!({"containers": app(), "securityContext": {"seccompProfile": rd()}}),
            ),
            codes: &[Code::ProfileHardened],
        },
        Case {
            name: "rule 5: container annotation migrated to the container, pod defaulted",
            input: pod(
                json!({c_key: "localhost/c.json"}),
                json!({"containers": app()}),
            ),
            policy: Policy::default(),
            want: pod(
                json!(null),
                json!({"securityContext": {"seccompProfile": rd()},
                "containers": [{"name": "app", "image": "nginx", "securityContext": {"seccompProfile": {"type": "Localhost", "localhostProfile": "c.json"}}}]}),
            ),
            codes: &[
                Code::ContainerProfileMigrated,
                Code::PodProfileDefaulted,
                Code::AnnotationRemoved,
            ],
        },
        Case {
            name: "rule 5: initContainers and ephemeralContainers",
            input: pod(
                json!({"container.seccomp.security.alpha.kubernetes.io/init": "runtime/default",
                       "container.seccomp.security.alpha.kubernetes.io/debug": "unconfined"}),
                json!({"initContainers": [{"name": "init"}], "ephemeralContainers": [{"name": "debug", "securityContext": {}}], "containers": app()}),
            ),
            policy: Policy::default(),
            want: pod(
                json!(null),
                json!({
                "initContainers": [{"name": "init", "securityContext": {"seccompProfile": rd()}}],
                "ephemeralContainers": [{"name": "debug", "securityContext": {"seccompProfile": {"type": "Unconfined"}}}],
                "containers": app(), "securityContext": {"seccompProfile": rd()}}),
            ),
            codes: &[Code::ContainerProfileMigrated, Code::UnconfinedExplicit],
        },
        Case {
            name: "rule 5: container without annotation inherits (no field)",
            input: pod(
                json!(null),
                json!({"containers": [{"name": "a", "securityContext": {"runAsUser": 1}}]}),
            ),
            policy: Policy::default(),
            want: pod(
                json!(null),
                json!({"containers": [{"name": "a", "securityContext": {"runAsUser": 1}}], "securityContext": {"seccompProfile": rd()}}),
            ),
            codes: &[Code::PodProfileDefaulted],
        },
        Case {
            name: "rule 6: container field present, contradicting annotation removed",
            input: pod(
                json!({c_key: "unconfined", "team": "a"}),
                json!({"containers": [{"name": "app", "securityContext": {"seccompProfile": rd()}}]}),
            ),
            policy: Policy::default(),
            want: pod(
                json!({"team": "a"}),
                json!({"securityContext": {"seccompProfile": rd()},
                "containers": [{"name": "app", "securityContext": {"seccompProfile": rd()}}]}),
            ),
            codes: &[Code::AnnotationContradictsField],
        },
        Case {
            name: "rule 6: container Unconfined hardened",
            input: pod(
                json!(null),
                json!({"containers": [{"name": "app", "securityContext": {"seccompProfile": {"type": "Unconfined"}}}]}),
            ),
            policy: harden,
            want: pod(
                json!(null),
                json!({"securityContext": {"seccompProfile": rd()},
                "containers": [{"name": "app", "securityContext": {"seccompProfile": rd()}}]}),
            ),
            codes: &[Code::ProfileHardened, Code::PodProfileDefaulted],
        },
        Case {
            name: "rule 7: matching annotation removed beside a present field",
            input: pod(
                json!({POD_KEY: "docker/default"}),
                json!({"securityContext": {"seccompProfile": rd()}, "containers": app()}),
            ),
            policy: Policy::default(),
            want: pod(
                json!(null),
                json!({"securityContext": {"seccompProfile": rd()}, "containers": app()}),
            ),
            codes: &[Code::AnnotationRemoved],
        },
        Case {
            name: "rule 7: keepAnnotations keeps consistent ones",
            input: pod(
                json!({POD_KEY: "runtime/default"}),
                json!({"containers": app()}),
            ),
            policy: keep_annotations.clone(),
            want: pod(
                json!({POD_KEY: "runtime/default"}),
                json!({"securityContext": {"seccompProfile": rd()}, "containers": app()}),
            ),
            codes: &[Code::PodProfileMigrated],
        },
        Case {
            name: "rule 7: keepAnnotations still removes contradictions and orphans",
            input: pod(
                json!({POD_KEY: "unconfined", "container.seccomp.security.alpha.kubernetes.io/gone": "runtime/default"}),
                json!({"securityContext": {"seccompProfile": rd()}, "containers": app()}),
            ),
            policy: keep_annotations,
            want: pod(
                json!(null),
                json!({"securityContext": {"seccompProfile": rd()}, "containers": app()}),
            ),
            codes: &[Code::AnnotationContradictsField, Code::AnnotationRemoved],
        },
        Case {
            name: "rule 7: orphan container annotation removed, other annotations kept",
            input: pod(
                json!({"container.seccomp.security.alpha.kubernetes.io/gone": "runtime/default", "a": "b"}),
                json!({"containers": app()}),
            ),
            policy: Policy::default(),
            want: pod(
                json!({"a": "b"}),
                json!({"securityContext": {"seccompProfile": rd()}, "containers": app()}),
            ),
            codes: &[Code::AnnotationRemoved, Code::PodProfileDefaulted],
        },
        Case {
            name: "rule 7: pod annotation contradicting the field: field wins",
            input: pod(
                json!({POD_KEY: "localhost/a.json"}),
                json!({"securityContext": {"seccompProfile": rd()}, "containers": app()}),
            ),
            policy: Policy::default(),
            want: pod(
                json!(null),
                json!({"securityContext": {"seccompProfile": rd()}, "containers": app()}),
            ),
            codes: &[Code::AnnotationContradictsField],
        },
        Case {
            name:
                "rule 7: migrateAnnotations off: annotation never a source; contradiction removed",
            input: pod(
                json!({POD_KEY: "localhost/a.json", c_key: "runtime/default"}),
                json!({"containers": app()}),
            ),
            policy: Policy {
                migrate_annotations: false,
                ..Policy::default()
            },
            want: pod(
                json!({c_key: "runtime/default"}),
                json!({"securityContext": {"seccompProfile": rd()}, "containers": app()}),
            ),
            codes: &[
                Code::PodProfileDefaulted,
                Code::AnnotationContradictsField,
                Code::AnnotationIgnored,
            ],
        },
        Case {
            name: "rule 8: privileged container still defaulted, warned",
            input: pod(
                json!(null),
                json!({"containers": [{"name": "p", "securityContext": {"privileged": true}}]}),
            ),
            policy: Policy::default(),
            want: pod(
                json!(null),
                json!({"securityContext": {"seccompProfile": rd()}, "containers": [{"name": "p", "securityContext": {"privileged": true}}]}),
            ),
            codes: &[Code::PrivilegedContainer, Code::PodProfileDefaulted],
        },
        Case {
            name: "rule 9: invalid present field left alone, annotation beside it too",
            input: pod(
                json!({POD_KEY: "runtime/default"}),
                json!({"securityContext": {"seccompProfile": {"type": "Localhost"}}, "containers": app()}),
            ),
            policy: Policy::default(),
            want: pod(
                json!({POD_KEY: "runtime/default"}),
                json!({"securityContext": {"seccompProfile": {"type": "Localhost"}}, "containers": app()}),
            ),
            codes: &[Code::InvalidProfileField],
        },
    ]
}

fn workloads_and_lists() -> Vec<Case> {
    let template = json!({"metadata": {"annotations": {POD_KEY: "docker/default"}}, "spec": {"containers": app()}});
    let fixed_template =
        json!({"spec": {"containers": app(), "securityContext": {"seccompProfile": rd()}}});
    let cron = |t: &Value| {
        json!({"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "c"},
        "spec": {"schedule": "* * * * *", "jobTemplate": {"spec": {"template": t}}}})
    };
    let old = |t: &Value| {
        json!({"apiVersion": "extensions/v1beta1", "kind": "Deployment", "metadata": {"name": "d"},
        "spec": {"template": t}})
    };
    vec![
        Case {
            name: "CronJob",
            input: cron(&template),
            policy: Policy::default(),
            want: cron(&fixed_template),
            codes: &[Code::PodProfileMigrated],
        },
        Case {
            name: "extensions/v1beta1 Deployment with legacy annotation",
            input: old(&template),
            policy: Policy::default(),
            want: old(&fixed_template),
            codes: &[Code::PodProfileMigrated, Code::AnnotationRemoved],
        },
        Case {
            name: "List with a Pod, a ConfigMap and a nested List",
            input: json!({"apiVersion": "v1", "kind": "List", "items": [
                pod(json!(null), json!({"containers": app()})),
                {"apiVersion": "v1", "kind": "ConfigMap", "data": {"a": "b"}},
                {"apiVersion": "v1", "kind": "List", "items": [old(&template)]}]}),
            policy: Policy::default(),
            want: json!({"apiVersion": "v1", "kind": "List", "items": [
                pod(json!(null), json!({"containers": app(), "securityContext": {"seccompProfile": rd()}})),
                {"apiVersion": "v1", "kind": "ConfigMap", "data": {"a": "b"}},
                {"apiVersion": "v1", "kind": "List", "items": [old(&fixed_template)]}]}),
            codes: &[
                Code::NotApplicable,
                Code::PodProfileDefaulted,
                Code::PodProfileMigrated,
            ],
        },
    ]
}

case_tests!(section_3_annotation_rows {
    annotation_runtime_default: "runtime/default",
    annotation_docker_default: "docker/default",
    annotation_unconfined: "unconfined",
    annotation_localhost_profiles_audit_json: "localhost/profiles/audit.json",
    annotation_localhost_empty_path: "localhost/",
    annotation_localhost_absolute_path: "localhost//etc/seccomp/x.json",
    annotation_localhost_dotdot_path: "localhost/../x.json",
    annotation_localhost_escaping_dotdot_path: "localhost/a/../../x.json",
    annotation_something_else: "something-else",
});

case_tests!(section_4_rules {
    rule_1_windows_via_os_name: "rule 1: windows via os.name",
    rule_1_windows_via_nodeselector_annotations_untouched:
        "rule 1: windows via nodeSelector, annotations untouched",
    rule_2_opt_out_on_the_object: "rule 2: opt-out on the object",
    rule_2_opt_out_on_the_pod_template: "rule 2: opt-out on the pod template",
    rule_3_default_when_absent: "rule 3: default when absent",
    rule_3_null_securitycontext: "rule 3: null securityContext",
    rule_3_null_seccompprofile_beside_other_settings:
        "rule 3: null seccompProfile beside other settings",
    rule_3_unconfined_annotation_hardened: "rule 3: unconfined annotation hardened",
    rule_4_present_field_never_overwritten: "rule 4: present field never overwritten",
    rule_4_explicit_unconfined_kept_and_reported: "rule 4: explicit Unconfined kept and reported",
    rule_4_explicit_unconfined_hardened: "rule 4: explicit Unconfined hardened",
    rule_5_container_annotation_migrated_to_the_container_pod_defaulted:
        "rule 5: container annotation migrated to the container, pod defaulted",
    rule_5_initcontainers_and_ephemeralcontainers: "rule 5: initContainers and ephemeralContainers",
    rule_5_container_without_annotation_inherits_no_field:
        "rule 5: container without annotation inherits (no field)",
    rule_6_container_field_present_contradicting_annotation_removed:
        "rule 6: container field present, contradicting annotation removed",
    rule_6_container_unconfined_hardened: "rule 6: container Unconfined hardened",
    rule_7_matching_annotation_removed_beside_a_present_field:
        "rule 7: matching annotation removed beside a present field",
    rule_7_keepannotations_keeps_consistent_ones: "rule 7: keepAnnotations keeps consistent ones",
    rule_7_keepannotations_still_removes_contradictions_and_orphans:
        "rule 7: keepAnnotations still removes contradictions and orphans",
    rule_7_orphan_container_annotation_removed_other_annotations_kept:
        "rule 7: orphan container annotation removed, other annotations kept",
    rule_7_pod_annotation_contradicting_the_field_field_wins:
        "rule 7: pod annotation contradicting the field: field wins",
    rule_7_migrateannotations_off_annotation_never_a_source_contradiction_removed:
        "rule 7: migrateAnnotations off: annotation never a source; contradiction removed",
    rule_8_privileged_container_still_defaulted_warned:
        "rule 8: privileged container still defaulted, warned",
    rule_9_invalid_present_field_left_alone_annotation_beside_it_too:
        "rule 9: invalid present field left alone, annotation beside it too",
});

case_tests!(workloads_and_lists {
    cronjob: "CronJob",
    extensions_v1beta1_deployment_with_legacy_annotation:
        "extensions/v1beta1 Deployment with legacy annotation",
    list_with_a_pod_a_configmap_and_a_nested_list: "List with a Pod, a ConfigMap and a nested List",
});

#[test]
fn emptied_template_metadata_goes_but_an_objects_own_metadata_stays() {
    let bare_pod = json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"annotations": {POD_KEY: "runtime/default"}}, "spec": {"containers": app()}});
    let planned = plan(&bare_pod, &Policy::default());
    let fixed = planned.apply(&bare_pod).unwrap();
    assert_eq!(fixed["metadata"], json!({}), "{:?}", planned.patch);
    let paths: Vec<String> = planned
        .patch
        .0
        .iter()
        .map(|op| op.path().to_string())
        .collect();
    assert_eq!(
        paths,
        [
            "/spec/securityContext",
            "/metadata/annotations/seccomp.security.alpha.kubernetes.io~1pod",
            "/metadata/annotations"
        ]
    );
    let labelled = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
        "spec": {"template": {"metadata": {"labels": {"a": "b"}, "annotations": {POD_KEY: "runtime/default"}},
        "spec": {"containers": app()}}}});
    let fixed = plan(&labelled, &Policy::default())
        .apply(&labelled)
        .unwrap();
    assert_eq!(
        fixed["spec"]["template"]["metadata"],
        json!({"labels": {"a": "b"}})
    );
}

#[test]
fn configured_default_profile_is_used() {
    let policy = Policy::from_value(
        json!({"defaultProfile": {"type": "Localhost", "localhostProfile": "p/d.json"}}),
    )
    .unwrap();
    run(vec![Case {
        name: "Localhost default",
        input: pod(json!(null), json!({"containers": app()})),
        policy,
        want: pod(
            json!(null),
            json!({"containers": app(), "securityContext": {"seccompProfile": {"type": "Localhost", "localhostProfile": "p/d.json"}}}),
        ),
        codes: &[Code::PodProfileDefaulted],
    }]);
}

#[test]
fn malformed_objects_are_findings_not_crashes() {
    for spec in [
        json!({"containers": 5}),
        json!({"containers": ["x"]}),
        json!({"containers": [{"name": "a", "securityContext": "yes"}]}),
        json!({"securityContext": [1]}),
        json!({"initContainers": {"a": 1}}),
        json!(7),
    ] {
        let input = pod(json!(null), spec.clone());
        let plan = plan(&input, &Policy::default());
        assert!(plan.is_noop(), "{spec}: {:?}", plan.patch);
        assert!(
            plan.records.iter().any(|r| r.code == Code::MalformedObject),
            "{spec}"
        );
    }
    let bad_annotations =
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"annotations": "x"}, "spec": {}});
    assert!(plan(&bad_annotations, &Policy::default())
        .records
        .iter()
        .any(|r| r.code == Code::MalformedObject));
    for odd in [
        json!(null),
        json!(3),
        json!("Pod"),
        json!([1, 2]),
        json!({"kind": 5}),
    ] {
        let plan = plan(&odd, &Policy::default());
        assert!(plan.is_noop());
    }
}

#[test]
fn records_point_at_the_field_they_concern() {
    let input = pod(
        json!({"container.seccomp.security.alpha.kubernetes.io/app": "runtime/default"}),
        json!({"containers": app()}),
    );
    let plan = plan(&input, &Policy::default());
    let pointers: Vec<&str> = plan.records.iter().map(|r| r.pointer.as_str()).collect();
    assert!(
        pointers.contains(&"/spec/securityContext/seccompProfile"),
        "{pointers:?}"
    );
    assert!(
        pointers.contains(&"/spec/containers/0/securityContext/seccompProfile"),
        "{pointers:?}"
    );
    assert!(
        pointers
            .contains(&"/metadata/annotations/container.seccomp.security.alpha.kubernetes.io~1app"),
        "{pointers:?}"
    );
}

/// Regression (issue 12, found against kube-apiserver v1.37): an invalid
/// present field was a warning, but the API server rejects the object
/// outright (`Required value: must be set when seccomp type is Localhost`,
/// `can only be set when seccomp type is Localhost`, `Unsupported value`), so
/// like a non-migratable annotation it is an error a human must fix.
#[test]
fn regression_invalid_profile_field_is_an_error_because_the_api_server_rejects_it() {
    for field in [
        json!({"type": "Localhost"}),
        json!({"type": "RuntimeDefault", "localhostProfile": "profiles/x.json"}),
        json!({"type": "runtimeDefault"}),
        json!({"type": "Localhost", "localhostProfile": "/abs.json"}),
        json!({"type": "Localhost", "localhostProfile": "profiles/../x.json"}),
    ] {
        for spec in [
            json!({"securityContext": {"seccompProfile": field}, "containers": app()}),
            json!({"containers": [{"name": "app", "securityContext": {"seccompProfile": field}}]}),
        ] {
            let input = pod(json!(null), spec);
            let plan = plan(&input, &Policy::default());
            let record = plan
                .records
                .iter()
                .find(|r| r.code == Code::InvalidProfileField)
                .unwrap_or_else(|| {
                    panic!("{field}: no invalid-profile-field in {:?}", plan.records)
                });
            assert_eq!(record.severity, Severity::Error, "{field}");
            assert_eq!(plan.worst_finding(), Some(Severity::Error), "{field}");
        }
    }
}
