#![allow(clippy::unwrap_used, clippy::expect_used)]
use super::*;
use crate::yaml::tree::parse;

const YAML: Layout = Layout {
    newline: "\n",
    step: 2,
    json: false,
};

fn run(text: &str, ops: serde_json::Value, layout: Layout) -> Result<String, EditError> {
    let docs = parse(text).unwrap();
    let patch: Patch = serde_json::from_value(ops).unwrap();
    let splices = edit(text, &docs[0].root, &patch, layout)?;
    Ok(splice::apply(text, splices).unwrap())
}

#[test]
fn inserts_after_the_last_entry_of_a_block_mapping() {
    let text = "spec:\n  containers:\n  - name: a # c\n    image: b\n  # end\n";
    let out = run(
        text,
        serde_json::json!([{"op": "add", "path": "/spec/securityContext", "value": {"seccompProfile": {"type": "RuntimeDefault"}}}]),
        YAML,
    )
    .unwrap();
    assert_eq!(
        out,
        "spec:\n  containers:\n  - name: a # c\n    image: b\n  securityContext:\n    seccompProfile:\n      type: RuntimeDefault\n  # end\n"
    );
}

#[test]
fn inserts_into_a_sequence_item_and_a_flow_mapping() {
    let text = "c:\n- name: a\n  securityContext: {runAsNonRoot: true}\n";
    let out = run(
        text,
        serde_json::json!([
            {"op": "add", "path": "/c/0/securityContext/seccompProfile", "value": {"type": "RuntimeDefault"}}
        ]),
        YAML,
    )
    .unwrap();
    assert_eq!(
        out,
        "c:\n- name: a\n  securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}\n"
    );
}

#[test]
fn fills_an_empty_value_and_keeps_no_final_newline() {
    let text = "a:\n  securityContext:\n  b: 1";
    let out = run(
        text,
        serde_json::json!([
            {"op": "add", "path": "/a/securityContext", "value": {"seccompProfile": {"type": "RuntimeDefault"}}},
            {"op": "add", "path": "/a/c", "value": "x"}
        ]),
        YAML,
    )
    .unwrap();
    // Without a final newline a new key goes first, so the last line is untouched.
    assert_eq!(
        out,
        "a:\n  c: x\n  securityContext:\n    seccompProfile:\n      type: RuntimeDefault\n  b: 1"
    );
    // A sequence item's first key shares the dash's line: then it goes last.
    let out = run(
        "c:\n- name: a\n  image: b",
        serde_json::json!([{"op": "add", "path": "/c/0/x", "value": 1}]),
        YAML,
    )
    .unwrap();
    assert_eq!(out, "c:\n- name: a\n  image: b\n  x: 1");
}

#[test]
fn removes_annotation_lines_and_keeps_comments() {
    let text = "m:\n  annotations:\n    # keep me\n    x/y: a\n    z: b\n  labels: {}\n";
    let out = run(
        text,
        serde_json::json!([{"op": "remove", "path": "/m/annotations/x~1y"}]),
        YAML,
    )
    .unwrap();
    assert_eq!(
        out,
        "m:\n  annotations:\n    # keep me\n    z: b\n  labels: {}\n"
    );
    let out = run(
        text,
        serde_json::json!([{"op": "remove", "path": "/m/annotations"}]),
        YAML,
    )
    .unwrap();
    assert_eq!(out, "m:\n    # keep me\n  labels: {}\n");
}

#[test]
fn removing_every_entry_leaves_an_empty_flow_mapping() {
    let text = "metadata:\n  annotations:\n    a: b\nspec: 1\n";
    let out = run(
        text,
        serde_json::json!([{"op": "remove", "path": "/metadata/annotations"}]),
        YAML,
    )
    .unwrap();
    assert_eq!(out, "metadata: {}\nspec: 1\n");
}

#[test]
fn replace_changes_only_the_differing_scalar() {
    let text = "p:\n  seccompProfile:\n    type: 'Unconfined'\n";
    let out = run(
        text,
        serde_json::json!([{"op": "replace", "path": "/p/seccompProfile", "value": {"type": "RuntimeDefault"}}]),
        YAML,
    )
    .unwrap();
    assert_eq!(out, "p:\n  seccompProfile:\n    type: 'RuntimeDefault'\n");
}

#[test]
fn json_objects_get_json_lines() {
    let text = "{\n  \"spec\": {\n    \"containers\": []\n  }\n}\n";
    let layout = Layout { json: true, ..YAML };
    let out = run(
        text,
        serde_json::json!([{"op": "add", "path": "/spec/securityContext", "value": {"seccompProfile": {"type": "RuntimeDefault"}}}]),
        layout,
    )
    .unwrap();
    assert_eq!(
        out,
        "{\n  \"spec\": {\n    \"securityContext\": {\n      \"seccompProfile\": {\n        \"type\": \"RuntimeDefault\"\n      }\n    },\n    \"containers\": []\n  }\n}\n"
    );
}

#[test]
fn anchors_and_merge_keys_on_the_path_are_refused() {
    let text = "base: &b\n  x: 1\nspec:\n  <<: *b\n  y: 2\n";
    let err = run(
        text,
        serde_json::json!([{"op": "add", "path": "/spec/z", "value": 1}]),
        YAML,
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            EditError::Unsafe {
                what: "a merge key (<<)",
                ..
            }
        ),
        "{err}"
    );
    let err = run(
        text,
        serde_json::json!([{"op": "add", "path": "/base/z", "value": 1}]),
        YAML,
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            EditError::Unsafe {
                what: "an anchor (&)",
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn regression_removing_an_emptied_template_metadata_does_not_overlap_its_braces() {
    // The core removes the annotation, then the template metadata it emptied;
    // the annotations map inside the removed block must not get a `{}` too.
    let text = "template:\n  metadata:\n    annotations:\n      k/p: x\n  spec: {}\n";
    let out = run(
        text,
        serde_json::json!([
            {"op": "remove", "path": "/template/metadata/annotations/k~1p"},
            {"op": "remove", "path": "/template/metadata"}
        ]),
        YAML,
    )
    .unwrap();
    assert_eq!(out, "template:\n  spec: {}\n");
}

#[test]
fn regression_report_lines_follow_the_last_of_duplicated_keys() {
    // The JSON value the core plans on keeps the last duplicate; the report
    // line must point there too.
    let text = "spec:\n  a: 1\nspec:\n  b: 2\n";
    let docs = parse(text).unwrap();
    assert_eq!(path::line_of(&docs[0].root, "/spec/b"), 4);
    assert_eq!(path::line_of(&docs[0].root, "/spec"), 3);
}
