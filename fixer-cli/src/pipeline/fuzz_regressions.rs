//! Regression tests for what the fuzz targets (fixer-cli/fuzz) found, one
//! per bug, named after it: the minimised input is fixed (or refused)
//! without an internal error, and fixing the result changes nothing more.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use seccomp_core::Policy;

use super::{process, FileError};
use crate::report::FileStatus;

/// Fixes `text` under the default policy, asserting what every fuzz target
/// asserts, and returns the fixed text.
fn fixed(text: &str) -> String {
    let first = process(text, &Policy::default(), false);
    assert_eq!(first.status, FileStatus::Changed, "{text}");
    let new = first.new_text.expect("a changed text");
    let again = process(&new, &Policy::default(), false);
    assert!(again.new_text.is_none(), "not idempotent:\n{new}");
    new
}

#[test]
fn keep_chomped_scalar_before_a_less_indented_comment_keeps_its_blank_line() {
    let text = "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n    - name: a\n      args:\n        - |+\n          x\n\n    # note\n";
    let new = fixed(text);
    assert_eq!(
        new,
        "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n    - name: a\n      args:\n        - |+\n          x\n\n  securityContext:\n    seccompProfile:\n      type: RuntimeDefault\n    # note\n"
    );
}

#[test]
fn flow_mapping_whose_brace_token_runs_over_spaces_is_edited_as_flow() {
    // saphyr-parser's `{` token may take the spaces after it.
    let text = "{\"apiVersion\": \"v1\", \"kind\": \"Pod\", \"spec\":\n{      \"containers\": [\n  {}\n  ]\n}}\n";
    let new = fixed(text);
    assert!(
        new.contains(
            "], \"securityContext\": {\"seccompProfile\": {\"type\": \"RuntimeDefault\"}}\n}}"
        ),
        "{new}"
    );
}

#[test]
fn removing_the_last_two_flow_entries_leaves_no_dangling_comma() {
    let text = "{\"apiVersion\": \"v1\", \"kind\": \"Pod\", \"metadata\": {\"annotations\": {\"example.com/note\": \"x\", \"seccomp.security.alpha.kubernetes.io/pod\": \"runtime/default\", \"container.seccomp.security.alpha.kubernetes.io/c\": \"runtime/default\"}}, \"spec\": {\"containers\": [{\"name\": \"c\"}]}}\n";
    let new = fixed(text);
    assert!(
        new.contains("{\"annotations\": {\"example.com/note\": \"x\"}}"),
        "{new}"
    );
    serde_json::from_str::<serde_json::Value>(&new).expect("still JSON");
}

#[test]
fn lone_cr_line_breaks_are_refused_not_misedited() {
    // YAML reads a lone CR as a line break; the editor's lines are LF/CRLF.
    let text = "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: app\rtyContext: x\n";
    let out = process(text, &Policy::default(), false);
    assert_eq!(out.status, FileStatus::Unchanged);
    assert_eq!(out.errors, 1);
    assert!(out.new_text.is_none());
    let finding = &out.objects[0].findings.last().expect("a finding").message;
    assert!(finding.contains("lone CR"), "{finding}");
}

#[test]
fn flow_key_without_value_does_not_move_the_insertion_past_the_brace() {
    // The parser spans the empty value of `{a}` over the `}`.
    let text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec : {type Unconfined}\n";
    let new = fixed(text);
    assert!(
        new.ends_with(
            "spec : {type Unconfined, securityContext: {seccompProfile: {type: RuntimeDefault}}}\n"
        ),
        "{new}"
    );
}

#[test]
fn empty_value_with_a_tag_and_an_anchor_keeps_them_as_its_text() {
    // `x: !!map` then `&a` on the next line: an empty scalar whose
    // properties span two lines; new lines go after both.
    let text = "apiVersion: v1\nkind: Pod\nspec:\n  x: !!map\n    &a\n";
    let new = fixed(text);
    assert_eq!(
        new,
        "apiVersion: v1\nkind: Pod\nspec:\n  x: !!map\n    &a\n  securityContext:\n    seccompProfile:\n      type: RuntimeDefault\n"
    );
}

#[test]
fn missing_value_before_a_document_end_marker_keeps_edits_in_its_document() {
    // The parser places the missing value of `? b` at the next token, `...`.
    let text = "kind: Pod\nspec:\n  a: 1\n  ? b\n...\n# next\nkind: ConfigMap\n";
    let new = fixed(text);
    assert_eq!(
        new,
        "kind: Pod\nspec:\n  a: 1\n  ? b\n  securityContext:\n    seccompProfile:\n      type: RuntimeDefault\n...\n# next\nkind: ConfigMap\n"
    );
}

#[test]
fn control_character_in_a_flow_mapping_is_a_syntax_error_not_an_internal_error() {
    // saphyr-parser reads `{\x08 key: }`; the editor's view of the line did
    // not match and the edit failed its own verification.
    let text = "{\n    \"apiVersion\": \"v1\",\n    \"kind\": \"Pod\",\n       \"spec\": {\u{8}       un@sUsc:  }\n}\n";
    let out = process(text, &Policy::default(), true);
    match &out.error {
        Some(FileError::Invalid(err)) => {
            assert_eq!((err.line, err.col), (4, 17), "{err}");
            assert!(err.message.contains("U+0008"), "{err}");
        }
        other => panic!("expected a syntax error, got {other:?}"),
    }
    assert!(out.new_text.is_none());
}

#[test]
fn empty_explicit_key_before_a_document_end_marker_keeps_edits_in_its_document() {
    // The parser places the empty key of a lone `?` (here before a comment)
    // at the next token, `...`: the new entry went into the next document.
    let text = "kind: Pod\nspec:\n  re:\n    ?       # note\n...\n# next\n";
    let out = process(text, &Policy::default(), false);
    assert!(
        !out.error.as_ref().is_some_and(FileError::is_internal),
        "{:?}",
        out.error
    );
    if let Some(new) = &out.new_text {
        let (first, rest) = new.split_once("...\n").expect("the document end stays");
        assert!(first.contains("seccompProfile"), "{new}");
        assert_eq!(rest, "# next\n", "{new}");
    }
}
