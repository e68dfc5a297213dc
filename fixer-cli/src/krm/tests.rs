#![allow(clippy::unwrap_used, clippy::expect_used)]
use super::legacy::legacy_stream;
use super::results::field_path;
use super::*;

const LIST: &str = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n# the app\n- apiVersion: v1\n  kind: Pod\n  metadata:\n    name: p\n    annotations:\n      config.kubernetes.io/index: '0'\n      internal.config.kubernetes.io/path: pod.yaml\n  spec:\n    containers:\n    - name: a\n      image: busybox\n- apiVersion: v1\n  kind: Service\n  metadata:\n    name: s\n";

#[test]
fn items_are_fixed_and_results_added() {
    let out = transform(LIST, &PolicyArgs::default()).unwrap().text;
    let docs = tree::parse(&out).unwrap();
    let value = to_value(&docs[0]).unwrap();
    assert_eq!(
        value.pointer("/items/0/spec/securityContext/seccompProfile/type"),
        Some(&json!("RuntimeDefault"))
    );
    assert!(out.contains("# the app\n"), "comments in items survive");
    let results = value["results"].as_array().unwrap();
    assert_eq!(results.len(), 1, "{results:?}");
    assert_eq!(results[0]["severity"], "info");
    assert_eq!(results[0]["resourceRef"]["name"], "p");
    assert_eq!(results[0]["file"], json!({"path": "pod.yaml", "index": 0}));
    assert_eq!(
        results[0]["field"]["path"],
        "spec.securityContext.seccompProfile"
    );
    assert_eq!(
        value["items"][1],
        json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"}})
    );
}

#[test]
fn function_config_spec_is_the_policy() {
    let input = format!(
        "{LIST}functionConfig:\n  apiVersion: seccomp-defaulter.io/v1\n  kind: SeccompPolicy\n  spec:\n    defaultProfile: {{type: Localhost, localhostProfile: p.json}}\n"
    );
    let out = transform(&input, &PolicyArgs::default()).unwrap().text;
    assert!(out.contains("localhostProfile: p.json"), "{out}");
    let bad = format!("{LIST}functionConfig:\n  kind: X\n  spec:\n    bogus: 1\n");
    let err = transform(&bad, &PolicyArgs::default()).unwrap_err();
    assert!(format!("{err:#}").contains("bogus"), "{err:#}");
}

#[test]
fn flags_overlay_the_function_config_policy() {
    // functionConfig hardens Unconfined; the flag only changes the default
    // profile: both must apply.
    let input = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata:\n    name: p\n  spec:\n    containers:\n    - name: a\n      securityContext:\n        seccompProfile: {type: Unconfined}\nfunctionConfig:\n  kind: SeccompPolicy\n  spec:\n    unconfined: harden\n";
    let args = PolicyArgs {
        default_profile: Some("localhost/q.json".into()),
        ..PolicyArgs::default()
    };
    let out = transform(input, &args).unwrap().text;
    assert!(
        out.contains("seccompProfile: {type: Localhost, localhostProfile: q.json}"),
        "{out}"
    );
    assert!(!out.contains("{type: Unconfined}"), "{out}");
}

#[test]
fn non_resource_lists_are_refused_by_transform() {
    assert!(transform("kind: Pod\n", &PolicyArgs::default()).is_err());
    assert!(transform("kind: [\n", &PolicyArgs::default()).is_err());
    assert!(is_resource_list(LIST));
    assert!(!is_resource_list("kind: Pod\n"));
}

#[test]
fn legacy_streams_are_fixed_with_the_plugin_config_policy() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("plugin.yaml");
    std::fs::write(&config, "kind: SeccompPolicy\nspec:\n  defaultProfile: {type: Localhost, localhostProfile: a.json}\n").unwrap();
    let args = KrmArgs {
        plugin_config: Some(config),
        policy: PolicyArgs::default(),
    };
    let stream = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers: []\n---\nkind: Service\n";
    let out = legacy_stream(stream, &args).unwrap();
    assert!(
        out.contains("      type: Localhost\n      localhostProfile: a.json\n---\nkind: Service\n"),
        "{out}"
    );
    assert!(legacy_stream("kind: [\n", &args).is_err());
}

#[test]
fn field_paths() {
    assert_eq!(
        field_path("/spec/containers/0/securityContext"),
        "spec.containers[0].securityContext"
    );
    assert_eq!(
        field_path("/metadata/annotations/a~1b"),
        "metadata.annotations.a/b"
    );
}

/// The ResourceList with `earlier` results: they are kept and ours appended,
/// in the text as it was.
fn earlier_results_are_kept_and_ours_appended(earlier: &str) {
    let out = transform(&format!("{LIST}{earlier}"), &PolicyArgs::default())
        .unwrap()
        .text;
    let value = to_value(&tree::parse(&out).unwrap()[0]).unwrap();
    let results = value["results"].as_array().unwrap();
    assert_eq!(results.len(), 2, "{out}");
    assert_eq!(results[0]["message"], "earlier");
    assert!(
        results[1]["message"]
            .as_str()
            .unwrap()
            .starts_with("pod-profile-defaulted"),
        "{out}"
    );
    assert!(
        out.starts_with("apiVersion: config.kubernetes.io/v1\n"),
        "edited, not re-serialised: {out}"
    );
}

#[test]
fn earlier_block_results_are_kept_and_ours_appended() {
    earlier_results_are_kept_and_ours_appended("results:\n- message: earlier\n  severity: info\n");
}

#[test]
fn earlier_flow_results_are_kept_and_ours_appended() {
    earlier_results_are_kept_and_ours_appended("results: [{message: earlier}]\n");
}

#[test]
fn regression_an_item_left_unedited_reports_no_change_records_of_any_severity() {
    // The removal of a contradicting annotation is a change with severity
    // warning; when the anchor stops the edit it must not be reported as done.
    let input = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata: &m\n    name: p\n    annotations:\n      seccomp.security.alpha.kubernetes.io/pod: unconfined\n  spec:\n    securityContext:\n      seccompProfile: {type: RuntimeDefault}\n    containers:\n    - name: a\n      securityContext: {privileged: true}\n";
    let out = transform(input, &PolicyArgs::default()).unwrap().text;
    assert!(out.contains("not fixed:"), "{out}");
    assert!(out.contains("privileged-container"), "{out}");
    assert!(!out.contains("annotation-contradicts-field"), "{out}");
    assert!(
        out.contains("seccomp.security.alpha.kubernetes.io/pod: unconfined"),
        "{out}"
    );
}
