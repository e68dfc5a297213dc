#![allow(clippy::unwrap_used, clippy::expect_used)]
use super::*;
use crate::tree::parse;

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

/// `ops` applied to `text` (block YAML, step 2) give exactly `want`.
#[track_caller]
fn assert_edit(text: &str, ops: serde_json::Value, want: &str) {
    let out = run(text, ops, YAML).unwrap();
    assert_eq!(out, want, "edited from {text:?}");
}

#[test]
fn inserts_after_the_last_entry_of_a_block_mapping() {
    let text = "spec:\n  containers:\n  - name: a # c\n    image: b\n  # end\n";
    assert_edit(
        text,
        serde_json::json!([{"op": "add", "path": "/spec/settings", "value": {"strategy": {"type": "Rolling"}}}]),
        "spec:\n  containers:\n  - name: a # c\n    image: b\n  settings:\n    strategy:\n      type: Rolling\n  # end\n",
    );
}

#[test]
fn inserts_into_a_sequence_item_and_a_flow_mapping() {
    let text = "c:\n- name: a\n  settings: {paused: true}\n";
    assert_edit(
        text,
        serde_json::json!([
            {"op": "add", "path": "/c/0/settings/strategy", "value": {"type": "Rolling"}}
        ]),
        "c:\n- name: a\n  settings: {paused: true, strategy: {type: Rolling}}\n",
    );
}

#[test]
fn fills_an_empty_value_and_keeps_no_final_newline() {
    // Without a final newline a new key goes first, so the last line is untouched.
    assert_edit(
        "a:\n  settings:\n  b: 1",
        serde_json::json!([
            {"op": "add", "path": "/a/settings", "value": {"strategy": {"type": "Rolling"}}},
            {"op": "add", "path": "/a/c", "value": "x"}
        ]),
        "a:\n  c: x\n  settings:\n    strategy:\n      type: Rolling\n  b: 1",
    );
    // A sequence item's first key shares the dash's line: then it goes last.
    assert_edit(
        "c:\n- name: a\n  image: b",
        serde_json::json!([{"op": "add", "path": "/c/0/x", "value": 1}]),
        "c:\n- name: a\n  image: b\n  x: 1",
    );
}

#[test]
fn removes_annotation_lines_and_keeps_comments() {
    let text = "m:\n  annotations:\n    # keep me\n    x/y: a\n    z: b\n  labels: {}\n";
    assert_edit(
        text,
        serde_json::json!([{"op": "remove", "path": "/m/annotations/x~1y"}]),
        "m:\n  annotations:\n    # keep me\n    z: b\n  labels: {}\n",
    );
    assert_edit(
        text,
        serde_json::json!([{"op": "remove", "path": "/m/annotations"}]),
        "m:\n    # keep me\n  labels: {}\n",
    );
}

#[test]
fn removing_every_entry_leaves_an_empty_flow_mapping() {
    let text = "metadata:\n  annotations:\n    a: b\nspec: 1\n";
    assert_edit(
        text,
        serde_json::json!([{"op": "remove", "path": "/metadata/annotations"}]),
        "metadata: {}\nspec: 1\n",
    );
}

#[test]
fn replace_changes_only_the_differing_scalar() {
    let text = "p:\n  strategy:\n    type: 'Recreate'\n";
    assert_edit(
        text,
        serde_json::json!([{"op": "replace", "path": "/p/strategy", "value": {"type": "Rolling"}}]),
        "p:\n  strategy:\n    type: 'Rolling'\n",
    );
}

#[test]
fn json_objects_get_json_lines() {
    let text = "{\n  \"spec\": {\n    \"containers\": []\n  }\n}\n";
    let layout = Layout { json: true, ..YAML };
    let out = run(
        text,
        serde_json::json!([{"op": "add", "path": "/spec/settings", "value": {"strategy": {"type": "Rolling"}}}]),
        layout,
    )
    .unwrap();
    assert_eq!(
        out,
        "{\n  \"spec\": {\n    \"settings\": {\n      \"strategy\": {\n        \"type\": \"Rolling\"\n      }\n    },\n    \"containers\": []\n  }\n}\n"
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
    assert_edit(
        text,
        serde_json::json!([
            {"op": "remove", "path": "/template/metadata/annotations/k~1p"},
            {"op": "remove", "path": "/template/metadata"}
        ]),
        "template:\n  spec: {}\n",
    );
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

/// Found by the `edit_patch` fuzz target: two replaces of one empty value
/// were both spliced in (`mec: 0 null`).
#[test]
fn regression_a_second_operation_on_the_same_path_is_refused() {
    let text = "mec:\nb: 1\n";
    let twice = serde_json::json!([
        {"op": "replace", "path": "/mec", "value": 0},
        {"op": "replace", "path": "/mec", "value": null},
    ]);
    let err = run(text, twice, YAML).unwrap_err();
    assert!(
        err.to_string()
            .contains("a second operation on the same path"),
        "{err}"
    );
    let appends = serde_json::json!([
        {"op": "add", "path": "/l/-", "value": 1},
        {"op": "add", "path": "/l/-", "value": 2},
    ]);
    assert_eq!(
        run("l:\n- 0\n", appends, YAML).unwrap(),
        "l:\n- 0\n- 1\n- 2\n"
    );
}

/// Found by the `edit_patch` fuzz target: removing an entry whose value
/// holds a block scalar as a sequence item left the item's `- |+` line
/// behind (the scalar's span starts at its content, not its header).
#[test]
fn regression_removing_a_block_scalar_item_takes_its_header_line() {
    let text = "a: 1\nspec:\n  args:\n  - x\n  - |+\n    echo one\n\n---\nb: 2\n";
    let remove = serde_json::json!([{"op": "remove", "path": "/spec"}]);
    assert_eq!(run(text, remove, YAML).unwrap(), "a: 1\n---\nb: 2\n");
    let folded = "l:\n- >-\n  folded # not a comment\n- y\nk: 1\n";
    let remove = serde_json::json!([{"op": "remove", "path": "/l"}]);
    assert_eq!(run(folded, remove, YAML).unwrap(), "k: 1\n");
}

/// Found by the `edit_patch` fuzz target: replacing `{0}` by `{"1.0":
/// null}` removed the only entry and appended the new one after a comma
/// (`{, "1.0": null}`): such a replacement is refused.
#[test]
fn regression_replacing_every_entry_of_a_flow_mapping_is_refused() {
    let replace = serde_json::json!([{"op": "replace", "path": "/p", "value": {"1.0": null}}]);
    let err = run("p: {0}\n", replace, YAML).unwrap_err();
    assert!(
        err.to_string().contains("every entry of a flow mapping"),
        "{err}"
    );
    let keep_one = serde_json::json!([{"op": "replace", "path": "/p", "value": {"a": 1, "c": 3}}]);
    assert_eq!(
        run("p: {a: 1, b: 2}\n", keep_one, YAML).unwrap(),
        "p: {a: 1, c: 3}\n"
    );
}

/// Found by the `edit_patch` fuzz target: a keep-chomped block scalar with
/// no content but a kept line break (`|+` over one blank line) lost it to
/// the lines inserted after it.
#[test]
fn regression_an_empty_keep_chomped_scalar_keeps_its_line_break() {
    for text in ["l:\n- |+\n\n", "l:\n- |+\n \n", "l: |+\n\n"] {
        let add = serde_json::json!([{"op": "add", "path": "/k", "value": 1}]);
        let out = run(text, add, YAML).unwrap();
        assert_eq!(out, format!("{text}k: 1\n"), "{text:?}");
    }
}

/// Found by the `edit_patch` fuzz target: an empty sequence item followed
/// by a comment (`-  # note`) got its new value after the comment.
#[test]
fn regression_an_empty_item_before_a_comment_is_not_replaced() {
    let replace = serde_json::json!([{"op": "replace", "path": "/l/0", "value": {}}]);
    let err = run("l:\n  -  # note\n", replace.clone(), YAML).unwrap_err();
    assert!(
        err.to_string().contains("an empty item after a comment"),
        "{err}"
    );
    let replace = serde_json::json!([{"op": "replace", "path": "/l/0", "value": 1}]);
    assert_eq!(
        run("l:\n-\n- b\n", replace, YAML).unwrap(),
        "l:\n- 1\n- b\n"
    );
}

/// Found by the `edit_patch` fuzz target: a block scalar replaced by
/// `false` kept its `|` header (its span starts at its content): block
/// scalars are not replaced, whatever the new value.
#[test]
fn regression_a_block_scalar_is_not_replaced_by_any_value() {
    for value in [
        serde_json::json!(false),
        serde_json::json!("x"),
        serde_json::json!({"a": 1}),
    ] {
        let replace = serde_json::json!([{"op": "replace", "path": "/te", "value": value}]);
        let err = run("te: |\n  text\n", replace, YAML).unwrap_err();
        assert!(
            err.to_string().contains("replacing a block scalar"),
            "{err}"
        );
    }
}

/// Found by the `edit_patch` fuzz target: a key added to an item of a list
/// and then the list's entry removed left the new line behind (at the end
/// of the deleted lines): a change inside a removed entry is refused.
#[test]
fn regression_a_change_inside_a_removed_entry_is_refused() {
    let text = "l:\n  - a: 1\nk: 2\n";
    for ops in [
        // Found later: a key added inside a mapping the patch then replaces.
        serde_json::json!([{"op": "add", "path": "/l/0/b", "value": 1}, {"op": "replace", "path": "/l/0", "value": {"c": 2}}]),
        serde_json::json!([{"op": "add", "path": "/l/0/b", "value": null}, {"op": "remove", "path": "/l"}]),
        serde_json::json!([{"op": "remove", "path": "/l"}, {"op": "replace", "path": "/l/0/a", "value": 3}]),
    ] {
        let err = run(text, ops, YAML).unwrap_err();
        assert!(
            err.to_string()
                .contains("inside a node the patch also changes"),
            "{err}"
        );
    }
}

/// Found by the `edit_patch` fuzz target: saphyr-parser refuses a plain
/// scalar right after a tab that follows a key's `:` (`a:\tb`), though it
/// reads a tag or a quoted scalar there: such a value is not replaced.
#[test]
fn regression_a_value_after_a_tab_separator_is_not_replaced() {
    let replace = serde_json::json!([{"op": "replace", "path": "/a", "value": null}]);
    let err = run("a:\t\t!\nb: 1\n", replace.clone(), YAML).unwrap_err();
    assert!(err.to_string().contains("a tab after"), "{err}");
    assert_edit("a: \t'x'\n", replace, "a: \tnull\n");
}

/// Found by the `edit_patch` fuzz target: an empty block scalar (`- |+`
/// with no content) is spanned by the parser at the next token, so
/// removing it took the next key's line: its text is its header line.
#[test]
fn regression_an_empty_block_scalar_is_its_header_line() {
    let remove = serde_json::json!([{"op": "remove", "path": "/spec/c"}]);
    assert_edit(
        "spec:\n  c:\n  - |+\n  ec:\n    x: 1\n",
        remove,
        "spec:\n  ec:\n    x: 1\n",
    );
    let add = serde_json::json!([{"op": "add", "path": "/k", "value": 1}]);
    assert_edit("a: >-\nb: 2\n", add, "a: >-\nb: 2\nk: 1\n");
    let remove = serde_json::json!([{"op": "remove", "path": "/l"}]);
    assert_edit(
        "j: |\n  x\nl:\n- |+ # a > b\n# c > d\nk: 1\n",
        remove,
        "j: |\n  x\n# c > d\nk: 1\n",
    );
}

/// Found by the `edit_patch` fuzz target: the entry of an empty explicit
/// key (`? # c`) was not removed (the key has no text): a mapping with a
/// key without text is not edited.
#[test]
fn regression_a_mapping_with_a_key_without_text_is_not_edited() {
    let remove = serde_json::json!([{"op": "remove", "path": "/"}]);
    let err = run("a: 1\n? # c\nb: 2\n", remove, YAML).unwrap_err();
    assert!(err.to_string().contains("a key without text"), "{err}");
    let add = serde_json::json!([{"op": "add", "path": "/c", "value": 3}]);
    assert_edit("a: 1\n'': 2\n", add, "a: 1\n'': 2\nc: 3\n");
}

/// Found by the `edit_patch` fuzz target: two items appended to an empty
/// flow sequence had no comma between them (`["a""b"]`); entries added to
/// an empty flow mapping neither.
#[test]
fn regression_entries_added_to_an_empty_flow_collection_are_separated() {
    let appends = serde_json::json!([
        {"op": "add", "path": "/-", "value": "\""},
        {"op": "add", "path": "/-", "value": "b"},
    ]);
    assert_edit("[\n ]\n", appends, "[\"\\\"\", b\n ]\n");
    let adds = serde_json::json!([
        {"op": "add", "path": "/m/a", "value": 1},
        {"op": "add", "path": "/m/b", "value": 2},
    ]);
    assert_edit("m: {}\n", adds, "m: {a: 1, b: 2}\n");
}

/// Found by the `edit_patch` fuzz target: a keep-chomped block scalar whose
/// kept line is the file's last, spaces without a line break, lost it to a
/// line inserted after the scalar's header.
#[test]
fn regression_a_kept_last_line_without_line_break_stays_with_its_scalar() {
    let add = serde_json::json!([{"op": "add", "path": "/k", "value": 1}]);
    // Without a final line break the new key goes first.
    assert_edit("a: 1\nl:\n  - |+\n ", add, "k: 1\na: 1\nl:\n  - |+\n ");
}

/// Found by the `edit_patch` fuzz target: a block mapping's tag on a line
/// of its own (`!t` above its first key) outlived the removal of its entry.
#[test]
fn regression_a_removed_entry_takes_its_property_lines() {
    let remove = serde_json::json!([{"op": "remove", "path": "/spec"}]);
    assert_edit(
        "a: 1\nspec:\n  sel:\n   !t\n      app: web\n  # kept\nb: 2\n",
        remove,
        "a: 1\n  # kept\nb: 2\n",
    );
}

/// Found by the `edit_patch` fuzz target: removing a flow entry with an
/// empty value (`{ k:}`) left its `:` behind.
#[test]
fn regression_a_removed_flow_entry_with_an_empty_value_takes_its_colon() {
    let remove = serde_json::json!([{"op": "remove", "path": "/k"}]);
    assert_edit("{ k:}\n", remove.clone(), "{ }\n");
    assert_edit("{a: 1, k: }\n", remove, "{a: 1 }\n");
}

/// Found by the `edit_patch` fuzz target: a keep-chomped block scalar of
/// blank lines only is spanned by the parser at the next token too, so
/// removing it took the next key's line.
#[test]
fn regression_a_block_scalar_of_blank_lines_is_its_header_and_those_lines() {
    let remove = serde_json::json!([{"op": "remove", "path": "/t/c"}]);
    assert_edit(
        "t:\n  c:\n    - |+\n\nb: Neult\n",
        remove,
        "t: {}\nb: Neult\n",
    );
    let add = serde_json::json!([{"op": "add", "path": "/k", "value": 1}]);
    assert_edit("l:\n- |+\n\n\nb: 2\n", add, "l:\n- |+\n\n\nb: 2\nk: 1\n");
}

/// Found by the `edit_patch` fuzz target: an entry added after a flow
/// entry with an empty value went before that entry's `:` (`{type, k: v:}`).
#[test]
fn regression_an_entry_added_after_an_empty_flow_value_goes_after_its_colon() {
    let add = serde_json::json!([{"op": "add", "path": "/k", "value": 1}]);
    assert_edit("{type:}\n", add, "{type:, k: 1}\n");
}

/// Found by the `edit_patch` fuzz target: a mapping replaced by another
/// had a duplicated key removed once and kept once.
#[test]
fn regression_a_mapping_with_a_duplicated_key_is_not_replaced_entry_by_entry() {
    let replace = serde_json::json!([{"op": "replace", "path": "/m", "value": {"a": null}}]);
    let err = run("m:\n  env: 1\n  c: 2\n  env: 3\n", replace, YAML).unwrap_err();
    assert!(err.to_string().contains("a duplicated key"), "{err}");
}

/// Found by the fixer's `yaml_bytes` fuzz target: the parser may place an
/// empty block scalar before its own header (`b:\n  |1` after `a: |`), and
/// the header search found the one before: its header is searched after
/// its key.
#[test]
fn regression_an_empty_block_scalar_header_is_searched_after_its_key() {
    let add = serde_json::json!([{"op": "add", "path": "/spec/k", "value": 1}]);
    assert_edit(
        "spec:\n  a: | \n   1\n  b:\n     |1\n ",
        add,
        "spec:\n  a: | \n   1\n  b:\n     |1\n  k: 1\n ",
    );
}

/// Found by the `edit_patch` fuzz target: a mapping with an explicit key
/// (`?` on a line of its own) got a new entry between the `?` and its key.
#[test]
fn regression_a_mapping_with_an_explicit_key_is_not_edited() {
    let add = serde_json::json!([{"op": "add", "path": "/c", "value": null}]);
    let err = run(" ?  \n  -o{ .V.\n", add, YAML).unwrap_err();
    assert!(err.to_string().contains("an explicit key"), "{err}");
}

/// Found by the strict `edit_patch` search: the blank line after a removed
/// entry stayed, and the keep-chomped scalar (`|+`) before the entry took it
/// into its value (the verification refused the edit: an internal error).
#[test]
fn regression_blank_lines_after_a_removed_entry_do_not_join_a_keep_scalar() {
    let remove = serde_json::json!([{"op": "remove", "path": "/b"}]);
    assert_edit(
        "a: |+\n  x\nb: 1\n\nc: 2\n",
        remove.clone(),
        "a: |+\n  x\nc: 2\n",
    );
    // Blank lines inside the entry too, up to a comment (which ends the scalar).
    assert_edit(
        "m:\n  a: >2+\n    x\n  b:\n\n    k: v\n  \n  # c\n\nc: 2\n",
        serde_json::json!([{"op": "remove", "path": "/m/b"}]),
        "m:\n  a: >2+\n    x\n  # c\n\nc: 2\n",
    );
    // Without a keep scalar before it, the blank line stays.
    assert_edit(
        "a: |\n  x\nb: 1\n\nc: 2\n",
        remove.clone(),
        "a: |\n  x\n\nc: 2\n",
    );
    // An entry inserted in its place comes first: the blank line stays.
    let both = serde_json::json!([
        {"op": "remove", "path": "/b"},
        {"op": "add", "path": "/d", "value": 1}
    ]);
    assert_edit("a: |+\n  x\nb: 1\n\n", both, "a: |+\n  x\nd: 1\n\n");
}

/// A block scalar's header was taken to be the last `|` or `>` before its
/// content: one in the header's comment (`|+ # a > b`) hid the keep
/// indicator, and the blank line a removal left joined the scalar; one
/// in a clip scalar's comment (`| # not |+`) made it look kept, and a blank
/// line that could stay was deleted.
#[test]
fn regression_a_bar_or_angle_in_a_block_scalar_header_comment_is_not_its_header() {
    let remove = serde_json::json!([{"op": "remove", "path": "/b"}]);
    assert_edit(
        "a: |+ # a > b\n  x\nb: 1\n\nc: 2\n",
        remove.clone(),
        "a: |+ # a > b\n  x\nc: 2\n",
    );
    assert_edit(
        "a: | # not |+\n  x\nb: 1\n\nc: 2\n",
        remove.clone(),
        "a: | # not |+\n  x\n\nc: 2\n",
    );
    // Properties before the header: an anchor and a verbatim tag with `>`.
    assert_edit(
        "a: &x|y !<tag:t> >+\n  x\nb: 1\n\nc: 2\n",
        remove,
        "a: &x|y !<tag:t> >+\n  x\nc: 2\n",
    );
}
