//! `seccomp-fix patch`: one JSON line per document, patch applies with json-patch.

use serde_json::Value;

use crate::util::{run_in, stderr, stdout, temp_tree};

fn lines(out: &std::process::Output) -> Vec<Value> {
    stdout(out)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect()
}

const LEGACY_POD: &str = "apiVersion: v1
kind: Pod
metadata:
  name: audit
  annotations:
    seccomp.security.alpha.kubernetes.io/pod: localhost/profiles/audit.json
spec:
  containers:
  - name: app
    image: nginx
";

#[test]
fn legacy_localhost_annotation_becomes_the_pod_field_and_is_removed() {
    let dir = temp_tree(&[("pod.yaml", LEGACY_POD)]);
    let out = run_in(dir.path(), &["patch", "pod.yaml"], None);
    assert!(out.status.success(), "{}", stderr(&out));
    let docs = lines(&out);
    assert_eq!(docs.len(), 1);
    let patch = &docs[0]["patch"];
    assert_eq!(
        patch[0],
        serde_json::json!({"op": "add", "path": "/spec/securityContext",
            "value": {"seccompProfile": {"type": "Localhost", "localhostProfile": "profiles/audit.json"}}})
    );
    assert!(
        patch
            .as_array()
            .unwrap()
            .iter()
            .any(|op| op["op"] == "remove"
                && op["path"] == "/metadata/annotations/seccomp.security.alpha.kubernetes.io~1pod"),
        "{patch}"
    );
    assert_eq!(docs[0]["kind"], "Pod");
    assert_eq!(docs[0]["name"], "audit");
    assert_eq!(docs[0]["document"], 0);
}

#[test]
fn windows_pod_gets_an_empty_patch_and_a_skipped_finding() {
    let pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: w}\nspec:\n  os: {name: windows}\n  containers: [{name: a, image: b}]\n";
    let dir = temp_tree(&[("w.yaml", pod)]);
    let out = run_in(dir.path(), &["patch", "w.yaml"], None);
    assert!(out.status.success(), "{}", stderr(&out));
    let docs = lines(&out);
    assert_eq!(docs[0]["patch"], serde_json::json!([]));
    assert_eq!(docs[0]["findings"][0]["code"], "skipped-windows");
}

#[test]
fn every_document_is_numbered_and_its_patch_applies() {
    let stream = format!(
        "# leading comment\n{LEGACY_POD}---\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c}}\n---\n---\n{}",
        "{\"apiVersion\": \"batch/v1\", \"kind\": \"CronJob\", \"metadata\": {\"name\": \"cj\"}, \"spec\": {\"jobTemplate\": {\"spec\": {\"template\": {\"spec\": {\"containers\": [{\"name\": \"a\"}]}}}}}}\n"
    );
    let out = run_in(
        std::path::Path::new("."),
        &["patch", "-"],
        Some(stream.as_bytes()),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let docs = lines(&out);
    let numbers: Vec<u64> = docs
        .iter()
        .map(|d| d["document"].as_u64().unwrap())
        .collect();
    assert_eq!(
        numbers,
        vec![0, 1, 3],
        "the empty third document prints nothing"
    );
    assert_eq!(docs[1]["findings"][0]["code"], "not-applicable");
    let cronjob: Value = serde_json::from_str(stream.lines().last().unwrap()).unwrap();
    let patch: json_patch::Patch = serde_json::from_value(docs[2]["patch"].clone()).unwrap();
    let mut fixed = cronjob;
    json_patch::patch(&mut fixed, &patch).unwrap();
    assert_eq!(
        fixed.pointer("/spec/jobTemplate/spec/template/spec/securityContext/seccompProfile/type"),
        Some(&Value::from("RuntimeDefault"))
    );
}

#[test]
fn invalid_yaml_is_reported_as_path_line_col_with_exit_2() {
    let dir = temp_tree(&[(
        "bad.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata: [unclosed\n",
    )]);
    let out = run_in(dir.path(), &["patch", "bad.yaml"], None);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("bad.yaml:"), "{err}");
    let location = err.split("bad.yaml:").nth(1).unwrap();
    let mut parts = location.split(':');
    let line: usize = parts.next().unwrap().parse().expect("line number");
    let col: usize = parts.next().unwrap().parse().expect("column number");
    assert!(line >= 3 && col >= 1, "{err}");
}

#[test]
fn policy_file_changes_the_default_and_unknown_keys_are_named() {
    let pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: a}]}\n";
    let dir = temp_tree(&[
        ("p.yaml", pod),
        (
            "policy.yaml",
            "defaultProfile: {type: Localhost, localhostProfile: profiles/d.json}\n",
        ),
        ("typo.yaml", "keepAnnotation: true\n"),
    ]);
    let out = run_in(
        dir.path(),
        &["patch", "--config", "policy.yaml", "p.yaml"],
        None,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let docs = lines(&out);
    assert_eq!(
        docs[0]["patch"][0]["value"]["seccompProfile"]["localhostProfile"],
        "profiles/d.json"
    );
    let out = run_in(
        dir.path(),
        &["patch", "--config", "typo.yaml", "p.yaml"],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("keepAnnotation"), "{}", stderr(&out));
}
